import type { ClusterProbe, ClusterSummary } from "../domain/cluster.js";
import type { DockerHost } from "./docker-host.js";

/** The registered clusters, each reached through one DockerHost. */
export interface ClusterDirectory {
  list(): ClusterSummary[];
  /** The cluster's Docker host; throws UserError("unknown-cluster") naming no cluster (who asks is not known). */
  host(name: string): DockerHost;
  /** Pings each named cluster (all when none named) at once, each within the deadline. */
  probe(names?: string[], timeoutMs?: number): Promise<ClusterProbe[]>;
}

/** Pings the clusters through their hosts, all at once; a cluster that does not answer is `ok: false` with why. */
export function probeClusters(
  directory: Pick<ClusterDirectory, "list" | "host">,
  names: string[] | undefined,
  timeoutMs: number,
): Promise<ClusterProbe[]> {
  const targets = names ?? directory.list().map((summary) => summary.name);
  return Promise.all(
    targets.map(async (name): Promise<ClusterProbe> => {
      try {
        const ping = await directory.host(name).ping({ timeoutMs });
        return { name, ok: true, version: ping.version, rttMs: ping.rttMs };
      } catch (error) {
        return { name, ok: false, error: (error as Error).message };
      }
    }),
  );
}
