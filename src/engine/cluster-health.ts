/** What reads know of each cluster's health: which stopped answering, and since when. */
export interface ClusterHealth {
  /** When the cluster stopped answering, while it is known to be down. */
  downSince(cluster: string): Date | undefined;
  /** The cluster did not answer: it is skipped by reads and asked again in the background until it answers. */
  failed(cluster: string): void;
  /** The cluster answered: reads ask it again. */
  answered(cluster: string): void;
  /** Stops the background checks. */
  stop(): void;
}

export interface ClusterHealthOptions {
  /** Asks the cluster whether it answers (a ping within its own deadline); rejects when it does not. */
  ping(cluster: string): Promise<unknown>;
  /** Time between two background checks of a cluster that is down. */
  recheckMs: number;
  clock?: () => Date;
}

/**
 * Keeps the clusters that stopped answering off the user's path: a cluster that failed is skipped by reads and
 * pinged every `recheckMs` in the background, one ping at a time, until it answers.
 */
export function createClusterHealth(options: ClusterHealthOptions): ClusterHealth {
  const clock = options.clock ?? (() => new Date());
  const down = new Map<string, { since: Date; timer: NodeJS.Timeout; asking: boolean }>();
  const answered = (cluster: string) => {
    const entry = down.get(cluster);
    if (!entry) return;
    clearInterval(entry.timer);
    down.delete(cluster);
  };
  return {
    downSince: (cluster) => down.get(cluster)?.since,
    failed(cluster) {
      if (down.has(cluster)) return;
      const entry = { since: clock(), asking: false, timer: setInterval(() => recheck(), options.recheckMs) };
      // Background checks must never keep a finished process alive.
      entry.timer.unref();
      const recheck = () => {
        if (entry.asking) return;
        entry.asking = true;
        Promise.resolve()
          .then(() => options.ping(cluster))
          .then(
            () => {
              entry.asking = false;
              if (down.get(cluster) === entry) answered(cluster);
            },
            () => {
              entry.asking = false;
            },
          );
      };
      down.set(cluster, entry);
    },
    answered,
    stop() {
      for (const entry of down.values()) clearInterval(entry.timer);
      down.clear();
    },
  };
}
