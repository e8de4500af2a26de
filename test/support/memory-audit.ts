import type { AuditLog } from "../../src/store/audit.js";
import type { AuditEntry } from "../../src/store/schema.js";

/** An audit log held in memory. */
export class MemoryAudit implements AuditLog {
  private readonly log: AuditEntry[] = [];

  async record(entry: Omit<AuditEntry, "at">): Promise<void> {
    this.log.push({ ...entry, at: new Date().toISOString() });
  }

  entries(): AuditEntry[] {
    return [...this.log];
  }
}
