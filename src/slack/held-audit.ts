import type { AuditEntry, AuditLog } from "../domain/audit.js";

/** An audit log whose entries wait for `release`, so that a request is answered before any of them is written. */
export function holdAudit(audit: AuditLog): { audit: AuditLog; release(): void } {
  let held: (() => void)[] | undefined = [];
  return {
    audit: {
      record(entry: Omit<AuditEntry, "at">): Promise<void> {
        if (!held) return audit.record(entry);
        const waiting = held;
        return new Promise((resolve) => {
          waiting.push(() => {
            void audit.record(entry).then(resolve, resolve);
          });
        });
      },
      entries: () => audit.entries(),
      recent: () => audit.recent(),
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const write of waiting) write();
    },
  };
}
