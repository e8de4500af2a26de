import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { inSlack, slackText, terminalText } from "../../support/shown-text.js";

// clusterb's Docker API, as registered, and the address:port Node's client names when nothing listens there.
const url = "tcp://10.0.0.13:2376";
const addressAndPort = "10.0.0.13:2376";

describe("Slack never shows a down cluster's Docker API URL or address", () => {
  it("`clusters` names the cluster and the reason in Slack; the terminal keeps the URL", async () => {
    // A lab each: a cluster that did not answer is skipped by the next read, named only as silent.
    const services = testServices();
    services.lab.b.down();
    const slack = slackText(await executeCommand("clusters", inSlack("UMEMBER"), services));
    expect(slack).toContain(
      "clusterb: unreachable: nothing listens at the Docker API of clusterb (connection refused)",
    );
    expect(slack).not.toContain(addressAndPort);

    const local = testServices();
    local.lab.b.down();
    const terminal = terminalText(await executeCommand("clusters", localInvocation("operator"), local));
    expect(terminal).toContain(`unreachable: nothing listens at ${url} (connection refused)`);
  });

  it("a failed `link` names the step, the cluster and the reason in Slack; the terminal keeps Node's address", async () => {
    const services = testServices();
    services.lab.b.down();

    const slack = await executeCommand("link app clustera clusterb", inSlack("UADMIN"), services);
    expect(slack.ok).toBe(false);
    expect(slackText(slack)).toContain("on clusterb");
    expect(slackText(slack)).toContain("nothing listens at the Docker API of clusterb (connection refused)");
    expect(slackText(slack)).not.toContain(addressAndPort);

    const terminal = await executeCommand(
      "link app clustera clusterb",
      localInvocation("operator"),
      services,
    );
    expect(terminalText(terminal)).toContain(`connect ECONNREFUSED ${addressAndPort}`);
  });

  it("a `repair` whose host does not answer says so in Slack without its address", async () => {
    const services = testServices();
    const made = await executeCommand("link app clustera clusterb", localInvocation("operator"), services);
    if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
    services.lab.b.down();

    const slack = await executeCommand(`repair ${made.result.result.link.id}`, inSlack("UADMIN"), services);
    expect(slack.ok).toBe(false);
    expect(slackText(slack)).toContain("clusterb does not answer");
    expect(slackText(slack)).toContain("connection refused");
    expect(slackText(slack)).not.toContain(addressAndPort);

    const terminal = await executeCommand(
      `repair ${made.result.result.link.id}`,
      localInvocation("operator"),
      services,
    );
    expect(terminalText(terminal)).toContain(addressAndPort);
  });

  it("a `link` whose image could not be pulled says why in Slack without an address the reason names", async () => {
    // No host names an address in a failure this check wraps today (a refused connection passes through it as it is);
    // this holds it to keep the address-free version of whatever it wraps.
    const pullFailing = () => {
      const services = testServices();
      services.lab.b.defineImage("hello-web:latest", "plain", { present: false });
      services.lab.b.failOn("pull image", {
        statusCode: undefined,
        reason: `no answer within 1 s to pull image (connect ECONNREFUSED ${addressAndPort})`,
        withoutAddress: "no answer within 1 s to pull image (nothing listens at the Docker API of clusterb)",
      });
      return services;
    };
    const command = "link app clustera clusterb --web hello-web";

    const slack = await executeCommand(command, inSlack("UADMIN"), pullFailing());
    expect(slack.ok).toBe(false);
    expect(slackText(slack)).toContain(
      "The web image hello-web is not on clusterb and could not be pulled (",
    );
    expect(slackText(slack)).toContain("nothing listens at the Docker API of clusterb");
    expect(slackText(slack)).not.toContain(addressAndPort);

    const terminal = await executeCommand(command, localInvocation("operator"), pullFailing());
    expect(terminalText(terminal)).toContain(`connect ECONNREFUSED ${addressAndPort}`);
  });
});
