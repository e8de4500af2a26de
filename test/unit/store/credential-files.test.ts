import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { cp, mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { resolveClusterRequest } from "../../../src/store/cluster-registration.js";
import { makeTlsBundle } from "../../pki.js";

let root: string;
let good: string;
const fifos: string[] = [];

async function refusal(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).not.toContain("\n");
  return error as UserError;
}

function mkfifo(path: string): void {
  execFileSync("mkfifo", [path]);
  fifos.push(path);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "amb-cred-files-"));
  good = (await makeTlsBundle(join(root, "good"))).dir;
}, 60_000);

afterAll(async () => {
  // A reader still blocked on a FIFO would keep the worker alive: give it an end of file.
  for (const fifo of fifos) {
    await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then(
      (handle) => handle.close(),
      () => undefined,
    );
  }
  await rm(root, { recursive: true, force: true });
});

describe("credentials files", () => {
  it("refuses a FIFO as key.pem at once instead of waiting for a writer", async () => {
    const dir = join(root, "fifo");
    await cp(good, dir, { recursive: true });
    await rm(join(dir, "key.pem"));
    mkfifo(join(dir, "key.pem"));
    const error = await refusal(
      resolveClusterRequest({
        name: "prod",
        source: { kind: "host", url: "tcp://10.0.0.5:2376", certPath: dir },
      }),
    );
    expect(error.message).toBe(
      `the TLS file ${join(dir, "key.pem")} is a FIFO, not a regular file; point at the file itself`,
    );
  }, 3_000);

  it("refuses a 600 MB key.pem without reading it", async () => {
    const dir = join(root, "huge");
    await cp(good, dir, { recursive: true });
    execFileSync("truncate", ["-s", "600M", join(dir, "key.pem")]);
    const before = process.memoryUsage().rss;
    const error = await refusal(
      resolveClusterRequest({
        name: "prod",
        source: { kind: "host", url: "tcp://10.0.0.5:2376", certPath: dir },
      }),
    );
    expect(error.message).toBe(
      `the TLS file ${join(dir, "key.pem")} is 600 MB, more than the 64 KB such a file can be: is it the right file?`,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  }, 3_000);

  it("refuses a FIFO as a docker.env", async () => {
    const file = join(root, "docker.env");
    mkfifo(file);
    const error = await refusal(
      resolveClusterRequest({ name: "prod", source: { kind: "env-file", path: file } }),
    );
    expect(error.message).toBe(
      `the env file ${file} is a FIFO, not a regular file; point at the file itself`,
    );
  }, 3_000);

  it("refuses a FIFO as a context's meta.json, and lists the other contexts past one", async () => {
    const config = join(root, "docker-config");
    const id = (name: string) => createHash("sha256").update(name).digest("hex");
    await mkdir(join(config, "contexts", "meta", id("prod")), { recursive: true });
    mkfifo(join(config, "contexts", "meta", id("prod"), "meta.json"));
    await mkdir(join(config, "contexts", "meta", id("staging")), { recursive: true });
    await writeFile(
      join(config, "contexts", "meta", id("staging"), "meta.json"),
      JSON.stringify({ Name: "staging", Endpoints: { docker: { Host: "tcp://10.0.0.6:2376" } } }),
    );
    const meta = join(config, "contexts", "meta", id("prod"), "meta.json");
    const error = await refusal(
      resolveClusterRequest(
        { name: "prod", source: { kind: "context", name: "prod" } },
        { dockerConfigDir: config },
      ),
    );
    expect(error.message).toBe(
      `the context file ${meta} is a FIFO, not a regular file; point at the file itself`,
    );
    const unknown = await refusal(
      resolveClusterRequest(
        { name: "prod", source: { kind: "context", name: "qa" } },
        { dockerConfigDir: config },
      ),
    );
    expect(unknown.message).toContain("known contexts: staging");
  }, 3_000);
});
