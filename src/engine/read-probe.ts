import type { ClusterDirectory } from "../docker/clusters.js";
import type { ClusterProbe } from "../domain/cluster.js";
import { describeError, describeErrorWithoutAddress } from "../errors.js";
import { askClusters, type ClusterReply, type StagedReadOptions } from "./read-staged.js";
import type { ProbeList, Staged } from "./types.js";

type Ping = Awaited<ReturnType<ReturnType<ClusterDirectory["host"]>["ping"]>>;

function probeOf(reply: ClusterReply<Ping>): ClusterProbe {
  return reply.ok
    ? { name: reply.cluster, ok: true, version: reply.value.version, rttMs: reply.value.rttMs }
    : {
        name: reply.cluster,
        ok: false,
        error: describeError(reply.error),
        errorWithoutAddress: describeErrorWithoutAddress(reply.error),
      };
}

/** Pings the clusters, those known to be down left out (and named), answering in two stages like the reads. */
export async function probeClusters(
  clusters: ClusterDirectory,
  options: StagedReadOptions,
  names: readonly string[],
): Promise<Staged<ProbeList>> {
  const staged = await askClusters(names, options, "ping", (cluster, timeoutMs) =>
    clusters.host(cluster).ping({ timeoutMs }),
  );
  return {
    now: { probes: staged.replies.map(probeOf), silent: staged.silent },
    later: staged.rest?.then((rest) => ({ probes: rest.replies.map(probeOf), silent: rest.silent })),
  };
}
