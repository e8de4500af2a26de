import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../../src/engine/types.js";
import { repairLines } from "../../../src/render/format.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };

describe("a repair after one that was cut short", () => {
  it("removes what the interrupted one made before it saved, and takes back the names it held", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const web = made.link.resources.find((r) => r.role === "web");
    const info = web && (await lab.b.inspectContainer(web.id));
    if (!info) throw new Error("no web");
    lab.b.removeExternally(web.id);
    // What a repair killed after starting the new consumer leaves: a labelled container its record does not name.
    const leftover = lab.b.run({ name: "web", Image: "hello-web", Labels: info.Config.Labels });

    const repaired = await lab.engine.repair(made.link.id, context);

    expect(repaired.recreated.map((r) => `${r.role} ${r.name}: ${r.reason}`)).toContain("web web: missing");
    expect(await lab.b.inspectContainer(leftover)).toBeUndefined();
    const webs = await lab.b.listContainers(["io.ambassador.role=web"]);
    expect(webs.map((c) => c.Names.join(","))).toEqual(["/web"]);
    expect(repairLines(repaired, "/ambassador ")).toContain(
      "  removed container web on clusterb, left by an interrupted attempt",
    );
  });

  it("clears leftovers even when every recorded part is healthy", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const source = made.link.resources.find((r) => r.role === "source");
    const info = source && (await lab.a.inspectContainer(source.id));
    if (!info) throw new Error("no source ambassador");
    const leftover = lab.a.run({
      name: "app-ambassador-2",
      Image: info.Config.Image,
      Labels: info.Config.Labels,
    });

    const repaired = await lab.engine.repair(made.link.id, context);

    expect(repaired.status).toBe("nothing-to-repair");
    expect(await lab.a.inspectContainer(leftover)).toBeUndefined();
    expect(repairLines(repaired, "/ambassador ")).toEqual([
      `Link ${made.link.id} needs no repair: every part is there and current. \`/ambassador status ${made.link.id}\` shows it.`,
      "  removed container app-ambassador-2 on clustera, left by an interrupted attempt",
    ]);
  });
});
