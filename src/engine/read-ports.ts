import type { ClusterDirectory } from "../docker/clusters.js";
import { DockerCallError } from "../docker/docker-host.js";
import { describeError } from "../errors.js";
import { mapBounded } from "./map-bounded.js";
import { mappingsOf } from "./mappings.js";
import { type ReadOptions, readDeadline } from "./read-deadline.js";
import type { PortsResult } from "./types.js";

/** `docker port` for a container on one cluster, some, or every cluster at once, naming those that did not answer. */
export async function readPorts(
  clusters: ClusterDirectory,
  options: ReadOptions,
  container: string,
  cluster?: string | readonly string[],
): Promise<PortsResult> {
  if (typeof cluster === "string") clusters.host(cluster);
  const names =
    typeof cluster === "string"
      ? [cluster]
      : cluster
        ? clusters
            .list()
            .map((c) => c.name)
            .filter((name) => cluster.includes(name))
        : clusters.list().map((c) => c.name);
  const left = readDeadline(options.deadlineMs);
  const result: PortsResult = { container, searched: names, unreachable: [], found: [] };
  const outcomes = await mapBounded(names, options.concurrency, async (name) => {
    try {
      const on = clusters.host(name);
      const info = await on.inspectContainer(container, { timeoutMs: left() });
      if (!info) return undefined;
      const shown = info.Name.replace(/^\//, "");
      const mappings = mappingsOf(name, shown, on.advertise, info.NetworkSettings.Ports);
      return { found: { cluster: name, container: shown, id: info.Id, mappings } };
    } catch (error) {
      const reason = error instanceof DockerCallError ? error.reason : describeError(error);
      return { unreachable: { cluster: name, error: reason } };
    }
  });
  for (const outcome of outcomes) {
    if (outcome?.found) result.found.push(outcome.found);
    if (outcome?.unreachable) result.unreachable.push(outcome.unreachable);
  }
  return result;
}
