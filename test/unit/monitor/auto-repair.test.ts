import type { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../../src/domain/audit.js";
import { createLogger } from "../../../src/logger.js";
import { startLinkMonitor } from "../../../src/monitor/start-monitor.js";
import { CapturedOutput, MemoryAuditLog } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context = { actor: { kind: "local" as const, user: "alice" }, channel: "C1" };
const monitor = { kind: "local", user: "ambassador-monitor" };

/** A Slack client that takes every alert and posts nothing. */
const quietClient = { chat: { postMessage: async () => ({ ok: true }) } } as unknown as webApi.WebClient;

/** The monitor over a lab with one link, automatic repair on, its audit log in memory; checked by hand. */
async function watchedLab() {
  const lab = memoryEngine();
  const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
  const audit = new MemoryAuditLog();
  const started = startLinkMonitor({
    links: lab.links,
    engine: lab.engine,
    clusters: lab.clusters,
    logger: createLogger({ level: "info", destination: new CapturedOutput() }),
    audit,
    checkIntervalSeconds: 3600,
    autoRepair: true,
    client: quietClient,
  });
  return { lab, linkId: made.link.id, audit, monitor: started };
}

/** The audit log's repair entries, once one says how it ended (the repair runs after the check that found it broken). */
async function repairEntries(audit: MemoryAuditLog): Promise<AuditEntry[]> {
  const until = Date.now() + 5_000;
  const ended = (entry: AuditEntry) => entry.action === "repair" && entry.outcome !== "started";
  while (!audit.recorded.some(ended) && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return audit.recorded.filter((entry) => entry.action === "repair");
}

describe("automatic repair is in the audit log", () => {
  it("records what it recreated, as the monitor, on the link", async () => {
    const { lab, linkId, audit, monitor: watching } = await watchedLab();
    try {
      await watching.checkAll();
      lab.b.removeExternally("app-ambassador");
      await watching.checkAll();

      const entry = {
        at: expect.any(String),
        actor: monitor,
        action: "repair",
        target: linkId,
        channel: "C1",
      };
      expect(await repairEntries(audit)).toEqual([
        { ...entry, outcome: "started" },
        { ...entry, outcome: "ok", detail: "target app-ambassador" },
      ]);
    } finally {
      await watching.stop();
    }
  });

  it("makes the source ambassador again once the container it is Docker-linked to was replaced under its name", async () => {
    const { lab, linkId, audit, monitor: watching } = await watchedLab();
    try {
      await watching.checkAll();
      lab.a.removeExternally("app");
      lab.a.run({ name: "app", Image: "hello-app" });
      await watching.checkAll();
      const ended = (await repairEntries(audit)).find((entry) => entry.outcome !== "started");
      expect(ended).toMatchObject({ actor: monitor, outcome: "ok", target: linkId });
      expect(ended?.detail).toContain("source app-ambassador");
      await watching.checkAll();
      expect(lab.links.get(linkId)?.health?.state).toBe("healthy");
    } finally {
      await watching.stop();
    }
  });

  it("records a repair that failed, with why", async () => {
    const { lab, linkId, audit, monitor: watching } = await watchedLab();
    try {
      await watching.checkAll();
      lab.b.down();
      await watching.checkAll();

      const entries = await repairEntries(audit);
      expect(entries.map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
        [monitor, "repair", linkId, "started"],
        [monitor, "repair", linkId, "error"],
      ]);
      expect(entries[1]?.detail).toContain("clusterb does not answer");
    } finally {
      await watching.stop();
    }
  });
});
