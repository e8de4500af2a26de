import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type SlackClient, startSlackClient } from "../../bench/slack-client.js";
import { eventsRequestHead, eventually, openRaw, type RawClient, sleep } from "../support/raw-http.js";

/** Whether another process could take the store's lock now (`flock` on its lock file, as the bot takes it). */
function lockFree(store: string): boolean {
  return spawnSync("flock", ["--nonblock", "--exclusive", `${store}.lock`, "true"]).status === 0;
}

const repo = new URL("../../", import.meta.url).pathname;
const cli = join(repo, "src/cli.ts");
const crashingBot = join(repo, "test/fixtures/crashing-bot.ts");

interface BotProcess {
  child: ChildProcess;
  port: number;
  log: () => string;
  exited: Promise<{ code: number | null; atMs: number }>;
}

let dir: string;
let slack: SlackClient;
let store: string;
const children: ChildProcess[] = [];
const clients: RawClient[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ambassador-process-"));
  store = join(dir, "data", "ambassador.json");
  slack = await startSlackClient();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await slack.close();
  await rm(dir, { recursive: true, force: true });
});

/** Starts the bot in a process of its own, over a store in a fresh folder, serving Slack on 127.0.0.1. */
async function startBot(script: string, args: string[] = []): Promise<BotProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: repo,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      ...slack.botEnv,
      PORT: "0",
      HOST: "127.0.0.1",
      AMBASSADOR_STORE: store,
      AMBASSADOR_KEY: randomBytes(32).toString("base64"),
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; atMs: number }>((resolve) =>
    child.once("exit", (code) => resolve({ code, atMs: performance.now() })),
  );
  const started = await eventually(() => /Slack bot started/.test(log), 20_000);
  if (!started) throw new Error(`the bot did not start:\n${log}`);
  const port = Number(/"port":(\d+)/.exec(log)?.[1]);
  return { child, port, log: () => log, exited };
}

async function open(port: number): Promise<RawClient> {
  const client = await openRaw(port);
  clients.push(client);
  return client;
}

describe("the bot as a process", () => {
  it("exits 0 within seconds of SIGTERM with slow and idle clients still connected, releasing the store", async () => {
    const bot = await startBot(cli);
    const dripBody = await open(bot.port);
    const body = "text=".padEnd(60, "a");
    await dripBody.write(eventsRequestHead({ length: body.length, secret: slack.signingSecret, body }));
    const dripHeaders = await open(bot.port);
    const idle = await open(bot.port);
    await idle.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(await eventually(() => idle.status() === 200, 2_000)).toBe(true);
    let dripping = true;
    const drip = (async () => {
      const head = "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      for (let index = 0; dripping && index < body.length; index += 1) {
        await dripBody.write(body.charAt(index));
        await dripHeaders.write(head.charAt(index));
        await sleep(1_000);
      }
    })();
    await sleep(1_500);
    expect(lockFree(store)).toBe(false);

    const signalled = performance.now();
    bot.child.kill("SIGTERM");
    const exit = await Promise.race([bot.exited, sleep(15_000).then(() => undefined)]);
    dripping = false;
    await drip;
    expect(exit?.code).toBe(0);
    expect((exit?.atMs ?? Number.POSITIVE_INFINITY) - signalled).toBeLessThan(6_000);
    expect(lockFree(store)).toBe(true);
  }, 30_000);

  for (const kind of ["exception", "rejection"] as const) {
    it(`logs an unhandled ${kind}, closes the store and exits 1`, async () => {
      const bot = await startBot(crashingBot, [kind]);
      expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
      bot.child.kill("SIGUSR2");
      const exit = await Promise.race([bot.exited, sleep(10_000).then(() => undefined)]);
      expect(exit?.code).toBe(1);
      const fatal = bot
        .log()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } })
        .find((entry) => entry.level === 60);
      expect(fatal?.msg).toBe("unexpected error: closing the store and exiting");
      expect(fatal?.err?.message).toMatch(/nothing (caught|handled)/);
      expect(lockFree(store)).toBe(true);
      expect(JSON.parse(await readFile(store, "utf8"))).toBeTypeOf("object");
    }, 30_000);
  }
});
