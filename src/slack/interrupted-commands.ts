import type { webApi } from "@slack/bolt";
import { cutShortDetail } from "../commands/execute.js";
import { type AuditEntry, type AuditLog, unfinished } from "../domain/audit.js";
import type { Logger } from "../logger.js";
import { clockTime } from "../render/format.js";
import { stoppedBefore } from "../render/stop-notices.js";

/** How old a cut-short command may be for its person to be told: the time within which they may still wait for it. */
const toldWithinMs = 24 * 60 * 60 * 1000;

/**
 * Tells each person whose change asked in Slack the bot's last run never finished (killed, or crashed: its audit
 * entry `started` has no end) what to do, within a day, and ends that entry as `error`, so each is told once. Only
 * entries from before `startedAt`, this run's start: a command of this run may have begun since.
 */
export async function tellInterrupted(
  audit: AuditLog,
  client: webApi.WebClient,
  log: Logger,
  startedAt: Date,
): Promise<void> {
  const cut = unfinished(await audit.recent()).filter(
    (entry) => entry.actor.kind === "slack" && Date.parse(entry.at) < startedAt.getTime(),
  );
  for (const entry of cut) {
    const { actor, action, target, channel, run } = entry;
    // One cut short long ago (before a restart that could tell it) is only ended in the audit log.
    if (startedAt.getTime() - Date.parse(entry.at) <= toldWithinMs) await tell(client, entry, log);
    await audit.record({ actor, action, target, channel, run, outcome: "error", detail: cutShortDetail });
  }
  if (cut.length)
    log.warn(
      { count: cut.length },
      "commands asked in Slack that the bot's last stop cut short: each person told, each audited as ended",
    );
}

/**
 * Where the person asked, seen by them alone; in their direct messages with the bot when they asked in no channel
 * (the Home tab) or the bot cannot post in that one (a private channel it is not in).
 */
async function tell(client: webApi.WebClient, entry: AuditEntry, log: Logger): Promise<void> {
  const { action, target, channel, actor } = entry;
  // Its time, and its day when that was not today.
  const day = entry.at.slice(0, 10);
  const when = `${day === new Date().toISOString().slice(0, 10) ? "" : `${day} `}${clockTime(entry.at)}`;
  const text = `The bot stopped before your \`${action}${target ? ` ${target}` : ""}\` of ${when} finished. ${stoppedBefore(action, true)}`;
  try {
    if (channel) {
      try {
        await client.chat.postEphemeral({ channel, user: actor.user, text });
        return;
      } catch (error) {
        log.info({ err: error, channel }, "could not tell in its channel; telling in a direct message");
      }
    }
    await client.chat.postMessage({ channel: actor.user, text });
  } catch (error) {
    log.warn({ err: error, channel }, "could not tell of a command the bot's last stop cut short");
  }
}
