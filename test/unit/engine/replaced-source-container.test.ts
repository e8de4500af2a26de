import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { renderText } from "../../../src/render/text.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";

const local = { actor: { kind: "local", user: "t" } } as const;

async function shown(line: string, services: ReturnType<typeof testServices>): Promise<string[]> {
  const outcome = await executeCommand(line, localInvocation("operator"), services);
  if (!outcome.ok) throw new Error(outcome.failure.message);
  return renderText(outcome.result).split("\n");
}

describe("a linked container removed and run again under its name", () => {
  it("leaves the Docker-linked source ambassador serving the old one: status says so and repair remakes it", async () => {
    const lab = memoryEngine();
    const services = testServices({ engine: lab.engine, clusters: lab.clusters });
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, local);
    const id = made.link.id;
    expect(made.link.wiring).toBe("shared");
    expect(await shown(`status ${id}`, services)).not.toContainEqual(expect.stringMatching(/^Next:/));

    lab.a.removeExternally("app");
    lab.a.run({ name: "app", Image: "hello-app" });
    const status = await shown(`status ${id}`, services);
    expect(status[0]).toContain("(broken)");
    expect(status).toContain(
      `Next: run repair ${id} to make again source ambassador ${made.source.name} on clustera (linked to a replaced container).`,
    );
    expect((await shown("list", services)).join("\n")).toContain(
      `clustera ${made.source.name} linked to a replaced container`,
    );

    const mended = await lab.engine.repair(id, local);
    expect(mended.recreated.map((part) => `${part.role} on ${part.cluster}: ${part.reason}`)).toContainEqual(
      "source on clustera: app was replaced by a new container of that name",
    );
    const after = await shown(`status ${id}`, services);
    expect(after[0]).toContain("(active)");
    expect(after).not.toContainEqual(expect.stringMatching(/^Next:/));
  });

  it("is not said of a link on networks of its own, whose source ambassador finds the container by name", async () => {
    const lab = memoryEngine();
    const services = testServices({ engine: lab.engine, clusters: lab.clusters });
    const made = await lab.engine.link("app", "clustera", "clusterb", {}, local);
    expect(made.link.wiring).toBe("networks");
    lab.a.removeExternally("app");
    lab.a.run({ name: "app", Image: "hello-app" });
    expect((await shown(`status ${made.link.id}`, services)).join("\n")).not.toContain("replaced");
  });
});
