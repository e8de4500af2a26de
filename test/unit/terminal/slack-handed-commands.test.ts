import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/main.js";
import { ambassador } from "../../support/bot-process.js";
import { CapturedOutput } from "../../support/fakes.js";
import { handSlowCommandAndStop } from "../../support/handed-during-stop.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-slack-handed-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Slack's Web API as the bot sees it at start: every call answered ok. */
async function fakeSlackApi() {
  const slack = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = req.url?.startsWith("/api/auth.test")
        ? { ok: true, user_id: "UBOT", team_id: "T1", bot_id: "B1" }
        : { ok: true };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => slack.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`,
    async close() {
      await new Promise<void>((resolve) => slack.close(() => resolve()));
      slack.closeAllConnections();
    },
  };
}

/** A Slack bot's environment over a store of its own in the test's folder. */
function slackBotEnv(apiUrl: string, port: string) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SLACK_SIGNING_SECRET: "test-signing-secret",
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_API_URL: apiUrl,
    PORT: port,
    HOST: "127.0.0.1",
    AMBASSADOR_STORE: join(dir, "data", "ambassador.json"),
    AMBASSADOR_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "warn",
  };
}

describe("the Slack bot's start on a port another process holds", () => {
  it("says so in one line, exits 1 and leaves the store free", async () => {
    const slack = await fakeSlackApi();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", () => resolve()));
    const port = (holder.address() as AddressInfo).port;
    const env = slackBotEnv(slack.url, String(port));
    const stderr = new CapturedOutput();
    const log = new CapturedOutput();
    const exits: number[] = [];
    try {
      const code = await main([], {
        env,
        stdin: new PassThrough(),
        stdout: new CapturedOutput(),
        stderr,
        log,
        exit: (exited) => void exits.push(exited),
      });
      expect(code).toBe(1);
      expect(stderr.text).toBe(
        `Could not start: port ${port} on 127.0.0.1 is taken by another process; stop it, or set PORT to a free port\n`,
      );
      expect(log.text).not.toContain("unexpected error");
      expect(exits).toEqual([]);
      expect(await ambassador(["list"], dir, env)).toMatchObject({ code: 0 });
    } finally {
      holder.close();
      await slack.close();
    }
  }, 30_000);
});

describe("commands from the terminal while the Slack bot runs", () => {
  it("are answered by the bot, and one still running when SIGTERM comes finishes and answers before the bot exits", async () => {
    const slack = await fakeSlackApi();
    const env = slackBotEnv(slack.url, "0");
    const store = env.AMBASSADOR_STORE;
    const events: string[] = [];
    const exited = new Promise<number>((resolve) => {
      void main([], {
        env,
        stdin: new PassThrough(),
        stdout: new CapturedOutput(),
        stderr: new CapturedOutput(),
        log: new CapturedOutput(),
        exit: (code) => {
          events.push(`exit ${code}`);
          resolve(code);
        },
      });
    });
    try {
      await expect
        .poll(() => stat(`${store}.sock`).then((s) => s.isSocket()), { timeout: 20_000 })
        .toBe(true);
      const listed = await ambassador(["list"], dir, env);
      expect(listed).toMatchObject({ code: 0, stderr: "Reading the links…\n" });
      expect(listed.stdout).toContain("No links");

      await handSlowCommandAndStop(dir, env);
      expect(await exited).toBe(0);
      expect(events).toEqual(["exit 0"]);
      await expect(stat(`${store}.sock`)).rejects.toThrow("ENOENT");
    } finally {
      await slack.close();
    }
  }, 60_000);
});
