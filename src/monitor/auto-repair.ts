import type { Actor } from "../domain/actor.js";
import type { AuditLog } from "../domain/audit.js";
import type { LinkRepository } from "../domain/link.js";
import { recreatedParts } from "../engine/link-repair.js";
import type { Engine } from "../engine/types.js";
import { describeError } from "../errors.js";
import type { Logger } from "../logger.js";
import { recordAudit } from "../store/audit.js";

/** Who an automatic repair is recorded as, in labels and the audit log. */
export const monitorActor: Actor = { kind: "local", user: "ambassador-monitor" };

/**
 * Repairs a broken link as the monitor, and records it in the audit log as a typed `repair` is: what it
 * recreated, or why it failed (the failure is then thrown on, for the monitor to log).
 */
export function createAutoRepair(deps: {
  engine: Engine;
  links: LinkRepository;
  audit: AuditLog;
  logger: Logger;
}): (linkId: string) => Promise<void> {
  const { engine, links, audit, logger } = deps;
  return async (linkId) => {
    const channel = links.get(linkId)?.channel;
    const entry = { actor: monitorActor, action: "repair", target: linkId, channel };
    recordAudit(audit, logger, { ...entry, outcome: "started" });
    try {
      const result = await engine.repair(linkId, { actor: monitorActor, channel });
      recordAudit(audit, logger, { ...entry, outcome: "ok", detail: recreatedParts(result) });
      logger.info({ linkId, recreated: result.recreated }, `automatic repair: ${result.status}`);
    } catch (error) {
      recordAudit(audit, logger, { ...entry, outcome: "error", detail: describeError(error) });
      throw error;
    }
  };
}
