import type { webApi } from "@slack/bolt";
import type { Outcome } from "../commands/execute.js";
import type { Logger } from "../logger.js";
import { factsOfResult, type LinkFacts } from "../render/link-facts.js";
import { linkSummary } from "../render/link-lines.js";
import { renderLinkPng } from "../render/link-picture.js";
import type { WorkTracker } from "./work-tracker.js";

/** Where the picture goes: the channel the answer went to, and its thread when the answer is in one. */
export interface PictureDestination {
  channel: string;
  threadTs?: string;
}

/** How long the POST of the bytes to Slack's upload URL may take. */
const uploadDeadlineMs = 10_000;

/**
 * Uploads the PNG of a link with Slack's external upload flow: ask for an upload URL, POST the bytes to it,
 * then complete the upload into the channel (and thread). Rejects with what went wrong; the caller logs it.
 */
export async function uploadLinkPicture(
  client: webApi.WebClient,
  facts: LinkFacts,
  destination: PictureDestination,
): Promise<{ fileId: string; bytes: number }> {
  const png = await renderLinkPng(facts);
  const summary = linkSummary(facts);
  const request = { filename: `link-${facts.id}.png`, length: png.length, alt_txt: summary };
  const started = await client.files.getUploadURLExternal(request);
  if (!started.upload_url || !started.file_id)
    throw new Error("files.getUploadURLExternal answered without an upload URL or file ID");
  const posted = await fetch(started.upload_url, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: png,
    signal: AbortSignal.timeout(uploadDeadlineMs),
  });
  await posted.arrayBuffer().catch(() => undefined);
  if (!posted.ok) throw new Error(`the upload URL answered HTTP ${posted.status}`);
  const files: [{ id: string; title: string }] = [{ id: started.file_id, title: summary }];
  await client.files.completeUploadExternal(
    destination.threadTs
      ? { files, channel_id: destination.channel, thread_ts: destination.threadTs }
      : { files, channel_id: destination.channel },
  );
  return { fileId: started.file_id, bytes: png.length };
}

/** The upload client's settings: a picture is worth one try, not the half hour of retries that would hold up a shutdown. */
export function pictureClientOptions(
  slackApiUrl: string | undefined,
  logger: webApi.WebClientOptions["logger"],
): webApi.WebClientOptions {
  return { slackApiUrl, logger, retryConfig: { retries: 0 }, timeout: uploadDeadlineMs };
}

/**
 * Sends the picture of the link an answer is about (`link`, `status`, `repair`) once the answer is out, as work
 * the shutdown waits for; a failed upload is logged and the answer stands.
 */
export function createPictureSender(options: {
  client: webApi.WebClient;
  enabled: boolean;
  tracker: WorkTracker;
  log: Logger;
}): (outcome: Outcome, destination: PictureDestination | undefined) => void {
  const { client, enabled, tracker, log } = options;
  return (outcome, destination) => {
    if (!enabled || !outcome.ok || !destination) return;
    const facts = factsOfResult(outcome.result);
    if (!facts) return;
    tracker.run(async () => {
      // Drawing takes tens of milliseconds: never inside the turn that answers Slack.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        const sent = await uploadLinkPicture(client, facts, destination);
        log.info({ link: facts.id, file: sent.fileId, bytes: sent.bytes }, "posted the picture of a link");
      } catch (error) {
        log.warn(
          { err: error, link: facts.id },
          "could not post the picture of a link; the text answer stands",
        );
      }
    });
  };
}
