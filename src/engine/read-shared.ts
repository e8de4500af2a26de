/**
 * Reads in flight by what they ask of which cluster: commands that ask the same of a cluster at the same time
 * (a team sending `list` at once) share one request and its answer instead of each asking the host again.
 */
export interface SharedReads {
  /** The read in flight under `key`, else `read()`, kept under `key` until it settles. */
  run<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** Reads asked from now on start afresh: what is in flight may predate a change just made. */
  renew(): void;
}

export function createSharedReads(): SharedReads {
  const inFlight = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, read: () => Promise<T>): Promise<T> {
      const current = inFlight.get(key);
      if (current) return current as Promise<T>;
      const started: Promise<T> = Promise.resolve()
        .then(read)
        .finally(() => {
          if (inFlight.get(key) === started) inFlight.delete(key);
        });
      inFlight.set(key, started);
      return started;
    },
    renew() {
      inFlight.clear();
    },
  };
}
