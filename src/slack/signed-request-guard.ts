import type { IncomingMessage, ServerResponse } from "node:http";
import type { HTTPReceiver } from "@slack/bolt";
import type { Logger } from "../logger.js";
import { oneAtATime } from "./pipelined-requests.js";
import { isRateLimitNotice, requestBodyProblem } from "./request-body.js";
import { SeenSignatures } from "./seen-signatures.js";
import { checkSignatureHeaders, verifySlackRequest } from "./signature.js";

/** What the guard needs to know besides the request. */
export interface SignedRequestGuardOptions {
  signingSecret: string;
  eventsPath: string;
  /** The one slash command answered: a signed command of another name is refused. */
  slashCommand: string;
  /** The one other path served: GET or HEAD only, its answer short, one a connection. */
  healthPath: string;
  bodyBytes: number;
  bodyDeadlineMs: number;
  log: Logger;
  /** Where refusals are logged, a line a minute per kind at most. */
  refused: (message: string, fields?: object) => void;
  /** Called for a request handed on to Bolt, so its connection is not closed while it is answered. */
  answering(res: ServerResponse): void;
  /** Called for every request to the events path once it proved to be Slack's (signed, not sent before), until its answer is sent. */
  waiting?(res: ServerResponse): void;
  /** The signatures taken before, this run's and, with a journal, the last runs'. */
  seen?: SeenSignatures;
}

type BodyRead = { body: Buffer } | { refuse: 400 | 408 | 413 };

function readBody(req: IncomingMessage, limit: number, deadlineMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (read: BodyRead) => {
      clearTimeout(deadline);
      req.removeAllListeners("data");
      req.pause();
      resolve(read);
    };
    const deadline = setTimeout(() => finish({ refuse: 408 }), deadlineMs);
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish({ refuse: 413 });
      else chunks.push(chunk);
    });
    req.once("end", () => finish({ body: Buffer.concat(chunks) }));
    req.once("error", () => finish({ refuse: 400 }));
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

/** The methods a health check may use: HEAD too, as uptime monitors do. */
export const healthMethods = ["GET", "HEAD"];

export function isHealthCheck(method: string | undefined): boolean {
  return healthMethods.includes(method ?? "");
}

/** The coding a request says its body is in, besides none and chunked framing; undefined when there is none. */
function encodedAs(req: IncomingMessage): string | undefined {
  const content = (req.headers["content-encoding"] ?? "").trim().toLowerCase();
  if (content !== "" && content !== "identity") return `Content-Encoding ${content.slice(0, 40)}`;
  const transfer = (req.headers["transfer-encoding"] ?? "")
    .toLowerCase()
    .split(",")
    .map((part) => part.trim());
  const other = transfer.find((part) => part !== "" && part !== "chunked" && part !== "identity");
  return other === undefined ? undefined : `Transfer-Encoding ${other.slice(0, 40)}`;
}

/** What a refused body is told, by status: one line that says what to send instead. */
function bodyRefusals(options: Pick<SignedRequestGuardOptions, "bodyBytes" | "bodyDeadlineMs">) {
  return {
    400: "Bad request: the body was cut off; send it whole.",
    408: `Request timeout: the body took over ${options.bodyDeadlineMs / 1000} s; send it at once, as Slack does.`,
    413: `Payload too large: a body may hold ${options.bodyBytes} bytes at most, as Slack's do.`,
  } as const;
}

// The connection is closed with every refusal: the rest of an unread body must not be taken for a request.
function refuse(
  res: ServerResponse,
  status: number,
  line?: string,
  headers: Record<string, string> = {},
): void {
  const body = line === undefined ? undefined : `${line}\n`;
  if (!res.headersSent) {
    const type = body === undefined ? {} : { "content-type": "text/plain; charset=utf-8" };
    const length = { "content-length": String(body === undefined ? 0 : Buffer.byteLength(body)) };
    res.writeHead(status, { connection: "close", ...type, ...length, ...headers });
  }
  res.end(body);
}

/**
 * Checks every POST to the events path before Bolt sees it: signature headers first (missing or stale: a
 * bare 401 without reading the body), then the body against its size cap and deadline, then the signature, then
 * that it was not taken before (a replay), then that the body is a request Slack sends this app (./request-body.ts),
 * the one place a body's shape is decided. Bolt 5 refuses stale timestamps but not future ones, takes a request sent
 * again, reads 4 MB with no deadline, crashes the process on a signed `null`, and hands a repeated form field to
 * the listener as an array.
 */
export function guardSignedRequests(receiver: HTTPReceiver, options: SignedRequestGuardOptions): void {
  const { signingSecret, eventsPath, healthPath, log, refused } = options;
  const seen = options.seen ?? new SeenSignatures();
  const bodyRefused = bodyRefusals(options);
  const boltListener = receiver.requestListener;
  receiver.requestListener = oneAtATime((req, res) => {
    // Node answers these two itself unless the server says otherwise, outside any listener, where what a connection
    // sent behind them would not be held back: they are answered here, as every other refusal.
    if (req.httpVersion === "1.1" && req.headers.host === undefined)
      return refuse(res, 400, "Bad request: no Host header; send one, as HTTP/1.1 asks.");
    const expectation = req.headers.expect;
    if (expectation !== undefined && !/^100-continue$/i.test(expectation))
      return refuse(
        res,
        417,
        "Expectation failed: the bot knows only Expect: 100-continue; send that or none.",
      );
    const path = pathOf(req.url);
    // A target no URL parser takes (`//a:99999`) is the client's mistake: 400, not Bolt's 500 and an error log.
    if (path === undefined)
      return refuse(res, 400, `Bad request: the target is no URL path; send POST ${eventsPath}.`);
    // Bolt's route answers it, once a connection.
    if (path === healthPath && isHealthCheck(req.method)) return boltListener(req, res);
    if (path === healthPath || (path === eventsPath && req.method !== "POST")) {
      refused("refused requests for other paths or methods", { status: 405 });
      const allow = path === healthPath ? healthMethods.join(", ") : "POST";
      return refuse(res, 405, `Method not allowed: ${path} takes ${allow}.`, { allow });
    }
    if (path !== eventsPath) {
      // Bolt would log each one, its whole URL included, and read any body it comes with.
      refused("refused requests for other paths or methods", { status: 404 });
      return refuse(res, 404, `Not found: the bot serves POST ${eventsPath} and GET ${healthPath}.`);
    }
    // Read only when a refusal is logged: a peer address costs a system call per request.
    const remote = () => req.socket.remoteAddress;
    const timestamp = header(req, "x-slack-request-timestamp");
    const signature = header(req, "x-slack-signature");
    const headerProblem = checkSignatureHeaders({ timestamp, signature });
    if (headerProblem) {
      refused("refused a request not signed by Slack", { problem: headerProblem, remote: remote() });
      return refuse(res, 401);
    }
    if (Number(req.headers["content-length"] ?? 0) > options.bodyBytes) {
      refused("refused a request body over the size limit", { remote: remote() });
      return refuse(res, 413, bodyRefused[413]);
    }
    // Slack sends its bodies as they are; one said to be compressed or otherwise coded would be read as it is.
    const coding = encodedAs(req);
    if (coding) {
      refused("refused a request body in a coding the bot does not read", { coding, remote: remote() });
      return refuse(res, 415, `Unsupported coding: ${coding}; send the body as it is, as Slack does.`);
    }
    void (async () => {
      // Asked to say whether to send the body (Expect: 100-continue): only now, its headers taken, does it say yes.
      if (/^100-continue$/i.test(req.headers.expect ?? "")) res.writeContinue();
      const read = await readBody(req, options.bodyBytes, options.bodyDeadlineMs);
      if ("refuse" in read) {
        refused("refused a request body: too large, too slow or cut off", {
          status: read.refuse,
          remote: remote(),
        });
        refuse(res, read.refuse, bodyRefused[read.refuse]);
        return;
      }
      const problem = verifySlackRequest(signingSecret, { timestamp, signature, body: read.body });
      if (problem) {
        refused("refused a request not signed by Slack", { problem, remote: remote() });
        refuse(res, 401);
        return;
      }
      if (seen.seenBefore(signature as string, timestamp as string)) {
        refused("refused a signed request sent again", { remote: remote() });
        refuse(res, 401);
        return;
      }
      // Slack's own request from here: work after other acks waits for its ack. Not before: one that only claims
      // to be Slack's, sending its body slowly, would hold that work up.
      options.waiting?.(res);
      const bodyProblem = requestBodyProblem(header(req, "content-type"), read.body, options.slashCommand);
      if (bodyProblem) {
        refused("refused a signed request whose body Slack would not send", {
          problem: bodyProblem,
          remote: remote(),
        });
        refuse(res, 400, `Bad request: ${bodyProblem}.`);
        return;
      }
      if (isRateLimitNotice(header(req, "content-type"), read.body)) {
        log.warn("Slack holds back this app's events for a while (app_rate_limited)");
        res.writeHead(200).end();
        return;
      }
      Object.assign(req, { rawBody: read.body });
      options.answering(res);
      boltListener(req, res);
    })().catch((error: unknown) => {
      log.error({ err: error }, "could not handle a request");
      refuse(res, 500);
    });
  });
}
