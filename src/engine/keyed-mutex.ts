/** Runs tasks that share a key one at a time, in arrival order; tasks with other keys run freely. */
export interface KeyedMutex {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Whether a task with this key runs or waits now: one run now would wait for it. */
  held(key: string): boolean;
  /** How many tasks, of any key, were asked for or ended so far: unchanged, none started or ended meanwhile. */
  changes(): number;
}

export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<unknown>>();
  let changes = 0;
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      changes += 1;
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        changes += 1;
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    held: (key) => tails.has(key),
    changes: () => changes,
  };
}
