import { describe, expect, it } from "vitest";
import { cutShortDetail, prepareCommand } from "../../../src/commands/execute.js";
import { testServices } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { inSlack } from "../../support/shown-text.js";

describe("a change the bot stops without", () => {
  it("is waiting before it changes anything, running once it began, done once it ended; cut short, it ends once", async () => {
    const lab = memoryEngine({ latencyMs: 20 });
    const services = testServices({ lab });
    const prepared = await prepareCommand(
      ["link", "app", "clustera", "clusterb"],
      inSlack("UADMIN"),
      services,
    );
    if (prepared.kind !== "ready") throw new Error("not ready");
    expect(prepared.stage()).toBe("waiting");
    prepared.cutShort();
    expect(services.audit.recorded).toEqual([]);
    lab.b.hang();
    const outcome = prepared.run();
    await expect.poll(() => prepared.stage()).toBe("running");
    prepared.cutShort();
    prepared.cutShort();
    lab.b.up();
    await outcome;
    expect(prepared.stage()).toBe("done");
    // One start, one end: the cut short, whatever the run did after it.
    expect(services.audit.recorded.map((entry) => [entry.outcome, entry.detail])).toEqual([
      ["started", undefined],
      ["error", cutShortDetail],
    ]);
    const runs = new Set(services.audit.recorded.map((entry) => entry.run));
    expect(runs.size).toBe(1);
  });
});
