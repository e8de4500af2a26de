import type { Logger } from "../logger.js";

/**
 * Logs a kind of refusal at most once every `everyMs`, with how many there were since its last line: a flood of
 * bad requests or connections must not become a flood of log lines (a host's disk fills with them otherwise).
 */
export function refusalLog(log: Logger, everyMs = 60_000): (message: string, fields?: object) => void {
  const kinds = new Map<string, { loggedAt: number; count: number }>();
  return (message, fields = {}) => {
    const kind = kinds.get(message) ?? { loggedAt: Number.NEGATIVE_INFINITY, count: 0 };
    kinds.set(message, kind);
    kind.count += 1;
    const now = performance.now();
    if (now - kind.loggedAt < everyMs) return;
    log.warn({ ...fields, count: kind.count }, message);
    kind.loggedAt = now;
    kind.count = 0;
  };
}
