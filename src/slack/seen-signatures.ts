import { maxClockSkewSeconds } from "./signature.js";

/**
 * The signatures of the requests taken, each kept while its timestamp would still be accepted: a signed request
 * sent again (one captured on its way, say) within that window is refused, so it cannot run its command twice.
 */
export class SeenSignatures {
  readonly #until = new Map<string, number>();

  /** At most this many are kept; past it, the oldest go first (only requests Slack signed are ever added). */
  constructor(private readonly limit = 50_000) {}

  /** True when `signature` was taken before; else it is remembered until `timestamp` is too old to be accepted. */
  seenBefore(signature: string, timestamp: string, nowMs = Date.now()): boolean {
    for (const [seen, until] of this.#until) {
      if (until > nowMs && this.#until.size < this.limit) break;
      this.#until.delete(seen);
    }
    if (this.#until.has(signature)) return true;
    this.#until.set(signature, (Number(timestamp) + maxClockSkewSeconds) * 1000);
    return false;
  }
}
