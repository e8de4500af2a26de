import { userInfo } from "node:os";
import type { Actor } from "../domain/actor.js";
import type { AuditEntry, AuditLog } from "../domain/audit.js";
import type { Store } from "./store.js";

/** The person at this terminal: the operating system's user running the process. */
export function localActor(): Actor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? `uid ${process.getuid?.() ?? "?"}`;
  }
  return { kind: "local", user };
}

/** A complete audit entry, stamped now; push it inside the same store update as the change it records. */
export function auditEntry(entry: Omit<AuditEntry, "at">, at = new Date()): AuditEntry {
  return { at: at.toISOString(), ...entry };
}

/** The audit log kept in the store, each entry written through the store's serialised path. */
export class StoreAuditLog implements AuditLog {
  constructor(private readonly store: Store) {}

  async record(entry: Omit<AuditEntry, "at">): Promise<void> {
    await this.store.update((data) => {
      data.audit.push(auditEntry(entry));
    });
  }

  entries(): AuditEntry[] {
    return [...this.store.data.audit];
  }
}
