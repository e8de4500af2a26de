import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireStoreLock } from "../../src/store/store-lock.js";
import { lab } from "../lab.js";
import { buildCli } from "../support/built-cli.js";

const run = promisify(execFile);
const loadedAtExit = new URL("../fixtures/loaded-at-exit.cjs", import.meta.url).pathname;

describe("the built CLI against a lab host", { timeout: 120_000 }, () => {
  let scratch: string;
  let out: string;

  /** `node <out>/cli.js …` on a store of the test's own, told which modules to report as loaded. */
  const storePath = () => join(scratch, "data", "ambassador.json");
  function cli(args: string[], watched: string[] = []) {
    return run(process.execPath, ["-r", loadedAtExit, join(out, "cli.js"), ...args], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: scratch,
        AMBASSADOR_STORE: storePath(),
        LOADED_AT_EXIT: watched.join(","),
      },
    });
  }

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "ambassador-built-cli-"));
    await chmod(scratch, 0o700);
    out = await buildCli();
    await cli(["clusters", "add", "clustera", "--docker-env", lab().clustera.envFile]);
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
    if (out) await rm(out, { recursive: true, force: true });
  });

  it("keeps gRPC and ssh2 out of the program, loaded only where used", async () => {
    const program = await readFile(join(out, "ambassador.cjs"), "utf8");
    const required = ["@grpc/grpc-js", "@grpc/proto-loader", "docker-modem/lib/ssh.js"].filter((name) =>
      program.includes(`require("${name}")`),
    );
    expect(required).toEqual(["@grpc/grpc-js", "@grpc/proto-loader", "docker-modem/lib/ssh.js"]);
  });

  it("answers a command over TLS without loading gRPC, protobuf or ssh2", async () => {
    // Found nowhere, it exits 1, as `docker port` of a missing container does.
    const { code, stdout, stderr } = await cli(
      ["ports", "no-such-container"],
      ["@grpc/grpc-js", "@grpc/proto-loader", "ssh2"],
    ).then(
      (done) => ({ ...done, code: 0 }),
      (failed: { code?: number; stdout: string; stderr: string }) => failed,
    );
    expect(code).toBe(1);
    expect(stdout).toContain("No container named no-such-container on clustera.");
    expect(stderr).toContain("loaded: []");
  });

  it("waits its turn while another process holds the store, then answers; a read does not wait", async () => {
    const held = await acquireStoreLock(storePath());
    const started = performance.now();
    // `teardown` takes the lock as the program starts, in the starter; `clusters` would take it later, in the program.
    const answered = cli(["teardown"]).catch(
      (failed: { code?: number; stdout: string; stderr: string }) => failed,
    );
    // `list` only reads: it reads the store as it is and answers meanwhile.
    const read = await cli(["list"]);
    expect(read.stderr).not.toContain("Waiting for the store");
    expect(read.stdout).toContain("No links yet.");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await held.release();
    const { stderr } = await answered;
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(stderr).toMatch(/^Waiting for the store: the store .* is in use by process \d+ on /m);
    expect(stderr).not.toContain("Could not start");
    expect(stderr).toContain("There are no links to tear down.");
  });
});
