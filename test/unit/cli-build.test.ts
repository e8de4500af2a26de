import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), "ambassador-cli-build-"));
const out = join(scratch, "dist");
const cache = join(out, "ambassador.cjs.cache");

/** `node <entry> …` as a user would run it, on a store of its own. */
function node(entry: string[], args: string[]) {
  return run(process.execPath, [...entry, ...args], {
    cwd: scratch,
    env: { PATH: process.env.PATH ?? "", HOME: scratch, AMBASSADOR_STORE: join(scratch, "store.json") },
  });
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

  it("comes with V8's compiled code, which a run uses as it is", async () => {
    const before = statSync(cache);
    expect(before.size).toBeGreaterThan(100_000);
    await cli(["help"]);
    expect(statSync(cache).mtimeMs).toBe(before.mtimeMs);
  });

  it("makes that code again when it is missing or this Node cannot use it", async () => {
    writeFileSync(cache, "not V8's code");
    await cli(["help"]);
    const remade = readFileSync(cache);
    expect(remade.length).toBeGreaterThan(100_000);
    rmSync(cache);
    await cli(["help"]);
    expect(statSync(cache).size).toBeGreaterThan(100_000);
  });
});
