import type { ClusterDirectory } from "../docker/clusters.js";
import type { ClusterProbe } from "../domain/cluster.js";

/** A cluster's last answer, with when it was asked. */
export type KnownProbe = ClusterProbe & { at: string };

/** What the bot last learnt of each cluster's reachability; asking again never makes a reader wait. */
export interface ClusterReachability {
  get(name: string): KnownProbe | undefined;
  /** Pings the clusters (one round at a time); resolves to whether any answer changed. */
  refresh(names: string[]): Promise<boolean>;
}

/** Reachability kept in memory, each ping round within `deadlineMs`. */
export function createClusterReachability(
  clusters: Pick<ClusterDirectory, "probe">,
  deadlineMs: number,
): ClusterReachability {
  const known = new Map<string, KnownProbe>();
  let running: Promise<boolean> | undefined;
  return {
    get: (name) => known.get(name),
    refresh(names) {
      running ??= (async () => {
        try {
          const probes = await clusters.probe(names, deadlineMs);
          const at = new Date().toISOString();
          let changed = false;
          for (const probe of probes) {
            if (known.get(probe.name)?.ok !== probe.ok) changed = true;
            known.set(probe.name, { ...probe, at });
          }
          return changed;
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
  };
}
