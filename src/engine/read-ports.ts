import type { ClusterDirectory } from "../docker/clusters.js";
import { DockerCallError } from "../docker/docker-host.js";
import { describeError, describeErrorWithoutAddress } from "../errors.js";
import { mappingsOf, portsOf } from "./mappings.js";
import { askClusters, type ClusterReply, type StagedReadOptions } from "./read-staged.js";
import type { ClusterFailure, PortsResult, SilentCluster, Staged } from "./types.js";

type Found = PortsResult["found"][number];

/** Why a cluster gave no answer: the Docker call's reason, with and without the address it names. */
function failureOf(cluster: string, error: unknown): ClusterFailure {
  return error instanceof DockerCallError
    ? { cluster, error: error.reason, errorWithoutAddress: error.reasonWithoutAddress }
    : { cluster, error: describeError(error), errorWithoutAddress: describeErrorWithoutAddress(error) };
}

/**
 * `docker port` for a container on one cluster, some, or every cluster at once, naming those that did not
 * answer: first with the clusters that answered within the answer time, then (`later`) with all of them.
 */
export async function readPorts(
  clusters: ClusterDirectory,
  options: StagedReadOptions,
  container: string,
  cluster?: string | readonly string[],
): Promise<Staged<PortsResult>> {
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
  const staged = await askClusters(
    names,
    options,
    `inspect container ${container}`,
    async (name, timeoutMs): Promise<Found | undefined> => {
      const on = clusters.host(name);
      const until = Date.now() + timeoutMs;
      const info = await on.inspectContainer(container, { timeoutMs });
      if (!info) return undefined;
      const shown = info.Name.replace(/^\//, "");
      const mappings = mappingsOf(
        name,
        shown,
        on.advertise,
        await portsOf(on, info, { timeoutMs: Math.max(1, until - Date.now()) }),
      );
      return { cluster: name, container: shown, id: info.Id, mappings };
    },
  );
  const result = (replies: ClusterReply<Found | undefined>[], silent: SilentCluster[]): PortsResult => ({
    container,
    searched: names,
    found: replies.flatMap((reply) => (reply.ok && reply.value ? [reply.value] : [])),
    unreachable: replies.flatMap((reply) => (reply.ok ? [] : [failureOf(reply.cluster, reply.error)])),
    ...(silent.length ? { silent } : {}),
  });
  return {
    now: result(staged.replies, staged.silent),
    later: staged.rest?.then((rest) => result(rest.replies, rest.silent)),
  };
}
