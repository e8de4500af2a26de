/** Keeps count of work started after an ack, so shutdown can wait for it. */
export interface WorkTracker {
  run(work: () => Promise<void>): void;
  /** Resolves when no work is running. */
  idle(): Promise<void>;
  readonly running: number;
}

export function createWorkTracker(onError: (error: unknown) => void): WorkTracker {
  const pending = new Set<Promise<void>>();
  return {
    run(work) {
      const task = (async () => {
        try {
          await work();
        } catch (error) {
          onError(error);
        }
      })();
      pending.add(task);
      void task.finally(() => pending.delete(task));
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    get running() {
      return pending.size;
    },
  };
}
