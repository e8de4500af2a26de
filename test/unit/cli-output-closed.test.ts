import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
let dir: string | undefined;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("a one-shot command whose reader went away (`| head -1`)", () => {
  it("still finishes and exits 0, with no crash on the closed pipe", async () => {
    dir = await mkdtemp(join(tmpdir(), "amb-epipe-"));
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/cli.ts"), "help"], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AMBASSADOR_STORE: join(dir, "s", "store.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The reader is gone before a word is written: every write to standard output fails with EPIPE.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
