import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab } from "../lab.js";
import { ambassador, type BotProcess, startTerminalBot } from "../support/bot-process.js";

describe("clusters registered while the bot runs, on the lab's TLS hosts", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "amb-live-clusters-"));
    const { SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, ...rest } = process.env;
    env = {
      ...rest,
      AMBASSADOR_STORE: join(dir, "data", "ambassador.json"),
      AMBASSADOR_KEY: randomBytes(32).toString("base64"),
      LOG_LEVEL: "warn",
    };
  });

  afterAll(async () => {
    bot?.child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("adds clustera from a second process and the running bot reaches it over TLS at once", async () => {
    bot = await startTerminalBot(env);
    const bundle = lab().clustera.envFile;
    const added = await ambassador(
      ["clusters", "add", "clustera", "--env-file", "docker.env"],
      dirname(bundle),
      env,
    );
    expect(added.stderr).toBe("");
    expect(added.stdout).toMatch(
      /^Added cluster clustera: tcp:\/\/.*:\d+ over TLS \(server certificate verified\)/,
    );
    const tested = await ambassador(["clusters", "test"], dir, env);
    expect(tested).toMatchObject({ code: 0 });
    expect(tested.stdout).toMatch(/clustera +ok/);
    expect(await bot.ask("clusters", /reachable|unreachable|cannot/)).toMatch(
      /clustera: tcp:\/\/.*reachable in \d+ ms/,
    );
    expect(await bot.ask("ports amb-no-such-container", /ambassador> $/)).toContain(
      "No container named amb-no-such-container on clustera.",
    );
    bot.child.stdin?.end("exit\n");
    expect(await bot.exited).toBe(0);
  });
});
