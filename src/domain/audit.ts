import { z } from "zod";
import { Actor } from "./actor.js";

/** One line of the audit log: who did what, to what, from where, and how it ended. */
export const AuditEntry = z.object({
  at: z.string(),
  actor: Actor,
  action: z.string(),
  target: z.string().optional(),
  channel: z.string().optional(),
  /** `started` is written before a change touches a host: a process killed midway leaves that line, never none. */
  outcome: z.enum(["started", "ok", "refused", "error"]),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** The append-only audit log. */
export interface AuditLog {
  /**
   * Queues an entry, stamped now, to be written after the answer in hand is sent; resolves once it is written
   * or, when it could not be, reported in the log. Never rejects.
   */
  record(entry: Omit<AuditEntry, "at">): Promise<void>;
  /** Every entry kept, oldest first, once those recorded so far are written. */
  entries(): Promise<AuditEntry[]>;
  /** The latest entries, oldest first: at least those of the last run (the current file's last megabyte). */
  recent(): Promise<AuditEntry[]>;
}

/**
 * The entries `started` with no end after them (`ok`, `error` or `refused` of the same actor, action, target and
 * channel): changes a process stopped before they finished, oldest first.
 */
export function unfinished(entries: readonly AuditEntry[]): AuditEntry[] {
  const open = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const key = JSON.stringify([entry.actor, entry.action, entry.target, entry.channel]);
    const started = open.get(key) ?? [];
    if (entry.outcome === "started") open.set(key, [...started, entry]);
    else if (started.length) open.set(key, started.slice(1));
  }
  return [...open.values()].flat().sort((a, b) => a.at.localeCompare(b.at));
}
