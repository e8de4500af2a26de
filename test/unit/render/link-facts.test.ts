import { describe, expect, it } from "vitest";
import { factsOfLinkResult } from "../../../src/render/link-facts.js";
import { linkTextDiagram } from "../../../src/render/link-text-diagram.js";
import { memoryEngine } from "../../support/memory-engine.js";

const operator = { actor: { kind: "local" as const, user: "operator" } };

describe("the picture of a link just made", () => {
  it("shows the linked container and the parts the link made running, as `list` shows them next", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, operator);
    const facts = factsOfLinkResult(made);
    expect(facts.container.state).toBe("running");
    expect([facts.sourceAmbassador.state, facts.targetAmbassador.state, facts.web?.state]).toEqual([
      "new",
      "new",
      "new",
    ]);
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
