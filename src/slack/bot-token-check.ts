import { webApi } from "@slack/bolt";
import type { Logger } from "../logger.js";

/**
 * Errors with which Slack answers that it cannot say now (busy, down, or the workspace moving into an Enterprise
 * organisation, which leaves the Web API "intermittently unavailable" until it is done); any other error it answers
 * refuses the token.
 */
const notNow = new Set([
  "ratelimited",
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "team_added_to_org",
  "org_login_required",
]);

/**
 * Asks Slack once, off the way of every request, whether it takes the bot's token, and says in the log what it
 * found. Commands are answered at their response URLs whatever the answer; the Web API (Home tab, link dialog,
 * pictures, health alerts) needs the token.
 */
export async function checkBotToken(
  botToken: string,
  options: Pick<webApi.WebClientOptions, "slackApiUrl" | "fetch" | "logger">,
  log: Logger,
): Promise<void> {
  // Tried once: never retried behind the bot's back.
  const client = new webApi.WebClient(botToken, { ...options, retryConfig: { retries: 0 } });
  try {
    const found = await client.auth.test();
    log.info({ team: found.team_id, botUser: found.user_id }, "Slack takes the bot token");
  } catch (error) {
    const code = (error as { data?: { error?: unknown } }).data?.error;
    if (typeof code === "string" && notNow.has(code)) {
      log.warn(
        { slackError: code },
        `Slack could not say whether it takes SLACK_BOT_TOKEN (${code}): commands are answered meanwhile; the Web API calls will tell`,
      );
      return;
    }
    if (typeof code === "string") {
      log.error(
        { slackError: code },
        `Slack refuses SLACK_BOT_TOKEN (${code}): commands are still answered, but the Home tab, the link dialog, pictures and health alerts fail until the token is set right and the bot restarted`,
      );
      return;
    }
    log.warn(
      { err: error },
      "could not ask Slack whether it takes SLACK_BOT_TOKEN: commands are answered meanwhile; the Web API calls will tell",
    );
  }
}
