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
  /** The same on a change's `started` entry and on its end, which it pairs them by. */
  run: z.string().optional(),
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
  /** The latest entries, oldest first: the last megabyte of them, where a run cut short has its last changes. */
  recent(): Promise<AuditEntry[]>;
}

/**
 * The entries `started` with no end after them (`ok`, `error` or `refused` of the same run, or for entries without
 * one, of the same actor, action, target and channel): changes a process stopped before they finished, oldest first.
 */
export function unfinished(entries: readonly AuditEntry[]): AuditEntry[] {
  const open = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    // By the change's own run when its entries carry one; as entries written before they did, by what it was.
    const key = entry.run ?? JSON.stringify([entry.actor, entry.action, entry.target, entry.channel]);
    const started = open.get(key) ?? [];
    if (entry.outcome === "started") open.set(key, [...started, entry]);
    else if (started.length) open.set(key, started.slice(1));
  }
  return [...open.values()].flat().sort((a, b) => a.at.localeCompare(b.at));
}
