import { finishedWithin } from "../deadlines.js";
import type { ClusterHealth } from "./cluster-health.js";
import { mapBounded } from "./map-bounded.js";
import { type ReadOptions, readDeadline } from "./read-deadline.js";
import type { SharedReads } from "./read-shared.js";
import type { SilentCluster } from "./types.js";

/** What a read across clusters needs to answer in stages. */
export interface StagedReadOptions extends ReadOptions {
  /** How long the first answer waits for the clusters it asked; the rest come in `rest`. */
  answerMs: number;
  health: ClusterHealth;
  /** Where concurrent reads of the same thing from the same cluster meet, to ask the host once. */
  shared: SharedReads;
  clock: () => Date;
}

/** One cluster's answer, or why it gave none. */
export type ClusterReply<T> =
  | { cluster: string; ok: true; value: T }
  | { cluster: string; ok: false; error: unknown };

/** The replies in the order the clusters were named, and the clusters without one. */
export interface Replies<T> {
  replies: ClusterReply<T>[];
  silent: SilentCluster[];
}

/**
 * Asks every cluster not known to be down, at most `concurrency` at once within one deadline, and answers once
 * all have replied or `answerMs` has passed, with what came so far. Clusters known to be down are not asked
 * (the health tracker checks them in the background); one that fails is known to be down from then on.
 * A cluster already being asked `what` by another read is not asked again: both get that one answer, which ends
 * no later than this read's own deadline (the other started first, under the same deadline).
 * `rest` (only when a cluster was still out) resolves with every reply once each came or its deadline passed.
 */
export async function askClusters<T>(
  names: readonly string[],
  options: StagedReadOptions,
  what: string,
  ask: (cluster: string, timeoutMs: number) => Promise<T>,
): Promise<Replies<T> & { rest?: Promise<Replies<T>> }> {
  const { health } = options;
  const started = options.clock().toISOString();
  const skipped: SilentCluster[] = [];
  const asked: string[] = [];
  for (const cluster of names) {
    const since = health.downSince(cluster);
    if (since) skipped.push({ cluster, since: since.toISOString(), waiting: false });
    else asked.push(cluster);
  }
  const left = readDeadline(options.deadlineMs);
  const settled = new Map<string, ClusterReply<T>>();
  const all = mapBounded(asked, options.concurrency, async (cluster) => {
    try {
      const value = await options.shared.run(`${cluster}\n${what}`, () => ask(cluster, left()));
      health.answered(cluster);
      settled.set(cluster, { cluster, ok: true, value });
    } catch (error) {
      health.failed(cluster);
      settled.set(cluster, { cluster, ok: false, error });
    }
  });
  const replies = () => asked.flatMap((cluster) => settled.get(cluster) ?? []);
  const inTime = await finishedWithin(all, options.answerMs);
  if (inTime) return { replies: replies(), silent: skipped };
  const waiting = asked
    .filter((cluster) => !settled.has(cluster))
    .map((cluster) => ({ cluster, since: started, waiting: true }));
  return {
    replies: replies(),
    silent: [...skipped, ...waiting],
    rest: all.then(() => ({ replies: replies(), silent: skipped })),
  };
}
