import {
  DockerCallError,
  type DockerHost,
  isDeadlinePassed,
  isUnreachable,
  listedName,
} from "../docker/docker-host.js";
import type { LinkResource, ResourceRole } from "../domain/link.js";
import { describeError, describeErrorWithoutAddress } from "../errors.js";
import { labelKeys, leftToStore, linkIdOf } from "./labels.js";

/** A resource that could not be removed, and why: with and without the Docker API's address, for Slack. */
export type LeftResource = LinkResource & { error: string; errorWithoutAddress: string };

/** Creation order of a link's parts; removal goes the other way. */
export const roleOrder: readonly ResourceRole[] = [
  "source-network",
  "connection",
  "source",
  "target-network",
  "target",
  "web",
  "consumer",
];

export function byRoleOrder(a: LinkResource, b: LinkResource): number {
  return roleOrder.indexOf(a.role) - roleOrder.indexOf(b.role);
}

export function sameResource(a: LinkResource, b: LinkResource): boolean {
  return a.id === b.id && a.cluster === b.cluster && a.kind === b.kind;
}

const activeEndpoints = /active endpoints/i;

/** What became of a part a link made: removed, gone before, or there but without the link's label, so left alone. */
export type Removal = "removed" | "gone" | "foreign";

const removal = (removed: boolean): Removal => (removed ? "removed" : "gone");

/** Whether labels name the link: "gone" for an object that is not there. */
function carrying(
  labels: Record<string, string> | null | undefined,
  linkId: string,
  there: boolean,
): Removal {
  if (!there) return "gone";
  return linkIdOf(labels ?? undefined) === linkId ? "removed" : "foreign";
}

/**
 * Removes one thing a link made, only while it carries that link's label (a connection: while its network does).
 * `labelled`: the resource is known to carry it (a listing by the label just found it), so no inspect comes first.
 * Docker never changes a container's or network's labels, so an ID found with the label carries it for as long as it
 * exists, and one that is gone says so when removed.
 */
export async function removeResource(
  on: DockerHost,
  resource: LinkResource,
  linkId: string,
  labelled = false,
  /** Told each container (ID, name) that was still on a network of the link's, disconnected first. */
  onStranger?: (id: string, container: string) => void,
): Promise<Removal> {
  switch (resource.kind) {
    case "container": {
      if (!labelled) {
        const info = await on.inspectContainer(resource.id);
        const found = carrying(info?.Config.Labels, linkId, info !== undefined);
        if (found !== "removed") return found;
      }
      return removal(await on.removeContainer(resource.id, resource.name));
    }
    case "connection": {
      if (!resource.network) return "gone";
      if (!labelled) {
        const info = await on.inspectNetwork(resource.network);
        const found = carrying(info?.Labels, linkId, info !== undefined);
        if (found !== "removed") return found;
      }
      return removal(await on.disconnectNetwork(resource.network, resource.id));
    }
    case "network": {
      if (labelled) {
        try {
          return removal(await on.removeNetwork(resource.id, resource.name));
        } catch (error) {
          // Something not of this link joined it since: let it go, then remove the network.
          if (!(error instanceof DockerCallError) || !activeEndpoints.test(error.reason)) throw error;
        }
      }
      const info = await on.inspectNetwork(resource.id);
      const found = carrying(info?.Labels, linkId, info !== undefined);
      if (found !== "removed") return found;
      await Promise.all(
        Object.entries(info?.Containers ?? {}).map(async ([endpoint, joined]) => {
          if (await on.disconnectNetwork(resource.id, endpoint))
            onStranger?.(endpoint, joined.Name ?? endpoint);
        }),
      );
      return removal(await on.removeNetwork(resource.id, resource.name));
    }
  }
}

/** Containers and connections go first, at once, then networks, so a network has no endpoint of the link left. */
const phases: readonly (readonly LinkResource["kind"][])[] = [["container", "connection"], ["network"]];

/**
 * With resources known to carry the link's label, its containers leave its networks first, beside the connections: a
 * network without endpoints then goes while the containers do, where it would wait for them (on the lab, a
 * teardown takes a tenth to a third less). A failed leave changes nothing, unless its deadline passed: a host that
 * holds calls is asked nothing more. Otherwise the removals after it say what is left.
 */
const phasesAfterLeaving: readonly (readonly LinkResource["kind"][])[] = [
  ["connection"],
  ["container", "network"],
];

function leaveNetworks(
  on: DockerHost,
  own: readonly LinkResource[],
  /** Told of a host that let a call's deadline pass, so nothing more is asked of it. */
  onSilent: (error: unknown) => void,
): Promise<unknown> {
  const ours = (kind: LinkResource["kind"]) => own.filter((r) => r.kind === kind);
  const containers = ours("container");
  return Promise.all(
    ours("network").flatMap((network) =>
      containers.map((container) =>
        on.disconnectNetwork(network.id, container.id).catch((error: unknown) => {
          if (isDeadlinePassed(error)) onSilent(error);
          return false;
        }),
      ),
    ),
  );
}

export function whyLeft(error: unknown): Pick<LeftResource, "error" | "errorWithoutAddress"> {
  return { error: describeError(error), errorWithoutAddress: describeErrorWithoutAddress(error) };
}

/**
 * Removes resources newest first, each host's at once and, on a host, all of a kind at once; returns what could
 * not be removed, with why. After a host stops answering, the rest of its resources are left without another
 * call.
 */
export async function removeResources(
  hostOf: (cluster: string) => DockerHost,
  resources: readonly LinkResource[],
  linkId: string,
  options: {
    /**
     * Which resources are known to carry the link's label (see removeResource), none inspected first: all of them,
     * or those this says.
     */
    labelled?: boolean | ((resource: LinkResource) => boolean);
    /** Given the resources that were no longer there to remove. */
    gone?: LinkResource[];
    /** Given the resources there without the link's label, left alone: the record named what the link did not make. */
    foreign?: LinkResource[];
    /** Given each container not of the link disconnected from one of its networks so the network could go. */
    strangers?: { cluster: string; container: string; network: string }[];
  } = {},
): Promise<LeftResource[]> {
  const { gone, foreign, strangers } = options;
  const ownContainers = new Set(resources.filter((r) => r.kind === "container").map((r) => r.id));
  const labelled = (r: LinkResource) =>
    typeof options.labelled === "function" ? options.labelled(r) : options.labelled === true;
  const clusters = [...new Set(resources.map((r) => r.cluster))];
  const perCluster = await Promise.all(
    clusters.map(async (cluster) => {
      const left: LeftResource[] = [];
      let down: Pick<LeftResource, "error" | "errorWithoutAddress"> | undefined;
      const own = resources.filter((r) => r.cluster === cluster).reverse();
      const known = own.filter(labelled);
      let leaving: Promise<unknown> | false | undefined =
        known.length > 0 &&
        leaveNetworks(hostOf(cluster), known, (error) => {
          down ??= whyLeft(error);
        });
      for (const kinds of leaving ? phasesAfterLeaving : phases) {
        const batch = own.filter((r) => kinds.includes(r.kind));
        if (down) {
          const why = down;
          left.push(...batch.map((resource) => ({ ...resource, ...why })));
          continue;
        }
        await Promise.all([
          leaving,
          ...batch.map(async (resource) => {
            try {
              const removed = await removeResource(
                hostOf(cluster),
                resource,
                linkId,
                labelled(resource),
                // One of the link's own containers still on the network (its leave failed) is no stranger.
                (id, container) => {
                  if (!ownContainers.has(id)) strangers?.push({ cluster, container, network: resource.name });
                },
              );
              if (removed === "gone") gone?.push(resource);
              if (removed === "foreign") foreign?.push(resource);
            } catch (error) {
              const why = whyLeft(error);
              if (isUnreachable(error)) down = why;
              left.push({ ...resource, ...why });
            }
          }),
        ]);
        leaving = undefined;
      }
      // Reported newest first, as they were to be removed.
      return own.flatMap((resource) => left.filter((l) => sameResource(l, resource)));
    }),
  );
  return perCluster.flat();
}

/**
 * Objects on a host carrying the link's label: the IDs of all of them, and as resources those `known` does not name
 * (a lost store write, say), unless their labels name a store other than `storeId`.
 */
export async function labelledObjects(
  on: DockerHost,
  linkId: string,
  known: readonly LinkResource[],
  options: {
    storeId?: string;
    /** Ends the listing sooner than the host's own deadline for calls. */
    signal?: AbortSignal;
  } = {},
): Promise<{ ids: Set<string>; unknown: LinkResource[] }> {
  const selector = [`${labelKeys.link}=${linkId}`];
  const call = options.signal ? { signal: options.signal } : undefined;
  const [containers, networks] = await Promise.all([
    on.listContainers(selector, call),
    on.listNetworks(selector, call),
  ]);
  const ids = new Set(known.map((r) => r.id));
  const unknown = (object: { Id: string; Labels?: Record<string, string> }) =>
    !ids.has(object.Id) && leftToStore(object.Labels, options.storeId);
  return {
    // Networks by name too: a connection's record names its network so.
    ids: new Set([...containers.map((c) => c.Id), ...networks.flatMap((n) => [n.Id, n.Name])]),
    unknown: [
      ...containers.filter(unknown).map((c) => ({
        cluster: on.name,
        kind: "container" as const,
        role: (c.Labels[labelKeys.role] ?? "source") as ResourceRole,
        id: c.Id,
        name: listedName(c),
      })),
      ...networks.filter(unknown).map((n) => ({
        cluster: on.name,
        kind: "network" as const,
        role: (n.Labels?.[labelKeys.role] ?? "source-network") as ResourceRole,
        id: n.Id,
        name: n.Name,
      })),
    ],
  };
}

/** Objects on a host carrying the link's label that `known` does not name (see labelledObjects). */
export async function labelledResources(
  on: DockerHost,
  linkId: string,
  known: readonly LinkResource[],
  options: { storeId?: string; signal?: AbortSignal } = {},
): Promise<LinkResource[]> {
  return (await labelledObjects(on, linkId, known, options)).unknown;
}

/** Whether a listing of the link's labelled objects shows the part: a connection by its network. */
export function listedWithLabel(resource: LinkResource, ids: ReadonlySet<string>): boolean {
  return ids.has(resource.kind === "connection" ? (resource.network ?? "") : resource.id);
}
