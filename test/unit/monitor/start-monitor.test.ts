import { describe, expect, it } from "vitest";
import type { Engine } from "../../../src/engine/types.js";
import { createLogger } from "../../../src/logger.js";
import { logReconcileSummary } from "../../../src/monitor/start-monitor.js";
import { CapturedOutput, FakeEngine } from "../../support/fakes.js";

function capture() {
  const output = new CapturedOutput();
  return { output, logger: createLogger({ level: "info", destination: output }) };
}

describe("reconcile on start", () => {
  it("logs how many orphans and broken links it found, naming them, and changes nothing", async () => {
    const engine: Engine = new FakeEngine();
    engine.reconcile = async ({ fix }) => {
      expect(fix).toBe(false);
      return {
        orphans: [
          { cluster: "clusterb", kind: "container", id: "c1", name: "app-ambassador-3", linkId: "gone1" },
        ],
        broken: [{ linkId: "lnk1", missing: ["container app-ambassador on clusterb"] }],
        removed: 0,
        unreachable: [],
      };
    };
    const { output, logger } = capture();
    await logReconcileSummary(engine, logger);
    const line = JSON.parse(output.text.trim());
    expect(line.msg).toBe(
      "reconcile on start: 1 orphan(s) found, 1 link(s) broken, 0 cluster(s) unreachable; `ambassador reconcile --fix` removes the orphans",
    );
    expect(line.orphans).toEqual(["container app-ambassador-3 on clusterb (link gone1)"]);
    expect(line.broken).toEqual(["lnk1: container app-ambassador on clusterb"]);
  });

  it("logs a failed reconcile instead of throwing", async () => {
    const engine = new FakeEngine({ crash: new Error("store is locked") });
    const { output, logger } = capture();
    await expect(logReconcileSummary(engine, logger)).resolves.toBeUndefined();
    expect(output.text).toContain("reconcile on start failed");
    expect(output.text).toContain("store is locked");
  });
});
