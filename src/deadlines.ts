/** Every deadline the bot keeps, in milliseconds: one table, set once in the configuration. */
export interface Deadlines {
  /** Each Docker call while a link is made, repaired or torn down. */
  call: number;
  /** An image pull. */
  pull: number;
  /** A read across clusters (ports, list, status, reconcile), from its start. */
  read: number;
  /**
   * How long a read across clusters waits before it answers with those that answered (the rest follow): under
   * 1 s, so the answer is rendered and sent within the second.
   */
  answer: number;
  /** Time between two background pings of a cluster that stopped answering, until it answers. */
  recheck: number;
  /** A ping of a cluster (`clusters`, `clusters add`). */
  ping: number;
  /** Each Docker call and TCP connection of a health check. */
  check: number;
  /** How long our ambassador entrypoint has to say which mode it runs before the image counts as foreign. */
  handshake: number;
  /** How long an ambassador has to start forwarding once it said its mode. */
  ready: number;
}

export const defaultDeadlines: Deadlines = {
  call: 15_000,
  pull: 120_000,
  read: 5_000,
  answer: 800,
  recheck: 5_000,
  ping: 5_000,
  check: 5_000,
  handshake: 2_000,
  ready: 8_000,
};

/** Whether `work` settled within `ms`; it is not waited for past that. */
export async function finishedWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
