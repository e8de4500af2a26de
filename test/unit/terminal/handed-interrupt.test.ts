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

const cli = new URL("../../../src/cli.ts", import.meta.url).pathname;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ambassador-handed-interrupt-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a one-shot command handed to the running bot, interrupted", () => {
  it("says the bot finishes it and exits 130, while the bot goes on taking commands", async () => {
    const store = join(dir, "data", "ambassador.json");
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AMBASSADOR_STORE: store,
      AMBASSADOR_KEY: randomBytes(32).toString("base64"),
    };
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
