import type { DockerHost } from "../docker/docker-host.js";
import { isUnreachable } from "../docker/docker-host.js";
import type { LinkResource, ResourceRole } from "../domain/link.js";
import { describeError } from "../errors.js";
import { labelKeys, linkIdOf } from "./labels.js";

/** A resource that could not be removed, and why. */
export type LeftResource = LinkResource & { error: string };

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

/** Removes one thing a link made, only while it still carries that link's label; false when it was gone. */
export async function removeResource(
  on: DockerHost,
  resource: LinkResource,
  linkId: string,
): Promise<boolean> {
  switch (resource.kind) {
    case "container": {
      const info = await on.inspectContainer(resource.id);
      if (!info || linkIdOf(info.Config.Labels) !== linkId) return false;
      return on.removeContainer(resource.id, resource.name);
    }
    case "connection":
      return resource.network ? on.disconnectNetwork(resource.network, resource.id) : false;
    case "network": {
      const info = await on.inspectNetwork(resource.id);
      if (!info || linkIdOf(info.Labels) !== linkId) return false;
      for (const endpoint of Object.keys(info.Containers ?? {})) {
        await on.disconnectNetwork(resource.id, endpoint);
      }
      return on.removeNetwork(resource.id, resource.name);
    }
  }
}

/**
 * Removes resources newest first, each host's at once; returns what could not be removed, with why. After a
 * host stops answering, the rest of its resources are left without another call.
 */
export async function removeResources(
  hostOf: (cluster: string) => DockerHost,
  resources: readonly LinkResource[],
  linkId: string,
): Promise<LeftResource[]> {
  const clusters = [...new Set(resources.map((r) => r.cluster))];
  const perCluster = await Promise.all(
    clusters.map(async (cluster) => {
      const left: LeftResource[] = [];
      let down: string | undefined;
      for (const resource of resources.filter((r) => r.cluster === cluster).reverse()) {
        if (down) {
          left.push({ ...resource, error: down });
          continue;
        }
        try {
          await removeResource(hostOf(cluster), resource, linkId);
        } catch (error) {
          const message = describeError(error);
          if (isUnreachable(error)) down = message;
          left.push({ ...resource, error: message });
        }
      }
      return left;
    }),
  );
  return perCluster.flat();
}

/** Objects on a host carrying the link's label that `known` does not name (a lost store write, say). */
export async function labelledResources(
  on: DockerHost,
  linkId: string,
  known: readonly LinkResource[],
): Promise<LinkResource[]> {
  const selector = [`${labelKeys.link}=${linkId}`];
  const [containers, networks] = await Promise.all([on.listContainers(selector), on.listNetworks(selector)]);
  const ids = new Set(known.map((r) => r.id));
  return [
    ...containers
      .filter((c) => !ids.has(c.Id))
      .map((c) => ({
        cluster: on.name,
        kind: "container" as const,
        role: (c.Labels[labelKeys.role] ?? "source") as ResourceRole,
        id: c.Id,
        name: c.Names[0]?.replace(/^\//, "") ?? c.Id,
      })),
    ...networks
      .filter((n) => !ids.has(n.Id))
      .map((n) => ({
        cluster: on.name,
        kind: "network" as const,
        role: (n.Labels?.[labelKeys.role] ?? "source-network") as ResourceRole,
        id: n.Id,
        name: n.Name,
      })),
  ];
}
