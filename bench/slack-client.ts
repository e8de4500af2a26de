import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { slackSignature } from "../src/slack/signature.js";
import { slashCommand } from "../src/slack/slack-bot.js";

/** A message the bot posted to a response_url the client served. */
export interface ResponsePost {
  /** The response URL's own ID (one per slash command or button press). */
  id: string;
  body: {
    response_type?: string;
    text?: string;
    blocks?: { type: string; text?: { text: string }; accessory?: { action_id: string; value: string } }[];
    replace_original?: boolean;
  };
}

/** Who sends a request, and how it is signed. */
export interface SlashOptions {
  user?: string;
  team?: string;
  channel?: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Signs with this secret instead of the app's. */
  secret?: string;
  /** Sends this header instead of the computed signature; null sends none. */
  signature?: string | null;
}

/** How the bot answered a request. */
export interface SlashReply {
  status: number;
  /** The ack body: JSON when the bot answered with a message, else the raw text. */
  body: { response_type?: string; text?: string; blocks?: unknown[] } | string;
  elapsedMs: number;
  /** ID of the response URL given with the command, to wait for what is posted to it. */
  responseId: string;
}

/** A Web API call the bot made, with its arguments read from the form or JSON body. */
export interface ApiCall {
  method: string;
  body: string;
  args: Record<string, unknown>;
  /** What the stand-in answered. */
  answer?: unknown;
}

/** Requests to one running bot, signed as Slack signs them. */
export interface BotRequests {
  /** Sends an Events API callback (e.g. app_home_opened), as JSON. */
  event(event: Record<string, unknown>, options?: SlashOptions): Promise<SlashReply>;
  /** Sends an interaction payload (block_actions, view_submission, block_suggestion, shortcut) as Slack does. */
  interact(payload: Record<string, unknown>, options?: SlashOptions): Promise<SlashReply>;
  slash(text: string, options?: SlashOptions): Promise<SlashReply>;
  /**
   * Slash commands posted all at once from a process of its own (`bench/slack-burst.mjs`), as Slack's requests
   * come from elsewhere: the time to each ack is not the sender's own work on the bot's event loop.
   */
  burst(texts: readonly string[], options?: SlashOptions): Promise<SlashReply[]>;
  /** Presses a button of a message, as Slack sends a block_actions payload. */
  press(button: { action_id: string; value: string }, options?: SlashOptions): Promise<SlashReply>;
  /** Posts a raw body to /slack/events with the given headers. */
  postRaw(body: string, headers: Record<string, string>): Promise<{ status: number; text: string }>;
  /** The status /healthz answers with. */
  health(): Promise<number>;
}

/** Bytes the bot POSTed to an upload URL that `files.getUploadURLExternal` handed out. */
export interface UploadPost {
  fileId: string;
  contentType: string | undefined;
  bytes: Buffer;
}

/** Slack's side of the bot: serves response URLs and the Web API, and sends the bot signed requests. */
export interface SlackClient {
  signingSecret: string;
  botToken: string;
  /** The bot's Slack settings: this client's secret and token, and its Web API. */
  botEnv: { SLACK_SIGNING_SECRET: string; SLACK_BOT_TOKEN: string; SLACK_API_URL: string };
  responses: ResponsePost[];
  apiCalls: ApiCall[];
  /** Waits until the bot made `count` calls of a Web API method, and returns them. */
  waitForApi(method: string, count?: number, timeoutMs?: number): Promise<ApiCall[]>;
  uploads: UploadPost[];
  /** What reached this side, in order: `response <id>`, `api <method>`, `upload <file ID>`. */
  events: string[];
  /** Makes a Web API method answer `{ ok: false, error }`, as Slack does when it refuses; "upload" fails the POST of the bytes. */
  failApi(method: string, error: string): void;
  /**
   * Leaves every call of a Web API method unanswered, as a Slack that hangs does, until the client closes;
   * "response" every post to a response URL.
   */
  holdApi(method: string): void;
  /** Resolves once the Web API has received a call to `method`. */
  waitForApiCall(method: string, timeoutMs?: number): Promise<ApiCall>;
  /** Requests to the bot listening at `botUrl`, answered at this client's response URLs. */
  talkTo(botUrl: string): BotRequests;
  waitForResponses(responseId: string, count?: number, timeoutMs?: number): Promise<ResponsePost[]>;
  close(): Promise<void>;
}

const burstScript = new URL("./slack-burst.mjs", import.meta.url).pathname;

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** A Web API call's arguments: the Web API client sends a form whose object values are JSON. */
function readArgs(contentType: string | undefined, body: string): Record<string, unknown> {
  if (contentType?.startsWith("application/json")) {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    try {
      args[key] = value.startsWith("{") || value.startsWith("[") ? JSON.parse(value) : value;
    } catch {
      args[key] = value;
    }
  }
  return args;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

const authTest = {
  ok: true,
  url: "https://test.slack.com/",
  team: "Test",
  user: "ambassador",
  team_id: "T1",
  user_id: "UBOT",
  bot_id: "BBOT",
};

/** Starts the client's server on an ephemeral port, with a fresh bot token and signing secret (unless given). */
export async function startSlackClient(options: { signingSecret?: string } = {}): Promise<SlackClient> {
  const signingSecret = options.signingSecret ?? randomBytes(16).toString("hex");
  const botToken = `xoxb-${randomBytes(6).toString("hex")}-${randomBytes(12).toString("hex")}`;
  const responses: ResponsePost[] = [];
  const apiCalls: ApiCall[] = [];
  let viewSequence = 0;
  const uploads: UploadPost[] = [];
  const events: string[] = [];
  const failures = new Map<string, string>();
  const held = new Set<string>();
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of waiters) wake();
  };
  let files = 0;

  const apiAnswer = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    const error = failures.get(method);
    if (error) return { ok: false, error };
    if (method === "auth.test") return authTest;
    if (method.startsWith("views.")) return viewAnswer(args);
    if (method === "files.getUploadURLExternal") {
      files += 1;
      const fileId = `F${String(files).padStart(8, "0")}`;
      return { ok: true, file_id: fileId, upload_url: `${sinkUrl}/upload/${fileId}` };
    }
    return { ok: true };
  };

  const sink = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const raw = await readAll(req);
    const body = raw.toString();
    if (path.startsWith("/commands/") || path.startsWith("/actions/")) {
      const id = path.split("/").at(-1) ?? "";
      responses.push({ id, body: JSON.parse(body || "{}") });
      events.push(`response ${id}`);
      wakeAll();
      // Held as `holdApi("response")` asks: taken and never answered, until the poster closes the connection.
      if (held.has("response")) {
        req.socket.once("close", () => {
          events.push(`closed ${id}`);
          wakeAll();
        });
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (path.startsWith("/upload/") && req.method === "POST") {
      const fileId = path.slice("/upload/".length);
      uploads.push({ fileId, contentType: req.headers["content-type"], bytes: raw });
      events.push(`upload ${fileId}`);
      wakeAll();
      const refused = failures.get("upload");
      res
        .writeHead(refused ? 500 : 200, { "content-type": "text/plain" })
        .end(refused ?? `OK - ${raw.length}`);
      return;
    }
    if (path.startsWith("/api/")) {
      const method = path.slice("/api/".length);
      const args = readArgs(req.headers["content-type"], body);
      if (held.has(method)) {
        apiCalls.push({ method, body, args });
        events.push(`api ${method}`);
        wakeAll();
        return;
      }
      const answer = apiAnswer(method, args);
      apiCalls.push({ method, body, args, answer });
      events.push(`api ${method}`);
      wakeAll();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(404).end();
  });
  const sinkUrl = `http://127.0.0.1:${await listen(sink)}`;
  // Slack answers every views method with the view as it stands, under the ID it goes by from then on.
  function viewAnswer(args: Record<string, unknown>) {
    const view = typeof args.view === "object" && args.view ? args.view : {};
    viewSequence += 1;
    const id = typeof args.view_id === "string" ? args.view_id : `V${viewSequence}`;
    return { ok: true, view: { ...view, id, hash: `h${viewSequence}` } };
  }

  const waitFor = async <T>(find: () => T | undefined, what: () => string, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${what()} in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        waiters.add(wake);
      });
    }
  };

  let sequence = 0;
  const newResponseUrl = (kind: "commands" | "actions", team: string) => {
    sequence += 1;
    const id = `${sequence}${randomBytes(8).toString("hex")}`;
    return { id, url: `${sinkUrl}/${kind}/${team}/${sequence}/${id}` };
  };

  const talkTo = (botUrl: string): BotRequests => {
    const postRaw = async (body: string, headers: Record<string, string>) => {
      const response = await fetch(`${botUrl}/slack/events`, { method: "POST", body, headers });
      return { status: response.status, text: await response.text() };
    };
    const signed = (body: string, contentType: string, options: SlashOptions) => {
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        "content-type": contentType,
        "x-slack-request-timestamp": timestamp,
      };
      const signature =
        options.signature === undefined
          ? slackSignature(options.secret ?? signingSecret, timestamp, body)
          : options.signature;
      if (signature !== null) headers["x-slack-signature"] = signature;
      return { body, headers };
    };
    const parseReply = (text: string): SlashReply["body"] => {
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    };
    const send = async (
      body: string,
      contentType: string,
      responseId: string,
      options: SlashOptions,
    ): Promise<SlashReply> => {
      const request = signed(body, contentType, options);
      const started = performance.now();
      const reply = await postRaw(request.body, request.headers);
      const elapsedMs = performance.now() - started;
      return { status: reply.status, body: parseReply(reply.text), elapsedMs, responseId };
    };
    const slashForm = (text: string, options: SlashOptions) => {
      const team = options.team ?? "T1";
      const response = newResponseUrl("commands", team);
      const form = new URLSearchParams({
        token: "legacy-verification-token",
        team_id: team,
        team_domain: "test",
        channel_id: options.channel ?? "C1",
        channel_name: "ops",
        user_id: options.user ?? "UADMIN",
        user_name: "someone",
        command: slashCommand,
        text,
        api_app_id: "A1",
        is_enterprise_install: "false",
        response_url: response.url,
        trigger_id: `${sequence}.1.abc`,
      });
      return { body: form.toString(), responseId: response.id };
    };
    const signedSend = async (body: string, contentType: string, options: SlashOptions) =>
      send(body, contentType, "", options);
    return {
      postRaw,
      event(event, options = {}) {
        const team = options.team ?? "T1";
        const envelope = {
          token: "legacy-verification-token",
          team_id: team,
          api_app_id: "A1",
          type: "event_callback",
          event_id: `Ev${randomBytes(6).toString("hex")}`,
          event_time: Math.floor(Date.now() / 1000),
          event: { user: options.user ?? "UADMIN", event_ts: "1.1", ...event },
        };
        return signedSend(JSON.stringify(envelope), "application/json", options);
      },
      interact(payload, options = {}) {
        const team = options.team ?? "T1";
        const response = newResponseUrl("actions", team);
        const full = {
          team: { id: team, domain: "test" },
          user: { id: options.user ?? "UADMIN", username: "someone", team_id: team },
          api_app_id: "A1",
          token: "legacy-verification-token",
          trigger_id: `${sequence}.1.abc`,
          ...payload,
        };
        return send(
          new URLSearchParams({ payload: JSON.stringify(full) }).toString(),
          "application/x-www-form-urlencoded",
          response.id,
          options,
        );
      },
      slash(text, options = {}) {
        const { body, responseId } = slashForm(text, options);
        return send(body, "application/x-www-form-urlencoded", responseId, options);
      },
      async burst(texts, options = {}) {
        const forms = texts.map((text) => slashForm(text, options));
        const input = {
          url: botUrl,
          requests: forms.map(({ body }) => signed(body, "application/x-www-form-urlencoded", options)),
        };
        const stdout = await new Promise<string>((resolve, reject) => {
          const child = execFile(
            process.execPath,
            [burstScript],
            { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
            (error, out) => (error ? reject(error) : resolve(out)),
          );
          child.stdin?.end(JSON.stringify(input));
        });
        const replies = JSON.parse(stdout) as { status: number; text: string; elapsedMs: number }[];
        return replies.map((reply, i) => ({
          status: reply.status,
          body: parseReply(reply.text),
          elapsedMs: reply.elapsedMs,
          responseId: forms[i]?.responseId ?? "",
        }));
      },
      press(button, options = {}) {
        const team = options.team ?? "T1";
        const response = newResponseUrl("actions", team);
        const payload = {
          type: "block_actions",
          team: { id: team, domain: "test" },
          user: { id: options.user ?? "UADMIN", username: "someone", team_id: team },
          api_app_id: "A1",
          token: "legacy-verification-token",
          container: {
            type: "message",
            message_ts: "1.2",
            channel_id: options.channel ?? "C1",
            is_ephemeral: true,
          },
          trigger_id: `${sequence}.1.abc`,
          channel: { id: options.channel ?? "C1", name: "ops" },
          response_url: response.url,
          actions: [
            {
              type: "button",
              action_id: button.action_id,
              block_id: "b1",
              value: button.value,
              text: { type: "plain_text", text: "Tear down" },
              action_ts: "1.3",
            },
          ],
        };
        return send(
          new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
          "application/x-www-form-urlencoded",
          response.id,
          options,
        );
      },
      async health() {
        return (await fetch(`${botUrl}/healthz`)).status;
      },
    };
  };

  return {
    signingSecret,
    botToken,
    botEnv: {
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_BOT_TOKEN: botToken,
      SLACK_API_URL: `${sinkUrl}/api/`,
    },
    responses,
    apiCalls,
    talkTo,
    uploads,
    events,
    failApi(method, error) {
      failures.set(method, error);
    },
    holdApi(method) {
      held.add(method);
    },
    waitForApi(method, count = 1, timeoutMs = 10_000) {
      return waitFor(
        () => {
          const found = apiCalls.filter((call) => call.method === method);
          return found.length >= count ? found : undefined;
        },
        () => `${count} ${method} call(s), got ${apiCalls.filter((call) => call.method === method).length}`,
        timeoutMs,
      );
    },
    waitForApiCall(method, timeoutMs = 10_000) {
      return waitFor(
        () => apiCalls.find((call) => call.method === method),
        () => `a call to ${method}`,
        timeoutMs,
      );
    },
    waitForResponses(responseId, count = 1, timeoutMs = 10_000) {
      return waitFor(
        () => {
          const found = responses.filter((r) => r.id === responseId);
          return found.length >= count ? found : undefined;
        },
        () =>
          `${count} post(s) to response URL ${responseId}, got ${responses.filter((r) => r.id === responseId).length}`,
        timeoutMs,
      );
    },
    async close() {
      const closed = new Promise<void>((resolve) => sink.close(() => resolve()));
      // Calls still held are cut, as a Slack that went away cuts them.
      sink.closeAllConnections();
      await closed;
    },
  };
}
