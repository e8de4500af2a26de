import type { ServerResponse } from "node:http";

/** Holds work done after an ack until no request is waiting for its own ack, so a burst is acked first. */
export interface AckGate {
  /** Counts the response as waiting until it is sent (or its connection closes). */
  waiting(res: ServerResponse): void;
  /** Resolves once no request waits for its ack, or after `maxWaitMs` so steady traffic cannot starve the work. */
  clear(): Promise<void>;
}

export function createAckGate(
  maxWaitMs: number,
  /**
   * How long no request must have come or been acked before work starts: the rest of a burst may still be on its
   * way, its requests not yet read, and each would wait behind work started in between.
   */
  quietMs = 0,
): AckGate {
  let open = 0;
  let scheduled = false;
  let lastActivity = 0;
  const wakers: (() => void)[] = [];
  // One waiter a turn of the event loop, from a later turn: requests that arrive meanwhile are read (and acked)
  // between two starts of work.
  const schedule = () => {
    if (scheduled || open > 0 || wakers.length === 0) return;
    scheduled = true;
    const quietIn = lastActivity + quietMs - performance.now();
    const wake = () => {
      scheduled = false;
      if (open > 0) return;
      if (lastActivity + quietMs > performance.now()) return schedule();
      wakers.shift()?.();
      schedule();
    };
    if (quietIn > 0) setTimeout(wake, Math.ceil(quietIn)).unref();
    else setImmediate(wake);
  };
  return {
    waiting(res) {
      open += 1;
      lastActivity = performance.now();
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        open -= 1;
        lastActivity = performance.now();
        schedule();
      };
      res.once("finish", finish);
      res.once("close", finish);
    },
    clear() {
      return new Promise((resolve) => {
        const go = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const index = wakers.indexOf(go);
          if (index !== -1) wakers.splice(index, 1);
          resolve();
        }, maxWaitMs);
        timer.unref();
        wakers.push(go);
        schedule();
      });
    },
  };
}
