import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { BackendFactory } from "../../src/app-context.js";
import { main } from "../../src/main.js";
import { Store } from "../../src/store/store.js";
import { CapturedOutput, MemoryAuditLog } from "../support/fakes.js";
import { memoryEngine, publishedUrl } from "../support/memory-engine.js";

function run(args: string[], env: NodeJS.ProcessEnv = {}, backend?: BackendFactory) {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const audit = new MemoryAuditLog();
  const lab = memoryEngine();
  let closed = 0;
  const memoryBackend: BackendFactory = async () => ({
    engine: lab.engine,
    clusters: lab.clusters,
    audit,
    close: async () => {
      closed += 1;
    },
  });
  const done = main(args, {
    env: { LOG_LEVEL: "silent", ...env },
    stdin: new PassThrough(),
    stdout,
    stderr,
    backend: backend ?? memoryBackend,
  });
  return done.then((code) => ({ code, stdout: stdout.text, stderr: stderr.text, audit, lab, closed }));
}

describe("ambassador <command>", () => {
  it("runs one command, prints its result and exits 0", async () => {
    const result = await run(["link", "app", "clustera", "clusterb", "--web", "hello-web"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Web: ${await publishedUrl(result.lab.b, "web")}`);
    expect(result.lab.links.all().map((link) => link.container)).toEqual(["app"]);
    expect(result.stderr).toBe("Linking app from clustera to clusterb…\n");
    expect(result.audit.recorded[0]?.actor.kind).toBe("local");
    expect(result.closed).toBe(1);
  });

  it("exits 1 when the command fails and 2 when it is not a command, saying why", async () => {
    const failed = await run(["teardown", "nope"]);
    expect(failed).toMatchObject({ code: 1, stdout: "" });
    expect(failed.stderr).toContain('No link with ID or container "nope".');
    const wrong = await run(["ports"]);
    expect(wrong).toMatchObject({
      code: 2,
      stderr: "Missing <container>.\nUsage: ports <container> [--cluster NAME]\n",
    });
  });

  it("stops on a bad configuration with a message that names the variable", async () => {
    const result = await run(["list"], { PORT: "http" });
    expect(result).toMatchObject({ code: 2, stderr: "Configuration: PORT must be a port number.\n" });
  });

  it("delegates `clusters …` to the store's command when it is wired in", async () => {
    const seen: string[][] = [];
    const lab = memoryEngine();
    const result = await run(["clusters", "test", "clustera"], {}, async () => ({
      engine: lab.engine,
      clusters: lab.clusters,
      audit: new MemoryAuditLog(),
      runClustersCommand: async (args) => {
        seen.push(args);
        return { exitCode: 3, output: "error: clustera cannot be reached" };
      },
    }));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("error: clustera cannot be reached");
    expect(seen).toEqual([["test", "clustera"]]);
  });

  it("says plainly when the store and engine cannot be built", async () => {
    const result = await run(["list"], {}, async () => {
      throw new Error("store ./data/ambassador.json is locked by process 42");
    });
    expect(result).toMatchObject({
      code: 1,
      stderr: "Could not start: store ./data/ambassador.json is locked by process 42\n",
    });
  });
});

describe("ambassador <command> on a store on disk", () => {
  async function withStore(use: (env: NodeJS.ProcessEnv, path: string) => Promise<void>): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), "amb-main-"));
    const path = join(dir, "data", "ambassador.json");
    try {
      await (await Store.open(path)).close();
      await use({ AMBASSADOR_STORE: path, AMBASSADOR_KEY: randomBytes(32).toString("base64") }, path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  const lockHolder = async (path: string) => (await readFile(`${path}.lock`, "utf8")) || undefined;

  function runHere(args: string[], env: NodeJS.ProcessEnv, load?: Parameters<typeof main>[2]) {
    const stdout = new CapturedOutput();
    const stderr = new CapturedOutput();
    const io = { env: { LOG_LEVEL: "silent", ...env }, stdin: new PassThrough(), stdout, stderr };
    return main(args, io, load).then((code) => ({ code, stdout: stdout.text, stderr: stderr.text }));
  }

  it("holds the store's lock while the rest of the program loads, and gives it back once the command ran", async () => {
    await withStore(async (env, path) => {
      let holderWhileLoading: string | undefined;
      const result = await runHere(["list"], env, async () => {
        for (let waited = 0; waited < 100 && !holderWhileLoading; waited++) {
          holderWhileLoading = await lockHolder(path);
          if (!holderWhileLoading) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return import("../../src/run-here.js");
      });
      expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining("No links yet.") });
      expect(JSON.parse(holderWhileLoading ?? "{}")).toMatchObject({ pid: process.pid });
      expect(await lockHolder(path)).toBeUndefined();
    });
  });

  it("leaves a store in a folder open to others to the store, which refuses it before it makes a lock file", async () => {
    await withStore(async (env, path) => {
      await rm(`${path}.lock`);
      await chmod(dirname(path), 0o777);
      const result = await runHere(["list"], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`${dirname(path)} is open to other users (mode 0777)`);
      await expect(stat(`${path}.lock`)).rejects.toThrow("ENOENT");
    });
  });

  it("gives the store's lock back when the command stops on its configuration, before it opens the store", async () => {
    await withStore(async (env, path) => {
      const result = await runHere(["list"], { ...env, PORT: "http" });
      expect(result).toMatchObject({ code: 2, stderr: "Configuration: PORT must be a port number.\n" });
      expect(await lockHolder(path)).toBeUndefined();
      // Free for the next process, or this one.
      await (await Store.open(path)).close();
    });
  });
});
