import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSilentPort } from "../../../bench/bench-store.js";
import { main } from "../../../src/main.js";
import { tsxLoader } from "../../support/bot-process.js";
import { CapturedOutput } from "../../support/fakes.js";
import { handSlowCommandAndStop } from "../../support/handed-during-stop.js";

const cli = new URL("../../../src/cli.ts", import.meta.url).pathname;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-prompt-signals-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A bot at its prompt (no Slack settings) on a store of its own. */
function promptEnv() {
  const store = join(dir, "data", "ambassador.json");
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AMBASSADOR_STORE: store,
    AMBASSADOR_KEY: randomBytes(32).toString("base64"),
    LOG_LEVEL: "info",
  };
  return { store, env };
}

describe("the bot at its prompt, sent SIGTERM", () => {
  it("lets a command handed over from another process finish and answer, then closes the prompt and exits 0", async () => {
    const { store, env } = promptEnv();
    const log = new CapturedOutput();
    const exits: number[] = [];
    const prompt = main([], {
      env,
      stdin: new PassThrough(),
      stdout: new CapturedOutput(),
      stderr: new CapturedOutput(),
      log,
      exit: (code) => exits.push(code),
    });
    try {
      await expect
        .poll(() => stat(`${store}.sock`).then((s) => s.isSocket()), { timeout: 20_000 })
        .toBe(true);
      await handSlowCommandAndStop(dir, env);
      expect(await prompt).toBe(0);
      expect(exits).toEqual([]);
      expect(log.text).toMatch(/"signal":"SIGTERM".*"msg":"stopping"/);
      await expect(stat(`${store}.sock`)).rejects.toThrow("ENOENT");
      expect(process.listenerCount("SIGTERM")).toBe(0);
    } finally {
      process.emit("SIGTERM");
      await prompt;
    }
  }, 60_000);

  it("leaves at once on a second signal while a command still runs", async () => {
    const { env } = promptEnv();
    const input = new PassThrough();
    const log = new CapturedOutput();
    const exits: number[] = [];
    const prompt = main([], {
      env,
      stdin: input,
      stdout: new CapturedOutput(),
      stderr: new CapturedOutput(),
      log,
      exit: (code) => exits.push(code),
    });
    const silent = await startSilentPort();
    try {
      input.write(`clusters add silent --host tcp://127.0.0.1:${silent.port}\n`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      process.emit("SIGTERM");
      expect(exits).toEqual([]);
      process.emit("SIGINT");
      expect(exits).toEqual([1]);
      expect(log.text).toMatch(/"signal":"SIGINT".*"msg":"second signal while stopping: leaving now/);
      expect(await prompt).toBe(0);
    } finally {
      await silent.close();
    }
  }, 30_000);
});

describe("a one-shot command handed to the running bot, interrupted", () => {
  it("says the bot finishes it and exits 130, while the bot goes on taking commands", async () => {
    const { store, env } = promptEnv();
    const input = new PassThrough();
    const output = new CapturedOutput();
    const prompt = main([], {
      env,
      stdin: input,
      stdout: output,
      stderr: new CapturedOutput(),
      log: new CapturedOutput(),
    });
    const silent = await startSilentPort();
    try {
      await expect
        .poll(() => stat(`${store}.sock`).then((s) => s.isSocket()), { timeout: 20_000 })
        .toBe(true);
      const child = spawn(
        process.execPath,
        ["--import", tsxLoader, cli, "clusters", "add", "silent", "--host", `tcp://127.0.0.1:${silent.port}`],
        { cwd: dir, env },
      );
      let stderr = "";
      child.stderr.on("data", (chunk) => {
        stderr += String(chunk);
      });
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      // Handed over once the bot has the command: it looks the silent host up for its 5 s deadline.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      expect(stderr).toBe("\nStopped waiting; the running bot finishes `clusters` all the same.\n");
      input.write("clusters list\n");
      await expect.poll(() => output.text, { timeout: 10_000 }).toMatch(/No clusters registered/);
    } finally {
      input.end("exit\n");
      await prompt;
      await silent.close();
    }
  }, 60_000);
});
