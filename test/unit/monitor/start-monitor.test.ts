import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { logReconcileSummary } from "../../../src/monitor/start-monitor.js";
import { CapturedOutput } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context = { actor: { kind: "local" as const, user: "alice" }, channel: "C1" };
const linkLabel = "io.ambassador.link";

/** Our containers on both hosts, by name and state. */
async function ours(lab: ReturnType<typeof memoryEngine>): Promise<string[]> {
  const containers = [
    ...(await lab.a.listContainers([linkLabel])),
    ...(await lab.b.listContainers([linkLabel])),
  ];
  return containers.map((c) => `${c.Names.join(",")} ${c.State}`);
}

function capture() {
  const output = new CapturedOutput();
  return { output, logger: createLogger({ level: "info", destination: output }) };
}

describe("reconcile on start", () => {
  it("logs how many orphans and broken links it found, naming them, and changes nothing", async () => {
    const lab = memoryEngine();
    lab.a.run({ name: "db", Image: "hello-app" });
    const app = await lab.engine.link("app", "clustera", "clusterb", {}, context);
    const db = await lab.engine.link("db", "clustera", "clusterb", { ports: [5432] }, context);
    lab.b.removeExternally("app-ambassador");
    await lab.links.remove(db.link.id);
    const before = await ours(lab);

    const { output, logger } = capture();
    await logReconcileSummary(lab.engine, logger);

    const line = JSON.parse(output.text.trim());
    expect(line.msg).toBe(
      "reconcile on start: 4 orphan(s) found, 1 link(s) broken, 0 cluster(s) unreachable; `ambassador reconcile --fix` removes the orphans",
    );
    expect(line.orphans).toEqual([
      `container db-ambassador on clustera (link ${db.link.id})`,
      `network ambassador-${db.link.id}-source on clustera (link ${db.link.id})`,
      `container db-ambassador on clusterb (link ${db.link.id})`,
      `network ambassador-${db.link.id}-target on clusterb (link ${db.link.id})`,
    ]);
    expect(line.broken).toEqual([`${app.link.id}: container app-ambassador on clusterb`]);
    expect(await ours(lab)).toEqual(before);
    expect(lab.links.all().map((link) => link.id)).toEqual([app.link.id]);
  });

  it("logs a failed reconcile instead of throwing", async () => {
    const lab = memoryEngine();
    lab.links.all = () => {
      throw new Error("store is locked");
    };
    const { output, logger } = capture();
    await expect(logReconcileSummary(lab.engine, logger)).resolves.toBeUndefined();
    expect(output.text).toContain("reconcile on start failed");
    expect(output.text).toContain("store is locked");
  });
});
