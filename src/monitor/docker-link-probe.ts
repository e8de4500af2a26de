import { connect as tcpConnect } from "node:net";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { ContainerState, LinkProbe } from "./link-monitor.js";

/** Looks at containers through the clusters' Docker APIs and at connection information over TCP. */
export function createDockerLinkProbe(clusters: ClusterDirectory): LinkProbe {
  return {
    async container(cluster, idOrName, deadlineMs): Promise<ContainerState> {
      const { docker } = clusters.connect(cluster);
      try {
        const info = await docker
          .getContainer(idOrName)
          .inspect({ abortSignal: AbortSignal.timeout(deadlineMs) });
        return info.State.Running ? "running" : "stopped";
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return "missing";
        if ((error as Error).name === "AbortError" || (error as Error).name === "TimeoutError") {
          throw new Error(`no answer from its Docker API within ${deadlineMs} ms`);
        }
        throw error;
      }
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
