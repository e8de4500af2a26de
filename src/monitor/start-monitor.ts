import type { webApi } from "@slack/bolt";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { AuditLog } from "../domain/audit.js";
import type { LinkRepository } from "../domain/link.js";
import type { Engine } from "../engine/types.js";
import type { Logger } from "../logger.js";
import { createAutoRepair } from "./auto-repair.js";
import { createDockerLinkProbe } from "./docker-link-probe.js";
import { createLinkMonitor, type LinkMonitor } from "./link-monitor.js";
import { createSlackAlerts } from "./slack-alerts.js";

/** What the link monitor watches, how often, and where it alerts. */
export interface LinkMonitorSetup {
  links: LinkRepository;
  engine: Engine;
  clusters: ClusterDirectory;
  logger: Logger;
  /** Where each automatic repair is recorded. */
  audit: AuditLog;
  /** AMBASSADOR_CHECK_INTERVAL. */
  checkIntervalSeconds: number;
  /** AMBASSADOR_AUTO_REPAIR: repair a broken link without being asked. */
  autoRepair: boolean;
  /** The bot's Web API client, which posts the alerts. */
  client: webApi.WebClient;
  /** Called when a link's health changes. */
  onChange?: (linkId: string) => void;
}

/** Starts the link monitor over the stored links, and repairs broken links when auto-repair is on. */
export function startLinkMonitor(setup: LinkMonitorSetup): LinkMonitor {
  const { links, engine, checkIntervalSeconds, autoRepair } = setup;
  const logger = setup.logger.child({ component: "monitor" });
  const repair = createAutoRepair({ engine, links, audit: setup.audit, logger });
  const monitor = createLinkMonitor({
    links,
    probe: createDockerLinkProbe(setup.clusters),
    alerts: createSlackAlerts(setup.client),
    clusters: setup.clusters,
    logger,
    intervalMs: checkIntervalSeconds * 1000,
    onChange: setup.onChange,
    repair: autoRepair ? repair : undefined,
    rejoin: repair,
  });
  monitor.start();
  logger.info(
    { intervalSeconds: checkIntervalSeconds, autoRepair, links: links.all().length },
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
      `reconcile on start: ${result.orphans.length} orphan(s) found, ${result.broken.length} link(s) broken, ${unreachable.length} cluster(s) unreachable${result.orphans.length ? "; `ambassador reconcile --fix` removes the orphans" : ""}`,
    );
  } catch (error) {
    logger.error({ err: error }, "reconcile on start failed");
  }
}
