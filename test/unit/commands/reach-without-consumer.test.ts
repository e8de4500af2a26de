import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand } from "../../../src/commands/execute.js";
import { renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { testServices } from "../../support/fakes.js";

const terminal: Invocation = { actor: { kind: "local", user: "tester" }, trusted: true };

async function answer(line: string, services: ReturnType<typeof testServices>) {
  const outcome = await executeCommand(line, terminal, services);
  if (!outcome.ok) throw new Error(outcome.failure.message);
  return outcome.result;
}

describe("a link with no consumer", () => {
  it("says which network on the target to connect a container to, in its answer and in status", async () => {
    const services = testServices();
    const made = await answer("link app clustera clusterb --alias napp", services);
    if (made.kind !== "link") throw new Error(made.kind);
    const { id } = made.result.link;
    // The name its host knows it by.
    const [network] = await services.lab.b.listNetworks([`io.ambassador.link=${id}`]);
    const reach = `Reach it: on clusterb, connect a container to network ${network?.Name} (docker network connect ${network?.Name} <container>); there it reaches napp:5000.`;
    expect(network?.Name).toBe(`ambassador-${id}-target`);
    expect(renderText(made).split("\n")).toContain(reach);
    expect(JSON.stringify(renderSlackMessage(made))).toContain(`docker network connect ${network?.Name}`);
    expect(renderText(await answer(`status ${id}`, services)).split("\n")).toContain(reach);
  });

  it("says nothing of the kind for a link whose consumer it started", async () => {
    const services = testServices();
    const made = await answer("link app clustera clusterb --web hello-web", services);
    expect(renderText(made)).not.toContain("Reach it");
  });
});
