import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { createLinkEngine } from "../../../src/engine/link-engine.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { MemoryClusterDirectory, MemoryDockerHost } from "../../support/memory-docker.js";
import { MemoryLinks, testAuthority } from "../../support/memory-links.js";
import { inSlack, slackText, terminalText } from "../../support/shown-text.js";

const operator = localInvocation("operator");

/** Services with `app` on clustera linked to clusterb. */
async function linked() {
  const services = testServices();
  const made = await executeCommand("link app clustera clusterb", operator, services);
  if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
  return { services, id: made.result.result.link.id };
}

/**
 * `app` on clustera fanned out to clusterb and clusterc; clustera stops answering as soon as its source ambassador
 * is removed, so `teardown --target` cannot remake it.
 */
async function fannedOutLosingSource() {
  const a = new MemoryDockerHost({ latencyMs: 0, name: "clustera", advertise: "10.0.0.12" });
  const b = new MemoryDockerHost({ latencyMs: 0, name: "clusterb", advertise: "10.0.0.13" });
  const c = new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" });
  a.run({ name: "app", Image: "hello-app" });
  const clusters = new MemoryClusterDirectory([a, b, c]);
  const engine = createLinkEngine({
    authority: testAuthority(),
    clusters,
    links: new MemoryLinks(),
    deadlines: { handshake: 50 },
  });
  const services = testServices({ engine, clusters });
  const made = await executeCommand("link app clustera clusterb,clusterc", operator, services);
  if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
  const source = made.result.result.link.resources.find((r) => r.role === "source")?.id;
  const remove = a.removeContainer.bind(a);
  a.removeContainer = async (id, name, options) => {
    const removed = await remove(id, name, options);
    if (id === source) a.down();
    return removed;
  };
  return { services, id: made.result.result.link.id };
}

describe("Slack never shows a Docker API address in what a teardown says", () => {
  it("a partial `teardown` names what it left and why without clusterb's address; the terminal keeps it", async () => {
    const inChannel = await linked();
    inChannel.services.lab.b.down();
    const slack = slackText(
      await executeCommand(`teardown ${inChannel.id}`, inSlack("UADMIN"), inChannel.services),
    );
    expect(slack).toMatch(
      /left container \S+ on clusterb: clusterb: [^"]*: nothing listens at the Docker API of clusterb \(connection refused\)/,
    );
    expect(slack).not.toContain("10.0.0.13:2376");

    const atTerminal = await linked();
    atTerminal.services.lab.b.down();
    const terminal = terminalText(
      await executeCommand(`teardown ${atTerminal.id}`, operator, atTerminal.services),
    );
    expect(terminal).toMatch(
      /left container \S+ on clusterb: clusterb: .*: connect ECONNREFUSED 10\.0\.0\.13:2376/,
    );
  });

  it("`teardown --target` whose source ambassador cannot be remade says why without clustera's address", async () => {
    const inChannel = await fannedOutLosingSource();
    const slack = await executeCommand(
      `teardown ${inChannel.id} --target clusterc`,
      inSlack("UADMIN"),
      inChannel.services,
    );
    expect(slack.ok).toBe(false);
    expect(slackText(slack)).toContain("its source ambassador could not be remade (");
    expect(slackText(slack)).toContain("nothing listens at the Docker API of clustera (connection refused)");
    expect(slackText(slack)).not.toContain("10.0.0.12:2376");

    const atTerminal = await fannedOutLosingSource();
    const terminal = await executeCommand(
      `teardown ${atTerminal.id} --target clusterc`,
      operator,
      atTerminal.services,
    );
    expect(terminalText(terminal)).toContain("its source ambassador could not be remade (");
    expect(terminalText(terminal)).toContain("connect ECONNREFUSED 10.0.0.12:2376");
  });
});
