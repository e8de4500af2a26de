import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../../src/engine/types.js";
import { repairLines } from "../../../src/render/format.js";
import { renderText } from "../../../src/render/text.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
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
      "  removed container web on clusterb, left outside the link's record by an earlier attempt",
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
      "  removed container app-ambassador-2 on clustera, left outside the link's record by an earlier attempt",
    ]);
  });
});

describe("a link after one that was cut short before it saved", () => {
  it("removes what the interrupted one left of the same container, takes back its names and ports, and says so", async () => {
    const lab = memoryEngine();
    const first = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    // A process killed after it made the parts, before it saved the link: the hosts hold them, the store does not.
    await lab.links.remove(first.link.id);
    const again = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);

    expect(again.link.resources.map((r) => `${r.cluster} ${r.name}`)).toEqual([
      "clustera app-ambassador",
      "clusterb app-ambassador",
      "clusterb web",
    ]);
    expect(again.connections).toEqual(first.connections);
    const labelledNow = [
      ...(await lab.a.listContainers(["io.ambassador.link"])),
      ...(await lab.b.listContainers(["io.ambassador.link"])),
    ].map((c) => c.Labels["io.ambassador.link"]);
    expect(new Set(labelledNow)).toEqual(new Set([again.link.id]));
    expect(renderText({ kind: "link", result: again }).split("\n")).toContain(
      "Removed what an interrupted link had left: container app-ambassador on clustera, container app-ambassador on clusterb, container web on clusterb.",
    );
  });

  it("removes too what the interrupted one left on a cluster the new link does not use, which its labels name", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" }));
    const first = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    await lab.links.remove(first.link.id);
    const elsewhere = await lab.engine.link("app", "clustera", "clusterc", { web: "hello-web" }, context);

    expect(await lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
    expect(renderText({ kind: "link", result: elsewhere }).split("\n")).toContain(
      "Removed what an interrupted link had left: container app-ambassador on clustera, container app-ambassador on clusterb, container web on clusterb.",
    );
    const [source] = await lab.a.listContainers(["io.ambassador.role=source"]);
    expect(source?.Labels["io.ambassador.clusters"]).toBe("clustera,clusterc");
  });

  it("leaves them on a cluster the request may not act on, unnamed, for reconcile --fix", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" }));
    const first = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    await lab.links.remove(first.link.id);
    const elsewhere = await lab.engine.link(
      "app",
      "clustera",
      "clusterc",
      { web: "hello-web" },
      { ...context, clusters: ["clustera", "clusterc"] },
    );

    const left = await lab.b.listContainers(["io.ambassador.link"]);
    expect(left.map((c) => c.Names[0])).toEqual(expect.arrayContaining(["/app-ambassador", "/web"]));
    const text = renderText({ kind: "link", result: elsewhere });
    expect(text).toContain(
      "Removed what an interrupted link had left: container app-ambassador on clustera.",
    );
    expect(text).not.toContain("clusterb");

    await lab.engine.reconcile({ fix: true });
    expect(await lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
  });

  it("says which such cluster did not answer, and leaves it for reconcile --fix", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" }));
    const first = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    await lab.links.remove(first.link.id);
    lab.b.down();
    const elsewhere = await lab.engine.link("app", "clustera", "clusterc", { web: "hello-web" }, context);

    expect(elsewhere.unclearedOn).toEqual(["clusterb"]);
    expect(renderText({ kind: "link", result: elsewhere }).split("\n")).toContain(
      "clusterb did not answer, so what an interrupted link left there stays; run reconcile --fix once it answers.",
    );
    lab.b.up();
    await lab.engine.reconcile({ fix: true });
    expect(await lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
  });

  it("leaves alone the parts of a link the store keeps, and those of another container", async () => {
    const lab = memoryEngine();
    lab.a.run({ name: "api", Image: "hello-app" });
    const kept = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const other = await lab.engine.link(
      "api",
      "clustera",
      "clusterb",
      { web: "hello-web", webName: "api-web" },
      context,
    );
    await lab.links.remove(other.link.id);
    const made = await lab.engine.link("app", "clustera", "clusterb", { alias: "other" }, context);
    expect(made.cleared).toBeUndefined();
    const onA = (await lab.a.listContainers(["io.ambassador.link"])).map(
      (c) => c.Labels["io.ambassador.link"],
    );
    expect(new Set(onA)).toEqual(new Set([kept.link.id, other.link.id, made.link.id]));
  });
});

describe("reconcile while a link is being made", () => {
  it("names none of that link's parts as orphans, and --fix leaves them to it", async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => undefined;
    const atSave = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const lab = memoryEngine({
      beforeStep: async (step) => {
        if (step.name !== "save link") return;
        reached();
        await held;
      },
    });
    const making = lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    await atSave;
    const seen = await lab.engine.reconcile({ fix: true });
    expect(seen.orphans).toEqual([]);
    expect(seen.removed).toBe(0);
    release();
    const made = await making;
    expect((await lab.b.listContainers(["io.ambassador.link"])).map((c) => c.Id).sort()).toEqual(
      made.link.resources
        .filter((r) => r.cluster === "clusterb")
        .map((r) => r.id)
        .sort(),
    );
  });
});

describe("a repair that replaces a container", () => {
  it("gives the new one the old one's name once the old one is gone, repair after repair", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    for (let round = 0; round < 2; round++) {
      const [target] = await lab.b.listContainers(["io.ambassador.role=target"]);
      lab.b.stop(target?.Id ?? "");
      const repaired = await lab.engine.repair(made.link.id, context);
      expect(repairLines(repaired, "")).toContain(
        "  recreated target ambassador app-ambassador on clusterb (stopped)",
      );
      const now = await lab.b.listContainers(["io.ambassador.link"]);
      expect(now.map((c) => c.Names.join(",")).sort()).toEqual(["/app-ambassador", "/web"]);
      const stored = lab.links.get(made.link.id);
      expect(stored?.resources.map((r) => r.name)).toEqual(["app-ambassador", "app-ambassador", "web"]);
      expect(stored?.resources.find((r) => r.role === "target")?.id).toBe(
        now.find((c) => c.Labels["io.ambassador.role"] === "target")?.Id,
      );
    }
  });
});
