import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { inSlack, slackText, terminalText } from "../../support/shown-text.js";

// The address:port Node's client names when nothing listens at clusterb's Docker API.
const addressAndPort = "10.0.0.13:2376";
const refused = "nothing listens at the Docker API of clusterb (connection refused)";

/** Services whose clusterb is down and not yet known to be: the next read asks it and fails. */
function withClusterbDown() {
  const services = testServices();
  services.lab.b.down();
  return services;
}

describe("Slack never shows a down cluster's Docker API address in a read", () => {
  it("`ports` names the cluster and the reason in Slack; the terminal keeps Node's address", async () => {
    const slack = slackText(await executeCommand("ports app", inSlack("UMEMBER"), withClusterbDown()));
    expect(slack).toContain(`Could not reach clusterb (${refused})`);
    expect(slack).not.toContain(addressAndPort);

    const terminal = terminalText(
      await executeCommand("ports app", localInvocation("operator"), withClusterbDown()),
    );
    expect(terminal).toContain(`Could not reach clusterb: connect ECONNREFUSED ${addressAndPort}`);
  });

  it("`reconcile` names the cluster it could not search and why in Slack; the terminal keeps Node's address", async () => {
    const slack = slackText(await executeCommand("reconcile", inSlack("UADMIN"), withClusterbDown()));
    expect(slack).toContain(`could not search clusterb: clusterb: list containers: ${refused}`);
    expect(slack).not.toContain(addressAndPort);

    const terminal = terminalText(
      await executeCommand("reconcile", localInvocation("operator"), withClusterbDown()),
    );
    expect(terminal).toContain(
      `could not search clusterb: clusterb: list containers: connect ECONNREFUSED ${addressAndPort}`,
    );
  });
});
