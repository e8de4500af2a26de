import { describe, expect, it } from "vitest";
import { prepareCommand } from "../../../src/commands/execute.js";
import { checkLinkForm } from "../../../src/commands/link-form.js";
import { UserError } from "../../../src/errors.js";
import { testServices } from "../../support/fakes.js";
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

  it("given with --port or in the dialog, is refused as bad input before the command is taken: audited as refused, no host asked", async () => {
    const services = testServices();
    const typed = ports(65)
      .map((port) => `--port ${port}`)
      .join(" ");
    const prepared = await prepareCommand(
      ["link", "app", "clustera", "clusterb", ...typed.split(" ")],
      { actor: { kind: "slack", team: "T1", user: "UADMIN" }, channel: "C1", trusted: false },
      services,
    );
    expect(prepared).toMatchObject({
      kind: "failed",
      failure: {
        message:
          "Bad value for --port: 65 ports were given; a link carries at most 64: split them across links.",
        usage: expect.stringContaining("link <container>"),
      },
    });
    expect(services.audit.recorded.map((entry) => entry.outcome)).toEqual(["refused"]);
    expect(services.lab.a.calls.length + services.lab.b.calls.length).toBe(0);
    const form = checkLinkForm({
      sourceCluster: "clustera",
      container: "app",
      targetCluster: "clusterb",
      ports: [...ports(65), 7001].join(", "),
    });
    expect(form).toEqual({
      ok: false,
      errors: { ports: "65 ports were given; a link carries at most 64: split them across links" },
    });
  });
});
