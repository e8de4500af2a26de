/**
 * One deadline for a whole read across clusters, from its start: a cluster that waited for a free slot behind
 * dead ones gets what is left (at least 0.25 s), so the read ends near the per-host deadline however many
 * clusters there are.
 */
export function readDeadline(totalMs: number): () => number {
  const end = performance.now() + totalMs;
  return () => Math.max(250, Math.ceil((end - performance.now()) / 100) * 100);
}

/** What a read across clusters needs: how many at once, and the deadline of the whole read. */
export interface ReadOptions {
  concurrency: number;
  deadlineMs: number;
}
