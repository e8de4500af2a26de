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

/** Requests to one running bot, signed as Slack signs them. */
export interface BotRequests {
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

/** Slack's side of the bot: serves response URLs and the Web API, and sends the bot signed requests. */
export interface SlackClient {
  signingSecret: string;
  botToken: string;
  /** The bot's Slack settings: this client's secret and token, and its Web API. */
  botEnv: { SLACK_SIGNING_SECRET: string; SLACK_BOT_TOKEN: string; SLACK_API_URL: string };
  responses: ResponsePost[];
  apiCalls: { method: string; body: string }[];
  /** Requests to the bot listening at `botUrl`, answered at this client's response URLs. */
  talkTo(botUrl: string): BotRequests;
  waitForResponses(responseId: string, count?: number, timeoutMs?: number): Promise<ResponsePost[]>;
  close(): Promise<void>;
}

const burstScript = new URL("./slack-burst.mjs", import.meta.url).pathname;

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
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

/** Starts the client's server on an ephemeral port, with a fresh signing secret and bot token. */
export async function startSlackClient(): Promise<SlackClient> {
  const signingSecret = randomBytes(16).toString("hex");
  const botToken = `xoxb-${randomBytes(6).toString("hex")}-${randomBytes(12).toString("hex")}`;
  const responses: ResponsePost[] = [];
  const apiCalls: { method: string; body: string }[] = [];
  const waiters = new Set<() => void>();

  const sink = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const body = await readAll(req);
    if (path.startsWith("/commands/") || path.startsWith("/actions/")) {
      responses.push({ id: path.split("/").at(-1) ?? "", body: JSON.parse(body || "{}") });
      for (const wake of waiters) wake();
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (path.startsWith("/api/")) {
      const method = path.slice("/api/".length);
      apiCalls.push({ method, body });
      const answer = method === "auth.test" ? authTest : { ok: true };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      return;
    }
    res.writeHead(404).end();
  });
  const sinkUrl = `http://127.0.0.1:${await listen(sink)}`;

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
    const signed = (form: URLSearchParams, options: SlashOptions) => {
      const body = form.toString();
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        "content-type": "application/x-www-form-urlencoded",
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
      form: URLSearchParams,
      responseId: string,
      options: SlashOptions,
    ): Promise<SlashReply> => {
      const { body, headers } = signed(form, options);
      const started = performance.now();
      const reply = await postRaw(body, headers);
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
      return { form, responseId: response.id };
    };
    return {
      postRaw,
      slash(text, options = {}) {
        const { form, responseId } = slashForm(text, options);
        return send(form, responseId, options);
      },
      async burst(texts, options = {}) {
        const forms = texts.map((text) => slashForm(text, options));
        const input = { url: botUrl, requests: forms.map(({ form }) => signed(form, options)) };
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
        return send(new URLSearchParams({ payload: JSON.stringify(payload) }), response.id, options);
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
    async waitForResponses(responseId, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = responses.filter((r) => r.id === responseId);
        if (found.length >= count) return found;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `expected ${count} post(s) to response URL ${responseId}, got ${found.length} in ${timeoutMs} ms`,
          );
        }
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
    },
    async close() {
      await new Promise<void>((resolve) => sink.close(() => resolve()));
      sink.closeAllConnections();
    },
  };
}
