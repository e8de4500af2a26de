import type { BenchStore } from "./bench-store.js";
import { syntheticLink } from "./bench-store.js";

/**
 * Milliseconds of each of `count` saves of a new link into the store, each removed again after its save, so
 * every save meets the same number of links.
 */
export async function timeLinkSaves(store: BenchStore, count: number): Promise<number[]> {
  const links = store.services.links.all().length;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const link = syntheticLink(links + i, store.live.a[0] ?? "", store.live.b[0] ?? "");
    const started = performance.now();
    await store.services.links.save(link);
    times.push(performance.now() - started);
    await store.services.links.remove(link.id);
  }
  return times;
}
