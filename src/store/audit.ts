import { userInfo } from "node:os";
import type { Actor } from "../domain/actor.js";
import type { AuditEntry, AuditLog } from "../domain/audit.js";
import type { Logger } from "../logger.js";

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

/** Logs the entry and queues it for the audit log, without waiting for the disk: answers come first. */
export function recordAudit(audit: AuditLog, logger: Logger, entry: Omit<AuditEntry, "at">): void {
  logger.info(
    {
      action: entry.action,
      outcome: entry.outcome,
      actor: entry.actor,
      channel: entry.channel,
      target: entry.target,
    },
    `${entry.action}: ${entry.outcome}`,
  );
  audit.record(entry).catch((error: unknown) => {
    logger.error({ err: error, entry }, "could not write the audit log");
  });
}
