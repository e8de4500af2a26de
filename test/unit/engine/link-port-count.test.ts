import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { memoryEngine } from "../../support/memory-engine.js";

const tester = { actor: { kind: "local" as const, user: "tester" } };
const ports = (count: number) => Array.from({ length: count }, (_, i) => 7001 + i);

describe("a link asked to carry more ports than one link carries", () => {
  it("is refused before anything is made, naming how many and what to do", async () => {
    const lab = memoryEngine();
    const error = await lab.engine
      .link("app", "clustera", "clusterb", { ports: ports(65), web: "hello-web" }, tester)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      "65 ports were given with --port; a link carries at most 64: split them across links.",
    );
    expect(lab.a.calls.filter((call) => call.action.startsWith("create"))).toEqual([]);
    expect(lab.b.calls.filter((call) => call.action.startsWith("create"))).toEqual([]);
  });

  it("refuses an image exposing more, saying to pass the ones to carry", async () => {
    const lab = memoryEngine();
    lab.a.defineImage("many-ports", "plain", { exposedPorts: ports(65).map((p) => `${p}/tcp`) });
    lab.a.run({ name: "many", Image: "many-ports" });
    const error = await lab.engine
      .link("many", "clustera", "clusterb", { web: "hello-web" }, tester)
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      'Container "many" on clustera exposes 65 TCP ports; a link carries at most 64: pass the ones to carry with --port.',
    );
  });

  it("carries 64", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link(
      "app",
      "clustera",
      "clusterb",
      { ports: ports(64), web: "hello-web" },
      tester,
    );
    expect(made.link.ports).toHaveLength(64);
  });
});
