import type { ClusterDirectory } from "../docker/clusters.js";
import { checkPath } from "../engine/path-probe.js";
import type { ContainerState, LinkProbe } from "./link-monitor.js";

/**
 * Looks at containers through the clusters' Docker APIs, and proves a link's path from inside its target
 * ambassador (`ambassador probe`: through its own forwarding, TLS included, to the source container). An image
 * without that command (the seed's) is checked the old way: the source ambassador accepts a TCP connection.
 */
export function createDockerLinkProbe(clusters: ClusterDirectory): LinkProbe {
  return {
    async container(cluster, idOrName, deadlineMs, network): Promise<ContainerState> {
      const info = await clusters.host(cluster).inspectContainer(idOrName, { timeoutMs: deadlineMs });
      if (!info) return "missing";
      if (!info.State.Running) return "stopped";
      const networks = info.NetworkSettings.Networks ?? {};
      return network === undefined || network in networks ? "running" : "disconnected";
    },
    path: (link, deadlineMs) => checkPath(clusters, link, deadlineMs),
  };
}
