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
}
