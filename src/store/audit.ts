import { userInfo } from "node:os";
import type { Actor } from "../domain/actor.js";
import type { AuditEntry } from "../domain/audit.js";

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

/** A complete audit entry, stamped now. */
export function auditEntry(entry: Omit<AuditEntry, "at">, at = new Date()): AuditEntry {
  return { at: at.toISOString(), ...entry };
}
