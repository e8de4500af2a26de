import { connect, type Socket } from "node:net";
import { slackSignature } from "../../src/slack/signature.js";

/** One TCP connection to the bot, written by hand as an attacker (or a slow client) would. */
export interface RawClient {
  socket: Socket;
  /** Every byte the bot sent back. */
  readonly received: string;
  /** The status of the first response, once its status line has arrived. */
  status(): number | undefined;
  /** Resolves with the ms from connecting until the bot closed (or reset) the connection. */
  closed: Promise<number>;
  /** Whether the bot has closed the connection yet. */
  readonly isClosed: boolean;
  write(text: string | Buffer): Promise<boolean>;
}

/**
 * Opens a connection to 127.0.0.1:port and resolves once it is connected; from another loopback address (such as
 * 127.0.0.2) when `from` is given, as a second client host.
 */
export function openRaw(port: number, from?: string): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ port, host: "127.0.0.1", localAddress: from });
    let received = "";
    let isClosed = false;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    const closed = new Promise<number>((done) => {
      socket.on("close", () => {
        isClosed = true;
        done(performance.now() - started);
      });
    });
    // A reset from the bot is how some refusals end; the test reads `closed` instead.
    socket.on("error", () => {});
    socket.once("connect", () =>
      resolve({
        socket,
        closed,
        get received() {
          return received;
        },
        get isClosed() {
          return isClosed;
        },
        status() {
          const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
          return match ? Number(match[1]) : undefined;
        },
        write(text) {
          return new Promise((done) => {
            if (socket.destroyed) done(false);
            else socket.write(text, (error) => done(!error));
          });
        },
      }),
    );
    socket.once("error", reject);
  });
}

/** Headers of a POST to /slack/events announcing `length` bytes, signed over `body` when a secret is given. */
export function eventsRequestHead(options: {
  length: number;
  contentType?: string;
  secret?: string;
  body?: string;
  timestamp?: number;
}): string {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const lines = [
    "POST /slack/events HTTP/1.1",
    "Host: 127.0.0.1",
    `Content-Type: ${options.contentType ?? "application/x-www-form-urlencoded"}`,
    `Content-Length: ${options.length}`,
    `X-Slack-Request-Timestamp: ${timestamp}`,
  ];
  if (options.secret !== undefined)
    lines.push(`X-Slack-Signature: ${slackSignature(options.secret, timestamp, options.body ?? "")}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** A slash command's form as Slack sends it, from UADMIN in C1, answered at `responseUrl`. */
export function slashCommandBody(responseUrl: string, text = "help"): string {
  return new URLSearchParams({
    team_id: "T1",
    channel_id: "C1",
    user_id: "UADMIN",
    command: "/ambassador",
    text,
    response_url: responseUrl,
  }).toString();
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 20 ms until it is true or `timeoutMs` passes; resolves to whether it became true. */
export async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) return false;
    await sleep(20);
  }
  return true;
}

/** Posts a body to the bot at `to.url`, signed as Slack signs it. */
export function postSigned(
  to: { url: string; signingSecret: string },
  body: string,
  contentType = "application/x-www-form-urlencoded",
): Promise<Response> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${to.url}/slack/events`, {
    method: "POST",
    body,
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(to.signingSecret, timestamp, body),
    },
  });
}
