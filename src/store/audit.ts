import type { AuditEntry } from "./schema.js";

/** The append-only audit log. */
export interface AuditLog {
  record(entry: Omit<AuditEntry, "at">): Promise<void>;
  entries(): AuditEntry[];
}
