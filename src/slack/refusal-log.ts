import type { Logger } from "../logger.js";

/**
 * Logs a kind of refusal at most once every `everyMs`, with how many there were since its last line: a flood of
 * bad requests or connections must not become a flood of log lines (a host's disk fills with them otherwise). The
 * refusals held back are counted in a line of their own once the interval is over, even when no more come.
 */
export function refusalLog(log: Logger, everyMs = 60_000): (message: string, fields?: object) => void {
  const kinds = new Map<string, { loggedAt: number; held: number; flush?: NodeJS.Timeout }>();
  return (message, fields = {}) => {
    const kind = kinds.get(message) ?? { loggedAt: Number.NEGATIVE_INFINITY, held: 0 };
    kinds.set(message, kind);
    const now = performance.now();
    if (now - kind.loggedAt >= everyMs) {
      log.warn({ ...fields, count: 1 }, message);
      kind.loggedAt = now;
      return;
    }
    kind.held += 1;
    kind.flush ??= setTimeout(
      () => {
        log.warn({ count: kind.held }, `${message}: ${kind.held} more since the last line`);
        kind.loggedAt = performance.now();
        kind.held = 0;
        kind.flush = undefined;
      },
      kind.loggedAt + everyMs - now,
    ).unref();
  };
}
