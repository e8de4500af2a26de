import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab } from "../lab.js";
import { buildCli } from "../support/built-cli.js";

const run = promisify(execFile);
const loadedAtExit = new URL("../fixtures/loaded-at-exit.cjs", import.meta.url).pathname;

describe("the built CLI against a lab host", { timeout: 120_000 }, () => {
  let scratch: string;
  let out: string;

  /** `node <out>/cli.js …` on a store of the test's own, told which modules to report as loaded. */
  function cli(args: string[], watched: string[] = []) {
    return run(process.execPath, ["-r", loadedAtExit, join(out, "cli.js"), ...args], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: scratch,
        AMBASSADOR_STORE: join(scratch, "data", "ambassador.json"),
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
});
