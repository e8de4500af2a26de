import type { Agent } from "node:http";

/** How long after a stream let go of its connection the pool is made whole again: once the burst it served is over. */
const settleMs = 1_000;
/** At most this many idle connections are kept open to one host. */
const mostIdle = 8;

/**
 * Keeps a host's pool of kept-alive connections as large as the bursts it serves. A stream (a followed log, a
 * container's input) takes its connection out of the pool for good, and the next burst (a link's checks, five calls
 * at once) would then wait for a TLS handshake on each new one it needs. Once the streams of a burst have let go,
 * as many connections are opened again beside the idle ones, off every caller's way; a host that does not answer
 * is left to the next call.
 */
export class ConnectionRefill {
  #taken = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    /** The pool, once the client exists; one that keeps no connection alive (an SSH host's) is not refilled. */
    private readonly pool: () => Agent | undefined,
    /** One cheap call on a connection of the pool. */
    private readonly call: () => Promise<unknown>,
  ) {}

  /** A stream took one connection out of the pool. */
  taken(): void {
    this.#taken += 1;
    this.#timer ??= setTimeout(() => this.#refill(), settleMs);
    this.#timer.unref();
  }

  #refill(): void {
    this.#timer = undefined;
    const taken = this.#taken;
    this.#taken = 0;
    const pool = this.pool() as (Agent & { keepAlive?: boolean }) | undefined;
    const free = pool?.keepAlive ? pool.freeSockets : undefined;
    if (!free) return;
    const idle = Object.values(free).reduce((sum, sockets) => sum + (sockets?.length ?? 0), 0);
    // Calls made at once take the idle connections first, then open new ones: `idle + taken` of them leave `taken`
    // more connections idle once they are answered.
    const calls = Math.min(idle + taken, mostIdle);
    if (calls <= idle) return;
    for (let i = 0; i < calls; i++) this.call().catch(() => undefined);
  }
}
