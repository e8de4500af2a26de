import type { ClusterDirectory } from "../docker/clusters.js";
import { labelKeys, servesReplacedContainer } from "../engine/labels.js";
import { leftBehind, namespaceOwner, stoppedBeforeOwner } from "../engine/namespace-owner.js";
import { checkPath } from "../engine/path-probe.js";
import type { ContainerState, LinkProbe } from "./link-monitor.js";

/**
 * Looks at containers through the clusters' Docker APIs, and proves a link's path from inside its target
 * ambassador (`ambassador probe`: through its own forwarding, TLS included, to the source container). An image
 * without that command (the seed's) is checked the old way: the source ambassador accepts a TCP connection.
 */
export function createDockerLinkProbe(clusters: ClusterDirectory): LinkProbe {
  return {
    async container(cluster, idOrName, deadlineMs, network, serves): Promise<ContainerState> {
      const host = clusters.host(cluster);
      const until = Date.now() + deadlineMs;
      const info = await host.inspectContainer(idOrName, { timeoutMs: deadlineMs });
      if (!info) return "missing";
      if (info.State.Paused) return "paused";
      // In another container's network namespace: cut off once left in an old one.
      const owner = namespaceOwner(info.HostConfig.NetworkMode);
      if (owner !== undefined) {
        const held = await host.inspectContainer(owner, { timeoutMs: Math.max(1, until - Date.now()) });
        if (!info.State.Running) return stoppedBeforeOwner(info, held) ? "disconnected" : "stopped";
        return leftBehind(info, held) ? "disconnected" : "running";
      }
      if (!info.State.Running) return "stopped";
      // Asked only of an ambassador whose label names the container it serves; an answer that does not come in
      // time says nothing of it, and the rest is checked as ever.
      if (serves !== undefined && info.Config.Labels?.[labelKeys.containerId] !== undefined) {
        const served = await host
          .inspectContainer(serves, { timeoutMs: Math.max(1_000, until - Date.now()) })
          .catch(() => null);
        if (served !== null && servesReplacedContainer(info.Config.Labels, served?.Id)) return "disconnected";
      }
      const networks = info.NetworkSettings.Networks ?? {};
      return network === undefined || network in networks ? "running" : "disconnected";
    },
    path: (link, deadlineMs) => checkPath(clusters, link, deadlineMs),
  };
}
