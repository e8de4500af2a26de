import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { LinkStepError } from "../../../src/engine/step-errors.js";
import { renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";

const tester = { actor: { kind: "local" as const, user: "tester" } };
const seedImage = "svendowideit/ambassador:latest";

describe("the seed's ambassador image, known from its own configuration", () => {
  it("relays a plaintext link at once, without waiting out a handshake it never gives", async () => {
    const lab = memoryEngine({ ambassadorImage: seedImage, deadlines: { handshake: 5_000 } });
    const started = performance.now();
    const result = await lab.engine.link("app", "clustera", "clusterb", { plaintext: true }, tester);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect([result.source.mode, result.target.mode]).toEqual(["relay", "relay"]);
  });

  it("refuses an encrypted link before making anything, saying to use --plaintext", async () => {
    const lab = memoryEngine({ ambassadorImage: seedImage, deadlines: { handshake: 5_000 } });
    const started = performance.now();
    const error = await lab.engine.link("app", "clustera", "clusterb", {}, tester).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(LinkStepError);
    expect((error as Error).message).toMatch(/cannot carry encrypted links .*; link with --plaintext/);
    expect(await lab.a.listContainers(["io.ambassador.link"])).toEqual([]);
    expect(await lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
  });

  it.each([
    [seedImage, "plaintext, any address"],
    [undefined, "plaintext, target only"],
  ])(
    "with %s, link (at the terminal and in Slack) and status say who may reach the source's port: %s",
    async (image, words) => {
      const lab = memoryEngine({ ambassadorImage: image, deadlines: { handshake: 5_000 } });
      const services = testServices({ engine: lab.engine, clusters: lab.clusters });
      const operator = localInvocation("operator");
      const run = async (command: string) => {
        const outcome = await executeCommand(command, operator, services);
        if (!outcome.ok) throw new Error(`${command}: ${outcome.failure.message}`);
        return outcome.result;
      };
      const linked = await run("link app clustera clusterb --plaintext");
      expect(renderText(linked)).toContain(`Protection: ${words}`);
      expect(JSON.stringify(renderSlackMessage(linked))).toContain(`protection ${words}`);
      expect(renderText(await run("status app"))).toContain(`Protection: ${words}`);
    },
  );
});
