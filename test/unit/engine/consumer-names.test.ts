import { describe, expect, it } from "vitest";
import { memoryEngine } from "../../support/memory-engine.js";

const local = { actor: { kind: "local", user: "t" } } as const;

const linkWeb = (lab: ReturnType<typeof memoryEngine>, webName: string, legacyLinks?: true) =>
  lab.engine.link("app", "clustera", "clusterb", { web: "hello-web", webName, legacyLinks }, local);

describe("a consumer's name", () => {
  it("is kept by a repair that makes it again, even when it ends in a dash and digits", async () => {
    const lab = memoryEngine();
    const made = await linkWeb(lab, "a_b.c-3");
    const web = made.link.resources.find((r) => r.role === "web");
    if (!web) throw new Error("no web");
    lab.b.removeExternally(web.id);

    const repaired = await lab.engine.repair(made.link.id, local);

    expect(repaired.recreated.map((r) => `${r.role} ${r.name}`)).toContain("web a_b.c-3");
    expect(lab.engine.find("a_b.c-3").id).toBe(made.link.id);
    expect((await lab.b.inspectContainer("a_b.c-3"))?.State.Running).toBe(true);
  });

  it("asked for again, finds the link it names, even when a container held that name and it took the next", async () => {
    const lab = memoryEngine();
    lab.b.run({ name: "web", Image: "hello-web" });
    const made = await linkWeb(lab, "web");
    expect(made.link.web?.name).toBe("web-2");
    const again = await linkWeb(lab, "web");
    expect(again.existing).toBe(true);
    expect(again.link.id).toBe(made.link.id);
  });

  it("asked for again, finds a link saved before the name asked for was recorded, under its -2 name", async () => {
    const lab = memoryEngine();
    lab.b.run({ name: "web", Image: "hello-web" });
    const made = await linkWeb(lab, "web");
    const record = lab.links.get(made.link.id);
    if (!record?.web) throw new Error("no consumer");
    // As an older version saved it.
    await lab.links.save({ ...record, web: { image: record.web.image, name: record.web.name } });
    const again = await linkWeb(lab, "web");
    expect(again.existing).toBe(true);
    expect(again.link.id).toBe(made.link.id);
  });

  it("asked for as a shorter name that begins another link's consumer's, makes a link of its own", async () => {
    const lab = memoryEngine();
    const webapp = await linkWeb(lab, "webapp");
    const web = await linkWeb(lab, "web");
    expect(web.existing).toBe(false);
    expect(web.link.id).not.toBe(webapp.link.id);
    expect(web.link.web?.name).toBe("web");
  });

  it("of a --legacy-links link, made again beside the old one at each repair, keeps to the name asked for and one other", async () => {
    const lab = memoryEngine();
    const made = await linkWeb(lab, "web5", true);
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const target = lab.links.get(made.link.id)?.resources.find((r) => r.role === "target");
      if (!target) throw new Error("no target ambassador");
      lab.b.removeExternally(target.id);
      const repaired = await lab.engine.repair(made.link.id, local);
      names.push(repaired.recreated.find((r) => r.role === "web")?.name ?? "none");
    }
    expect(names).toEqual(["web5-2", "web5", "web5-2"]);
    expect(lab.engine.find("web5-2").id).toBe(made.link.id);
  });
});
