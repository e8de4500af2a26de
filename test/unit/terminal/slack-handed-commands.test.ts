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

describe("commands from the terminal while the Slack bot runs", () => {
  it("are answered by the bot, and one still running when SIGTERM comes finishes and answers before the bot exits", async () => {
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
    const store = join(dir, "data", "ambassador.json");
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLACK_SIGNING_SECRET: "test-signing-secret",
      SLACK_BOT_TOKEN: "xoxb-test-token",
      SLACK_API_URL: `http://127.0.0.1:${(slack.address() as AddressInfo).port}/api/`,
      PORT: "0",
      AMBASSADOR_STORE: store,
      AMBASSADOR_KEY: randomBytes(32).toString("base64"),
      LOG_LEVEL: "warn",
    };
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
      await new Promise<void>((resolve) => slack.close(() => resolve()));
      slack.closeAllConnections();
    }
  }, 60_000);
});
