import type { webApi } from "@slack/bolt";
import { cutShortDetail } from "../commands/execute.js";
import { type AuditLog, unfinished } from "../domain/audit.js";
import type { Logger } from "../logger.js";
import { stoppedBefore } from "../render/stop-notices.js";

/** How old a cut-short command may be for its person to be told: the time within which they may still wait for it. */
const toldWithinMs = 24 * 60 * 60 * 1000;

/**
 * Tells each person whose change asked in Slack the bot's last run never finished (killed, or crashed: its audit
 * entry `started` has no end) what to do, where they asked (in a direct message for the Home tab), within a day, and ends that entry as `error`, so each is
 * told once.
 * Run as the bot starts, when none of its own commands runs yet.
 */
export async function tellInterrupted(audit: AuditLog, client: webApi.WebClient, log: Logger): Promise<void> {
  const cut = unfinished(await audit.recent()).filter((entry) => entry.actor.kind === "slack");
  for (const entry of cut) {
    const { actor, action, target, channel } = entry;
    const asked = `${action}${target ? ` ${target}` : ""}`;
    await audit.record({
      actor,
      action,
      target,
      channel,
      outcome: "error",
      detail: cutShortDetail,
    });
    // One cut short long ago (before a restart that could tell it) is only ended in the audit log.
    if (Date.now() - Date.parse(entry.at) > toldWithinMs) continue;
    try {
      const text = `The bot stopped before your \`${asked}\` of ${entry.at.slice(11, 16)} UTC finished. ${stoppedBefore(action, true)}`;
      // Asked in no channel (the Home tab): in the person's direct messages with the bot.
      if (channel) await client.chat.postEphemeral({ channel, user: actor.user, text });
      else await client.chat.postMessage({ channel: actor.user, text });
    } catch (error) {
      log.warn({ err: error, channel }, "could not tell of a command the bot's last stop cut short");
    }
  }
  if (cut.length)
    log.warn(
      { count: cut.length },
      "commands asked in Slack that the bot's last stop cut short: each person told, each audited as ended",
    );
}
