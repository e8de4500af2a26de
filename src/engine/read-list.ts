import { setImmediate as turn } from "node:timers/promises";
import type Docker from "dockerode";
import type { ClusterDirectory } from "../docker/clusters.js";
import { listedName, type PortBindings } from "../docker/docker-host.js";
import { type LinkRecord, linkClusters, partlyTornDown } from "../domain/link.js";
import { admitsOnlyContainersOnItsNetwork, labelKeys, servesReplacedContainer } from "./labels.js";
import { admitsOnlyItsNetwork, sourceDockerLinked } from "./link-plan.js";
import { mappingsOf } from "./mappings.js";
import { namespaceOwner } from "./namespace-owner.js";
import { askClusters, type ClusterReply, type StagedReadOptions } from "./read-staged.js";
import type { LinkList, LinkView, LiveState, PortMapping, SilentCluster, Staged } from "./types.js";

const runningStates = new Set(["running", "paused", "restarting"]);

/** A listed container's published ports, as `docker port` shows them. */
function listedMappings(cluster: string, advertise: string, c: Docker.ContainerInfo): PortMapping[] {
  const bindings: PortBindings = {};
  for (const port of c.Ports) {
    if (!port.PublicPort) continue;
    const key = `${port.PrivatePort}/${port.Type}`;
    bindings[key] = [...(bindings[key] ?? []), { HostIp: port.IP ?? "", HostPort: String(port.PublicPort) }];
  }
  return mappingsOf(cluster, listedName(c), advertise, bindings);
}

type Seen = {
  state: LiveState;
  mappings: PortMapping[];
  id?: string;
  name?: string;
  labels?: Record<string, string>;
};

/**
 * The state and published ports of every container on a host, found by ID, ID prefix or name, from one listing;
 * with a network, a running container that is not on it is `disconnected`.
 */
function containerStates(cluster: string, advertise: string, containers: readonly Docker.ContainerInfo[]) {
  const byKey = new Map<string, Docker.ContainerInfo>();
  const byLink = new Map<string, Docker.ContainerInfo[]>();
  for (const c of containers) {
    byKey.set(c.Id, c);
    for (const name of c.Names) byKey.set(name.replace(/^\//, ""), c);
    const link = c.Labels?.[labelKeys.link];
    if (link) byLink.set(link, [...(byLink.get(link) ?? []), c]);
  }
  const seen = (ref: string, network?: string): Seen => {
    let found = byKey.get(ref);
    if (found === undefined && /^[0-9a-f]{6,63}$/.test(ref)) {
      found = containers.find((c) => c.Id.startsWith(ref));
    }
    if (found === undefined) return { state: "missing", mappings: [] };
    const networks = found.NetworkSettings?.Networks ?? {};
    // In another container's network namespace, its ports are published by that container, and it reaches
    // nothing while that one is down.
    const ownerRef = namespaceOwner(found.HostConfig?.NetworkMode);
    const owner = ownerRef === undefined ? undefined : byKey.get(ownerRef);
    const state = !runningStates.has(found.State)
      ? "stopped"
      : found.State === "paused"
        ? "paused"
        : ownerRef !== undefined
          ? owner && runningStates.has(owner.State)
            ? "running"
            : "disconnected"
          : network === undefined || network in networks
            ? "running"
            : "disconnected";
    const listed = ownerRef === undefined ? found : owner;
    const mappings = listed ? listedMappings(cluster, advertise, listed) : [];
    return {
      state,
      mappings: mappings.map((m) => ({ ...m, container: listedName(found) })),
      id: found.Id,
      name: listedName(found),
      labels: found.Labels,
    };
  };
  /** The containers carrying a link's label. */
  const labelled = (linkId: string): readonly Docker.ContainerInfo[] => byLink.get(linkId) ?? [];
  return { seen, labelled };
}

type Listing = ReturnType<typeof containerStates>;

interface SeenOn {
  (cluster: string, ref: string, network?: string): Seen;
  /** The containers on `cluster` carrying the link's label; undefined when it did not answer, or a change runs. */
  labelled(cluster: string, link: LinkRecord): readonly Docker.ContainerInfo[] | undefined;
}

/** Links viewed between two turns of the event loop: a long list never holds a request waiting for its ack. */
const viewsPerTurn = 100;

/** The views of many links, a few at a time, letting requests that arrived meanwhile be answered between. */
async function viewsOf(links: readonly LinkRecord[], seenOn: SeenOn): Promise<LinkView[]> {
  const views: LinkView[] = [];
  for (let at = 0; at < links.length; at += viewsPerTurn) {
    if (at > 0) await turn();
    for (const link of links.slice(at, at + viewsPerTurn)) views.push(viewOf(link, seenOn));
  }
  return views;
}

/**
 * The name the link's source container runs under now, when no container has its name: the one whose ID the source
 * ambassador was made for, renamed since (`docker rename`).
 */
function renamedSource(link: LinkRecord, seenOn: SeenOn): string | undefined {
  const source = link.resources.find((r) => r.role === "source" && r.kind === "container");
  const servedId = source && seenOn(source.cluster, source.id).labels?.[labelKeys.containerId];
  if (!servedId) return undefined;
  const now = seenOn(link.sourceCluster, servedId);
  return now.state !== "missing" && now.name !== link.container ? now.name : undefined;
}

function viewOf(link: LinkRecord, seenOn: SeenOn): LinkView {
  // The source container joined the link's source network, when the link made one: off it, nothing reaches it.
  const appNetwork = link.resources.find((r) => r.kind === "connection" && r.role === "connection")?.network;
  const app = seenOn(link.sourceCluster, link.container, appNetwork);
  const renamedTo = app.state === "missing" ? renamedSource(link, seenOn) : undefined;
  const dockerLinked = sourceDockerLinked(link);
  const containers = [
    {
      cluster: link.sourceCluster,
      role: "container",
      name: link.container,
      ref: link.container,
      network: appNetwork,
    },
    ...link.resources
      .filter((r) => r.kind === "container" || r.role === "consumer")
      .map((r) => ({
        cluster: r.cluster,
        role: r.role as string,
        name: r.name,
        ref: r.id,
        network: r.network,
      })),
  ].map(({ ref, network, ...c }) => {
    const seen = seenOn(c.cluster, ref, network);
    // Docker-linked to the container as it was: one under its name now is another, which the link does not reach.
    const replaced =
      c.role === "source" &&
      seen.state === "running" &&
      dockerLinked &&
      servesReplacedContainer(seen.labels, app.id);
    // A consumer's URLs and the source ambassador's published ports: what each target is reached at.
    const shown = c.role === "web" || c.role === "consumer" || c.role === "source" ? seen.mappings : [];
    // Made before such an ambassador admitted only its network's containers (its label says so).
    const openToHost =
      c.role === "target" &&
      seen.state === "running" &&
      admitsOnlyItsNetwork(link) &&
      !admitsOnlyContainersOnItsNetwork(seen.labels);
    return {
      ...c,
      ...(c.role === "container" && renamedTo ? { renamedTo } : {}),
      state: replaced ? ("disconnected" as const) : seen.state,
      ...(shown.length ? { mappings: shown } : {}),
      ...(openToHost ? { openToHost: true as const } : {}),
    };
  });
  const bad = containers.some(
    (c) =>
      c.state === "missing" || c.state === "stopped" || c.state === "paused" || c.state === "disconnected",
  );
  const silent = containers.some((c) => c.state === "unreachable");
  const status = partlyTornDown(link)
    ? "partial"
    : bad || link.status === "broken"
      ? "broken"
      : silent
        ? "unknown"
        : "active";
  const unrecorded = unrecordedOf(link, seenOn);
  return { link, status, containers, health: link.health, ...(unrecorded.length ? { unrecorded } : {}) };
}

/** The containers on the link's clusters that carry its label but are not in its record (an interrupted repair's). */
function unrecordedOf(link: LinkRecord, seenOn: SeenOn): NonNullable<LinkView["unrecorded"]> {
  return linkClusters(link).flatMap((cluster) => {
    // The recorded containers as the listing finds them (by ID, ID prefix or name): their full IDs.
    const recorded = new Set(
      link.resources.filter((r) => r.cluster === cluster).map((r) => seenOn(cluster, r.id).id),
    );
    return (seenOn.labelled(cluster, link) ?? [])
      .filter((c) => !recorded.has(c.Id))
      .map((c) => ({
        cluster,
        role: c.Labels?.[labelKeys.role] ?? "container",
        name: listedName(c),
        state: runningStates.has(c.State) ? ("running" as const) : ("stopped" as const),
      }));
  });
}

/**
 * The links with the live state of their containers: one listing per cluster, clusters at once; first with the
 * clusters that answered within the answer time, then (`later`) with all of them.
 */
export async function readList(
  clusters: ClusterDirectory,
  options: StagedReadOptions,
  links: readonly LinkRecord[],
  /** Whether a change of the link runs now: what it makes is not yet in its record, and is not named as outside it. */
  busy: (link: LinkRecord) => boolean = () => false,
): Promise<Staged<LinkList>> {
  const registered = new Set(clusters.list().map((summary) => summary.name));
  const all = [...new Set(links.flatMap(linkClusters))];
  const names = all.filter((cluster) => registered.has(cluster));
  const gone = all
    .filter((cluster) => !registered.has(cluster))
    .map(
      (cluster): SilentCluster => ({
        cluster,
        since: options.clock().toISOString(),
        waiting: false,
        unregistered: true,
      }),
    );
  const staged = await askClusters(names, options, "list containers", async (cluster, timeoutMs) => {
    const host = clusters.host(cluster);
    return containerStates(cluster, host.advertise, await host.listContainers([], { timeoutMs }));
  });
  const unreachable: Seen = { state: "unreachable", mappings: [] };
  const result = async (replies: ClusterReply<Listing>[], silent: SilentCluster[]): Promise<LinkList> => {
    const listings = new Map(replies.flatMap((reply) => (reply.ok ? [[reply.cluster, reply.value]] : [])));
    const seenOn: SeenOn = Object.assign(
      (cluster: string, ref: string, network?: string) =>
        listings.get(cluster)?.seen(ref, network) ?? unreachable,
      {
        labelled: (cluster: string, link: LinkRecord) =>
          busy(link) ? undefined : listings.get(cluster)?.labelled(link.id),
      },
    );
    const views = await viewsOf(links, seenOn);
    // A cluster that failed while asked is named like one known to be down: its links show as unreachable.
    const failed = replies.flatMap((reply) =>
      reply.ok
        ? []
        : [
            {
              cluster: reply.cluster,
              since: sinceDown(reply.cluster),
              waiting: false,
            } satisfies SilentCluster,
          ],
    );
    return { views, silent: [...silent, ...failed, ...gone] };
  };
  const sinceDown = (cluster: string) => (options.health.downSince(cluster) ?? options.clock()).toISOString();
  return {
    now: await result(staged.replies, staged.silent),
    later: staged.rest?.then((rest) => result(rest.replies, rest.silent)),
  };
}
