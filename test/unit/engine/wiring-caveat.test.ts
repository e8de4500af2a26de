import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";

const caveat =
  "Note: on clusterb, the target ambassador is on the default bridge (--legacy-links): every container there reaches the link in plaintext, unless the daemon runs with icc off.";

async function answers(command: string) {
  const lab = memoryEngine();
  const services = testServices({ engine: lab.engine, clusters: lab.clusters });
  const run = async (line: string) => {
    const outcome = await executeCommand(line, localInvocation("operator"), services);
    if (!outcome.ok) throw new Error(`${line}: ${outcome.failure.message}`);
    return outcome.result;
  };
  const linked = await run(command);
  return {
    text: renderText(linked),
    slack: JSON.stringify(renderSlackMessage(linked)),
    status: renderText(await run("status app")),
    again: renderText(await run(command)),
  };
}

describe("what a link's answer says of who may reach it", () => {
  it("is said by link (at the terminal and in Slack) and status for --legacy-links", async () => {
    const said = await answers("link app clustera clusterb --legacy-links --web hello-web");
    expect(said.text).toContain(caveat);
    expect(said.slack).toContain(caveat);
    expect(said.status).toContain(caveat);
  });

  it("gives the source ambassador's port no URL on an mTLS link, which no browser opens; the consumer's keeps its own", async () => {
    const said = await answers("link app clustera clusterb --web hello-web");
    const sourceRow = said.text.split("\n").find((line) => /^\s+5000\/tcp -> 10\.0\.0\.12:/.test(line));
    expect(sourceRow).toBeDefined();
    expect(sourceRow).not.toContain("http://");
    expect(said.text).toMatch(/^Web: http:\/\/10\.0\.0\.13:\d+$/m);
    const plain = await answers("link app clustera clusterb --plaintext");
    expect(plain.text).toMatch(/5000\/tcp -> 10\.0\.0\.12:\d+ {3}http:\/\/10\.0\.0\.12:\d+/);
  });

  it("says why a consumer whose image exposes no port has no URL", async () => {
    const said = await answers("link app clustera clusterb --web ambassador-lab/toolbox");
    const line =
      "Web: none: ambassador-lab/toolbox exposes no TCP port, so nothing of it is published (an image that EXPOSEs its port gets a URL).";
    expect(said.text).toContain(line);
    expect(said.slack).toContain(line);
    // Asked again, its consumer may be stopped or its host silent: that is not said of its image.
    expect(said.again).toMatch(/^Already linked/);
    expect(said.again).not.toContain("Web: none");
  });

  it("is nothing to say when the target ambassador runs in its consumer's namespace", async () => {
    const said = await answers("link app clustera clusterb --web hello-web");
    expect(`${said.text}${said.slack}${said.status}`).not.toContain("Note:");
  });
});
