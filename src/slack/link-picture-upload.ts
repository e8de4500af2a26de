import type { webApi } from "@slack/bolt";
import pLimit from "p-limit";
import type { Outcome } from "../commands/execute.js";
import type { Logger } from "../logger.js";
import { factsOfResult, type LinkFacts } from "../render/link-facts.js";
import { linkSummary } from "../render/link-lines.js";
import { renderLinkPng } from "../render/link-picture.js";
import { slackPostDeadlineMs } from "./slack-fetch.js";
import type { WorkTracker } from "./work-tracker.js";

/** Where the picture goes: the channel the answer went to, and its thread when the answer is in one. */
export interface PictureDestination {
  channel: string;
  threadTs?: string;
}

/**
 * How many pictures are drawn at once, and how many more may wait for their turn. Each drawing holds the event
 * loop for some 20 ms (the SVG, the PNG's encoding) and a thread of libuv's pool for some 50 ms: drawn all at
 * once, a burst of `status` commands held the acks of other commands for seconds. Twenty waiting are drawn within
 * about two seconds; past that a picture would come long after its answer, so the person is told instead.
 */
const pictureLimits = { drawing: 1, waiting: 20 };

/** What the person is told when their answer comes without its picture because too many are waiting. */
const tooManyPictures =
  "Too many pictures are being drawn right now, so this answer comes without one; run the command again in a moment to get it.";

/**
 * Uploads the PNG of a link with Slack's external upload flow: ask for an upload URL, POST the bytes to it,
 * then complete the upload into the channel (and thread). Rejects with what went wrong; the caller logs it.
 */
export async function uploadLinkPicture(
  client: webApi.WebClient,
  facts: LinkFacts,
  png: Buffer,
  destination: PictureDestination,
): Promise<{ fileId: string; bytes: number }> {
  const summary = linkSummary(facts);
  const request = { filename: `link-${facts.id}.png`, length: png.length, alt_txt: summary };
  const started = await client.files.getUploadURLExternal(request);
  if (!started.upload_url || !started.file_id)
    throw new Error("files.getUploadURLExternal answered without an upload URL or file ID");
  const posted = await fetch(started.upload_url, {
    method: "POST",
    headers: { "content-type": "image/png" },
    body: png,
    signal: AbortSignal.timeout(slackPostDeadlineMs),
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
  return { slackApiUrl, logger, retryConfig: { retries: 0 }, timeout: slackPostDeadlineMs };
}

/** Sends the picture of the link an answer is about; `tell` posts a line to the person who asked. */
export type PictureSender = (
  outcome: Outcome,
  destination: PictureDestination | undefined,
  tell: (text: string) => Promise<unknown>,
) => void;

/**
 * Sends the picture of the link an answer is about (`link`, `status`, `repair`) once the answer is out, as work
 * the shutdown waits for; a failed upload is logged and the answer stands. Pictures are drawn one at a time, each
 * after the requests waiting for their ack (`afterAcks`); when too many wait already, the person is told so.
 */
export function createPictureSender(options: {
  client: webApi.WebClient;
  enabled: boolean;
  tracker: WorkTracker;
  afterAcks: () => Promise<void>;
  log: Logger;
  /** Where skipped pictures are logged, a line a minute at most. */
  refused: (message: string, fields?: object) => void;
}): PictureSender {
  const { client, enabled, tracker, afterAcks, log, refused } = options;
  const drawing = pLimit(pictureLimits.drawing);
  const draw = (facts: LinkFacts) =>
    drawing(async () => {
      await afterAcks();
      return renderLinkPng(facts);
    });
  return (outcome, destination, tell) => {
    if (!enabled || !outcome.ok || !destination) return;
    const facts = factsOfResult(outcome.result);
    if (!facts) return;
    if (drawing.activeCount + drawing.pendingCount >= pictureLimits.drawing + pictureLimits.waiting) {
      refused("too many pictures waiting to be drawn: answered without one", { link: facts.id });
      tracker.run(async () => {
        await tell(tooManyPictures).catch((error: unknown) =>
          log.warn({ err: error, link: facts.id }, "could not say that a picture was left out"),
        );
      });
      return;
    }
    tracker.run(async () => {
      try {
        const sent = await uploadLinkPicture(client, facts, await draw(facts), destination);
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
