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

/** The longest action, target and detail an entry keeps: whoever may type a command cannot fill the log with one. */
export const auditFieldLimits = { action: 100, target: 300, detail: 1_000 } as const;

function clip(text: string | undefined, limit: number): string | undefined {
  return text !== undefined && text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** A complete audit entry, stamped now, its free-text fields cut to their limits. */
export function auditEntry(entry: Omit<AuditEntry, "at">, at = new Date()): AuditEntry {
  const clipped = {
    ...entry,
    action: clip(entry.action, auditFieldLimits.action) as string,
    target: clip(entry.target, auditFieldLimits.target),
    detail: clip(entry.detail, auditFieldLimits.detail),
  };
  if (clipped.target === undefined) delete clipped.target;
  if (clipped.detail === undefined) delete clipped.detail;
  return { at: at.toISOString(), ...clipped };
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
