import { connect as tcpConnect } from "node:net";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { ContainerState, LinkProbe } from "./link-monitor.js";

/** Looks at containers through the clusters' Docker APIs and at connection information over TCP. */
export function createDockerLinkProbe(clusters: ClusterDirectory): LinkProbe {
  return {
    async container(cluster, idOrName, deadlineMs): Promise<ContainerState> {
      const info = await clusters.host(cluster).inspectContainer(idOrName, { timeoutMs: deadlineMs });
      if (!info) return "missing";
      return info.State.Running ? "running" : "stopped";
    },
    connect(address, deadlineMs) {
      const separator = address.lastIndexOf(":");
      const host = address.slice(0, separator).replace(/^\[|\]$/g, "");
      const port = Number(address.slice(separator + 1));
      return new Promise<void>((resolve, reject) => {
        const socket = tcpConnect({ host, port });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no answer within ${deadlineMs} ms`));
        }, deadlineMs);
        socket.once("connect", () => {
          clearTimeout(timer);
          socket.end();
          resolve();
        });
        socket.once("error", (error) => {
          clearTimeout(timer);
          reject(new Error((error as NodeJS.ErrnoException).code ?? error.message));
        });
      });
    },
  };
}
