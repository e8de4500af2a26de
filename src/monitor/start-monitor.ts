import type { webApi } from "@slack/bolt";
import type { Services } from "../app-context.js";
import type { Engine } from "../engine/types.js";
import type { Logger } from "../logger.js";
import type { Actor } from "../store/schema.js";
import { createDockerLinkProbe } from "./docker-link-probe.js";
import { createLinkMonitor, type LinkMonitor } from "./link-monitor.js";
import { createSlackAlerts } from "./slack-alerts.js";

/** Who an automatic repair is recorded as, in labels and the audit log. */
export const monitorActor: Actor = { kind: "local", user: "ambassador-monitor" };

/**
 * Starts the link monitor over the stored links: checks every AMBASSADOR_CHECK_INTERVAL seconds, alerts through
 * the bot's WebClient, and repairs a broken link when AMBASSADOR_AUTO_REPAIR is on. None without a store.
 */
export function startLinkMonitor(services: Services, client: webApi.WebClient): LinkMonitor | undefined {
  const { links, engine, config } = services;
  if (!links) return undefined;
  const logger = services.logger.child({ component: "monitor" });
  const monitor = createLinkMonitor({
    links,
    probe: createDockerLinkProbe(services.clusters),
    alerts: createSlackAlerts(client),
    logger,
    intervalMs: config.checkIntervalSeconds * 1000,
    repair: config.autoRepair
      ? async (linkId) => {
          const result = await engine.repair(linkId, {
            actor: monitorActor,
            channel: links.get(linkId)?.channel,
          });
          logger.info({ linkId, recreated: result.recreated }, `automatic repair: ${result.status}`);
        }
      : undefined,
  });
  monitor.start();
  logger.info(
    {
      intervalSeconds: config.checkIntervalSeconds,
      autoRepair: config.autoRepair,
      links: links.all().length,
    },
    "link monitor started",
  );
  return monitor;
}

/** Compares the store with the hosts' labels (nothing is changed) and logs what it found; never throws. */
export async function logReconcileSummary(engine: Engine, logger: Logger): Promise<void> {
  try {
    const result = await engine.reconcile({ fix: false });
    const unreachable = result.unreachable ?? [];
    logger[result.orphans.length || result.broken.length || unreachable.length ? "warn" : "info"](
      {
        orphans: result.orphans.map((o) => `${o.kind} ${o.name} on ${o.cluster} (link ${o.linkId || "?"})`),
        broken: result.broken.map((b) => `${b.linkId}: ${b.missing.join(", ")}`),
        unreachable: unreachable.map((u) => `${u.cluster}: ${u.error}`),
      },
      `reconcile on start: ${result.orphans.length} orphan(s) found, ${result.broken.length} link(s) broken, ${unreachable.length} cluster(s) unreachable`,
    );
  } catch (error) {
    logger.error({ err: error }, "reconcile on start failed");
  }
}
