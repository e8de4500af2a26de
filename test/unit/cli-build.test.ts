import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tsxLoader } from "../support/bot-process.js";
import { buildCli, codeCaches, repoRoot } from "../support/built-cli.js";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "ambassador-cli-build-"));
const env = { PATH: process.env.PATH ?? "", HOME: scratch, AMBASSADOR_STORE: join(scratch, "store.json") };
let out = "";

/** `node <entry> …` as a user would run it, from a folder of its own, on a store of its own. */
function node(entry: string[], args: string[]) {
  return run(process.execPath, [...entry, ...args], { cwd: scratch, env });
}
const cli = (args: string[]) => node([join(out, "cli.js")], args);
const cacheOf = (command: string) => codeCaches(out).get(command);

beforeAll(async () => {
  out = await buildCli();
}, 120_000);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

describe("the built CLI (npm run build)", { timeout: 30_000 }, () => {
  it("answers as the sources do", async () => {
    const built = await cli(["help"]);
    const sources = await node(["--import", tsxLoader, join(repoRoot, "src/cli.ts")], ["help"]);
    expect(built.stdout).toContain("link <container> <source-cluster> <target-cluster>");
    expect(built.stdout).toBe(sources.stdout);
    await expect(cli(["lnk"])).rejects.toMatchObject({ code: 2 });
    expect(cacheOf("lnk")).toBeUndefined();
  });

  it("takes the credentials file as --docker-env, and refuses --env-file, which Node 20 reads itself", async () => {
    const missing = await run(join(out, "cli.js"), ["clusters", "add", "x", "--docker-env", "/nonexistent"], {
      cwd: scratch,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(missing).toMatchObject({ code: 1, stderr: "error: the env file /nonexistent does not exist\n" });
    // Run as `node cli.js …`, Node 20 would read the file before the program starts: never the way to pass it.
    const refused = await run(join(out, "cli.js"), ["clusters", "add", "x", "--env-file", "/nonexistent"], {
      cwd: scratch,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toContain(
      "pass the Docker credentials file as --docker-env FILE",
    );
  });

  it("comes with V8's compiled code; a command keeps its own after its first run, then uses it as it is", async () => {
    const shared = statSync(cacheOf("") ?? "");
    expect(shared.size).toBeGreaterThan(100_000);
    expect(cacheOf("clusters")).toBeUndefined();
    await cli(["clusters", "list"]);
    const kept = statSync(cacheOf("clusters") ?? "");
    expect(kept.size).toBeGreaterThan(100_000);
    await cli(["clusters", "list"]);
    expect(statSync(cacheOf("clusters") ?? "").mtimeMs).toBe(kept.mtimeMs);
    expect(statSync(cacheOf("") ?? "").mtimeMs).toBe(shared.mtimeMs);
  });

  it("makes a command's code again when this Node cannot use it", async () => {
    await cli(["help"]);
    const help = cacheOf("help") ?? "";
    writeFileSync(help, "not V8's code");
    await cli(["help"]);
    expect(readFileSync(help).length).toBeGreaterThan(100_000);
  });

  it("keeps nothing for a command handed to a running bot", async () => {
    const bot = spawn(process.execPath, [join(out, "cli.js")], { cwd: scratch, env, stdio: "pipe" });
    try {
      await new Promise<void>((resolve, reject) => {
        bot.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ambassador>") && resolve());
        bot.once("exit", (code) => reject(new Error(`the bot exited ${code}`)));
      });
      const handed = await cli(["list"]);
      expect(handed.stdout).toContain("No links");
      expect(cacheOf("list")).toBeUndefined();
    } finally {
      bot.stdin.end("exit\n");
      await new Promise((resolve) => bot.once("close", resolve));
    }
    await cli(["list"]);
    expect(cacheOf("list")).toBeDefined();
  });
});
