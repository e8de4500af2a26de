import { describe, expect, it } from "vitest";
import { memoryEngine } from "../../support/memory-engine.js";

const context = { actor: { kind: "slack", team: "T1", user: "UADMIN" } as const, channel: "C1" };

describe("list of many links", () => {
  it("gives every link once, in the store's order, and lets other work run while it views them", async () => {
    const lab = memoryEngine();
    const { link } = await lab.engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, context);
    // Many records of the same parts: each is viewed from the one listing per cluster.
    const ids = Array.from({ length: 349 }, (_, i) => `${link.id.slice(0, 6)}${String(i).padStart(6, "0")}`);
    for (const id of ids) await lab.links.save({ ...link, id });
    let ranMeanwhile = false;
    const listed = lab.engine.list();
    // Due once the event loop turns: run before the last view only when the views are built a few at a time.
    setImmediate(() => {
      ranMeanwhile = true;
    });
    const views = await listed;
    expect(views.map((view) => view.link.id)).toEqual(lab.links.all().map((record) => record.id));
    expect(views).toHaveLength(350);
    expect(new Set(views.map((view) => view.status))).toEqual(new Set(["active"]));
    expect(ranMeanwhile).toBe(true);
  });
});
