import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "ambassador-cli-build-"));
const out = join(scratch, "dist");
const cacheOf = (command?: string) =>
  join(out, command ? `ambassador.cjs.${command}.cache` : "ambassador.cjs.cache");
const env = { PATH: process.env.PATH ?? "", HOME: scratch, AMBASSADOR_STORE: join(scratch, "store.json") };

/** `node <entry> …` as a user would run it, on a store of its own. */
function node(entry: string[], args: string[]) {
  return run(process.execPath, [...entry, ...args], { cwd: scratch, env });
}
const cli = (args: string[]) => node([join(out, "cli.js")], args);

beforeAll(async () => {
  await run(process.execPath, [join(root, "scripts/bundle.mjs"), out], { cwd: root });
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the built CLI (npm run build)", () => {
  it("answers as the sources do", async () => {
    const built = await cli(["help"]);
    const sources = await node(["--import", "tsx", join(root, "src/cli.ts")], ["help"]);
    expect(built.stdout).toContain("link <container> <source-cluster> <target-cluster>");
    expect(built.stdout).toBe(sources.stdout);
    await expect(cli(["lnk"])).rejects.toMatchObject({ code: 2 });
  });

  it("comes with V8's compiled code; a command keeps its own after its first run, then uses it as it is", async () => {
    const shared = statSync(cacheOf());
    expect(shared.size).toBeGreaterThan(100_000);
    expect(existsSync(cacheOf("clusters"))).toBe(false);
    await cli(["clusters", "list"]);
    const kept = statSync(cacheOf("clusters"));
    expect(kept.size).toBeGreaterThan(100_000);
    await cli(["clusters", "list"]);
    expect(statSync(cacheOf("clusters")).mtimeMs).toBe(kept.mtimeMs);
    expect(statSync(cacheOf()).mtimeMs).toBe(shared.mtimeMs);
  });

  it("makes a command's code again when this Node cannot use it", async () => {
    writeFileSync(cacheOf("help"), "not V8's code");
    await cli(["help"]);
    expect(readFileSync(cacheOf("help")).length).toBeGreaterThan(100_000);
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
      expect(existsSync(cacheOf("list"))).toBe(false);
    } finally {
      bot.stdin.end("exit\n");
      await new Promise((resolve) => bot.once("close", resolve));
    }
    await cli(["list"]);
    expect(existsSync(cacheOf("list"))).toBe(true);
  });
});
