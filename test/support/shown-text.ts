import type { Invocation } from "../../src/commands/command.js";
import type { Outcome } from "../../src/commands/execute.js";
import { renderSlackFailure, renderSlackMessage } from "../../src/render/slack-message.js";
import { renderFailureText, renderText } from "../../src/render/text.js";

/** A Slack user of team T1 in channel C1. */
export const inSlack = (who: string): Invocation => ({
  actor: { kind: "slack", team: "T1", user: who },
  channel: "C1",
  trusted: false,
});

/** Everything Slack would show of an outcome: the fallback text and the blocks. */
export function slackText(outcome: Outcome): string {
  return JSON.stringify(
    outcome.ok ? renderSlackMessage(outcome.result) : renderSlackFailure(outcome.failure),
  );
}

/** What the terminal would show of an outcome. */
export function terminalText(outcome: Outcome): string {
  return outcome.ok ? renderText(outcome.result) : renderFailureText(outcome.failure);
}
