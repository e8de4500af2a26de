import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { answerWithoutStore } from "../../../src/terminal/no-store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-no-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  };
  const code = await answerWithoutStore(args, join(dir, "typo", "store.json"), io);
  return { code, stdout, stderr };
}

describe("a one-shot command where there is no store", () => {
  it("is told so in one line, and nothing is made on disk", async () => {
    for (const args of [
      ["list"],
      ["ports", "web"],
      ["status", "abc"],
      ["reconcile", "--fix"],
      ["link", "app", "a", "b"],
      ["teardown", "x"],
      ["clusters", "remove", "a"],
    ]) {
      const answer = await run(args);
      expect(answer.code, args.join(" ")).toBe(1);
      expect(answer.stderr).toBe(
        `No store at ${join(dir, "typo", "store.json")}: check AMBASSADOR_STORE, or start one by registering a cluster (\`ambassador clusters add <name> --docker-env <path/docker.env>\`).\n`,
      );
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("answers help, a mistyped command and the list of clusters as usual, and leaves clusters add to start one", async () => {
    expect((await run(["help"])).stdout).toContain("link <container> <source-cluster> <target-cluster>");
    expect(await run(["lnk"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Did you mean `link`?"),
    });
    expect(await run(["clusters"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("No clusters registered: there is no store at"),
    });
    expect(await run(["clusters", "--help"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("usage: ambassador clusters <command>"),
    });
    expect(await run(["clusters", "ad"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('error: unknown command "clusters ad"'),
    });
    expect((await run(["clusters", "add", "a", "--host", "tcp://127.0.0.1:1"])).code).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });
});
