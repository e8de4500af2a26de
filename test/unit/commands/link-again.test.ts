import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { factsOfResult } from "../../../src/render/link-facts.js";
import { linkTextDiagram } from "../../../src/render/link-text-diagram.js";
import { renderText } from "../../../src/render/text.js";
import { testServices } from "../../support/fakes.js";

const local = { actor: { kind: "local" as const, user: "ops" }, trusted: true };

async function linkText(services: ReturnType<typeof testServices>) {
  const outcome = await executeCommand("link app clustera clusterb --web hello-web", local, services);
  if (!outcome.ok) throw new Error(outcome.failure.message);
  const facts = factsOfResult(outcome.result);
  return { text: renderText(outcome.result), diagram: facts ? linkTextDiagram(facts) : "" };
}

describe("link asked for again", () => {
  it("draws the link as its hosts say it is now and says to repair a part that stopped", async () => {
    const services = testServices();
    const first = await linkText(services);
    const id = /\(link (\w+)\)/.exec(first.text)?.[1];
    expect(first.text).not.toContain("Next:");
    services.lab.b.stop("web");
    const again = await linkText(services);
    expect(again.text).toContain(`Already linked app from clustera to clusterb as app (link ${id}).`);
    expect(again.text).toMatch(
      new RegExp(`^Next: run repair ${id} to make again .*web on clusterb \\(stopped\\)\\.$`, "m"),
    );
    expect(again.diagram).toContain("already linked");
    expect(again.diagram).toMatch(/✘ web/);
    expect(again.diagram).toMatch(/consumer · stopped/);
    // In the stopped consumer's network namespace, the target ambassador has no network left.
    expect(again.diagram).toMatch(/target ambassador · tls · disconnected/);
    expect(again.diagram).toMatch(/source ambassador · tls · running/);
  });

  it("says nothing more of a link whose parts all run", async () => {
    const services = testServices();
    await linkText(services);
    const again = await linkText(services);
    expect(again.text).toContain("Already linked app");
    expect(again.text).not.toContain("Next:");
    expect(again.diagram).not.toMatch(/✘/);
  });
});
