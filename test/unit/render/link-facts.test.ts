import { describe, expect, it } from "vitest";
import { factsOfLinkResult, factsOfView } from "../../../src/render/link-facts.js";
import { linkTextDiagram } from "../../../src/render/link-text-diagram.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

const operator = { actor: { kind: "local" as const, user: "operator" } };

describe("the picture of a link just made", () => {
  it("shows the linked container and the parts the link made running, as `list` shows them next", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, operator);
    const facts = factsOfLinkResult(made);
    expect(facts.container.state).toBe("running");
    expect([
      facts.sourceAmbassador.state,
      facts.targets[0]?.ambassador.state,
      facts.targets[0]?.web?.state,
    ]).toEqual(["new", "new", "new"]);
    const diagram = linkTextDiagram(facts);
    expect(diagram).toMatch(/container · running/);
    expect(diagram).toMatch(/source ambassador · tls · running/);
    expect(diagram).toMatch(/target ambassador · tls · running/);
    expect(diagram).toMatch(/consumer · running/);
    expect(diagram).not.toContain("created");
  });

  it("shows the parts of a link found already made as kept, claiming no state it did not read", async () => {
    const lab = memoryEngine();
    await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, operator);
    lab.b.stop("web");
    const again = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, operator);
    expect(again.existing).toBe(true);
    const diagram = linkTextDiagram(factsOfLinkResult(again));
    expect(diagram).toMatch(/consumer · kept/);
    expect(diagram).toMatch(/target ambassador · tls · kept/);
    expect(diagram).not.toMatch(/· running/);
  });
});

describe("the picture of a link fanned out to two targets", () => {
  it("shows each target's host with its own ambassador, consumer and URL, just made and in status", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" }));
    const made = await lab.engine.link(
      "app",
      "clustera",
      ["clusterb", "clusterc"],
      { web: "hello-web" },
      operator,
    );
    const urlOf = (cluster: string) => made.targets.find((t) => t.cluster === cluster)?.webUrls[0] ?? "none";
    const [view] = await lab.engine.list();
    if (!view) throw new Error("no view");
    for (const facts of [factsOfLinkResult(made), factsOfView(view)]) {
      expect(facts.targets.map((t) => [t.cluster, t.address, t.webUrls])).toEqual([
        ["clusterb", "10.0.0.13", [urlOf("clusterb")]],
        ["clusterc", "10.0.0.14", [urlOf("clusterc")]],
      ]);
      const diagram = linkTextDiagram(facts);
      expect(diagram).toContain("clusterb target host · 10.0.0.13");
      expect(diagram).toContain("clusterc target host · 10.0.0.14");
      const clustercBox = diagram.slice(diagram.indexOf("clusterc target host"));
      expect(clustercBox).toContain(urlOf("clusterc"));
      expect(clustercBox).not.toContain(urlOf("clusterb"));
    }
  });
});

describe("the picture of a --consumer link", () => {
  it("names the consumer's URL and its host's address in status, as the link did", async () => {
    const lab = memoryEngine();
    lab.b.run({ name: "worker", Image: "hello-web", HostConfig: { PublishAllPorts: true } });
    const made = await lab.engine.link("app", "clustera", "clusterb", { consumer: "worker" }, operator);
    const [view] = await lab.engine.list();
    if (!view) throw new Error("no view");
    const [linked, status] = [factsOfLinkResult(made), factsOfView(view)];
    expect(linked.targets[0]?.webUrls.length).toBeGreaterThan(0);
    expect(status.targets[0]?.webUrls).toEqual(linked.targets[0]?.webUrls);
    expect(status.targets[0]?.address).toBe("10.0.0.13");
  });
});
