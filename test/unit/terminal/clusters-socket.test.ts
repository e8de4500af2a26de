import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { engineLikeHandler, startLoopbackServer } from "../../loopback-server.js";
import {
  type BotProcess,
  ambassador as runAmbassador,
  startTerminalBot,
  tsxLoader,
} from "../../support/bot-process.js";
import { type LineChild, spawnLines } from "../../support/child-lines.js";

const holdStore = new URL("../../fixtures/contend-store.ts", import.meta.url).pathname;
const cliPath = new URL("../../../src/cli.ts", import.meta.url).pathname;

let dir: string;
let env: NodeJS.ProcessEnv;
let store: string;
const running: LineChild[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-socket-"));
  store = join(dir, "data", "ambassador.json");
  const { SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, ...rest } = process.env;
  env = {
    ...rest,
    AMBASSADOR_STORE: store,
    AMBASSADOR_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "warn",
  };
});

afterEach(async () => {
  for (const { child } of running.splice(0)) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

function ambassador(args: string[], cwd: string) {
  return runAmbassador(args, cwd, env);
}

async function startBot(): Promise<BotProcess> {
  const bot = await startTerminalBot(env);
  running.push(bot);
  return bot;
}

describe("ambassador clusters while the bot runs", () => {
  it("is handed to the running bot, which uses the change at once", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    const bundle = join(dir, "bundle");
    await mkdir(bundle);
    await writeFile(join(bundle, "docker.env"), `DOCKER_HOST=${engine.url}\n`);
    const bot = await startBot();
    expect(await bot.ask("clusters", /ambassador> $/)).toContain("No clusters");

    // A path relative to where the person typed it, read by the bot as the same user.
    const added = await ambassador(["clusters", "add", "local", "--docker-env", "docker.env"], bundle);
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(added.stdout).toMatch(/^Added cluster local: tcp:\/\/127\.0\.0\.1:\d+, Docker 20\.10\.24/);

    expect(await bot.ask("clusters", /reachable/)).toMatch(/local: tcp:\/\/127\.0\.0\.1:\d+.*reachable/);
    expect(await bot.ask("ports web", /No container named web on local/)).toContain(
      "No container named web on local.",
    );
    expect(engine.requests).toContain("GET /v1.41/containers/web/json");
    // Any other command from a second process is the bot's to run too, over its connection to the host.
    const asked = engine.requests.length;
    const ports = await ambassador(["ports", "web"], dir);
    expect(ports).toMatchObject({ code: 1, stderr: "Looking up the ports of web…\n" });
    expect(ports.stdout).toContain("No container named web on local.");
    expect(engine.requests.slice(asked)).toContain("GET /v1.41/containers/web/json");
    const listed = await ambassador(["clusters", "list"], dir);
    expect(listed.stdout).toMatch(/^NAME +HOST.*\nlocal +tcp:\/\/127\.0\.0\.1/);

    const removed = await ambassador(["clusters", "remove", "local"], dir);
    expect(removed).toMatchObject({ code: 0, stdout: "Removed cluster local.\n" });
    expect(await bot.ask("clusters", /ambassador> $/)).toContain("No clusters");
    const wrong = await ambassador(["clusters", "add", "other"], dir);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("error: give exactly one of --docker-env, --host or --context");

    bot.child.stdin?.end("exit\n");
    expect(await bot.exited).toBe(0);
    await expect(stat(`${store}.sock`)).rejects.toThrow("ENOENT");
    expect((await ambassador(["clusters", "list"], dir)).stdout).toContain("No clusters registered.");
  }, 90_000);

  it("listens on a socket only the bot's user can open", async () => {
    await startBot();
    const socket = await stat(`${store}.sock`);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "data"))).mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0) {
      const probe = `require("net").connect(${JSON.stringify(`${store}.sock`)}).on("error", (e) => console.log(e.code)).on("connect", () => console.log("connected"))`;
      const other = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ["-e", probe], { uid: 65534, gid: 65534 });
        let out = "";
        child.stdout.on("data", (chunk) => {
          out += String(chunk);
        });
        child.on("close", () => resolve(out.trim()));
      });
      expect(other).toBe("EACCES");
      // The same person running a command gets one line that says whose it is, not a stack.
      const asOther = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", tsxLoader, cliPath, "list"], {
          uid: 65534,
          gid: 65534,
          cwd: "/",
          env: { PATH: process.env.PATH, AMBASSADOR_STORE: store, AMBASSADOR_KEY: env.AMBASSADOR_KEY },
        });
        let stderr = "";
        child.stderr.on("data", (chunk) => {
          stderr += String(chunk);
        });
        child.on("close", (code) => resolve({ code, stderr }));
      });
      expect(asOther).toEqual({
        code: 1,
        stderr: `Could not start: cannot open the store ${store}: permission denied; run this as the user it belongs to (the bot's user, when a bot runs on it)\n`,
      });
    }
  }, 60_000);

  it("tells a second bot on the same store who holds it, and hands it nothing", async () => {
    const first = await startBot();
    const second = await ambassador([], dir);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^Could not start: the store ${store} is in use by process ${first.child.pid} .*; run this again once that command has finished or that bot is stopped\\n$`,
      ),
    );
  }, 60_000);

  // `teardown` takes the store's lock while the rest of the program loads; `clusters` only once it opens the store.
  it.each([
    [["clusters", "list"], "", "No clusters", 0],
    [["teardown"], "Looking for this channel's links…\n", "There are no links to tear down.", 1],
  ])(
    "%j waits its turn while another command holds the store, then runs",
    async (args, progress, answer, code) => {
      const holder = spawnLines(process.execPath, ["--import", tsxLoader, holdStore, store, "--now"], env);
      running.push(holder);
      await holder.next((line) => line.startsWith("held"));
      const waiting = ambassador(args, dir);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      holder.child.stdin?.write("done\n");
      const ran = await waiting;
      expect(ran.code).toBe(code);
      expect(ran.stderr).toMatch(
        new RegExp(
          `^Waiting for the store: the store ${store} is in use by process ${holder.child.pid} .*…\n${progress}`,
        ),
      );
      expect(`${ran.stdout}${ran.stderr}`).toContain(answer);
    },
    60_000,
  );

  it.each([
    [["list"], "No links yet."],
    [["status", "web"], 'No link with ID or container "web"'],
    [["ports", "web"], "No container named web on any cluster."],
  ])(
    "%j reads the store as it is while another command holds it, without waiting its turn",
    async (args, answer) => {
      const holder = spawnLines(process.execPath, ["--import", tsxLoader, holdStore, store, "--now"], env);
      running.push(holder);
      await holder.next((line) => line.startsWith("held"));
      const ran = await ambassador(args, dir);
      expect(ran.stderr).not.toContain("Waiting for the store");
      expect(`${ran.stdout}${ran.stderr}`).toContain(answer);
      // Still held: the reader neither took the lock nor waited for it.
      expect(holder.child.exitCode).toBeNull();
      holder.child.stdin?.write("done\n");
    },
    60_000,
  );

  it("says who holds the store when it is not a bot that takes commands, once it waited AMBASSADOR_STORE_WAIT", async () => {
    const holder = spawnLines(process.execPath, ["--import", tsxLoader, holdStore, store, "--now"], env);
    running.push(holder);
    await holder.next((line) => line.startsWith("held"));
    const started = performance.now();
    const refused = await runAmbassador(["clusters", "list"], dir, { ...env, AMBASSADOR_STORE_WAIT: "1" });
    expect(performance.now() - started).toBeGreaterThan(1_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^Waiting for the store: .*\nCould not start: the store ${store} is in use by process ${holder.child.pid} .*; run this again once that command has finished or that bot is stopped\n$`,
      ),
    );
  }, 60_000);
});
