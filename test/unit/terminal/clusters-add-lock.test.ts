import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../../src/main.js";
import { Store } from "../../../src/store/store.js";
import { openStoreServices } from "../../../src/store/store-services.js";
import { engineLikeHandler, startLoopbackServer } from "../../loopback-server.js";
import { CapturedOutput } from "../../support/fakes.js";

let dir: string;
let path: string;
const key = randomBytes(32);
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-add-lock-"));
  path = join(dir, "data", "ambassador.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ambassador clusters add", () => {
  it("reads and checks the cluster before it takes the store's lock, which it holds only to save", async () => {
    let answered: () => void = () => undefined;
    const asked = new Promise<void>((resolve) => {
      answered = resolve;
    });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // An Engine that answers only once the test has opened the store itself.
    await using engine = await startLoopbackServer((request, response) => {
      answered();
      void held.then(() => engineLikeHandler(request, response));
    });
    const stdout = new CapturedOutput();
    const stderr = new CapturedOutput();
    const run = main(["clusters", "add", "slow", "--host", engine.url, "--advertise", "10.0.0.5"], {
      env: { LOG_LEVEL: "silent", AMBASSADOR_STORE: path, AMBASSADOR_KEY: key.toString("base64") },
      stdin: new PassThrough(),
      stdout,
      stderr,
    });
    await asked;
    const meanwhile = await Store.open(path);
    await meanwhile.close();
    release();
    expect(await run).toBe(0);
    expect(stdout.text).toContain("Added cluster slow");
    const services = await openStoreServices({ path, key });
    expect(services.registry.list().map((cluster) => cluster.name)).toEqual(["slow"]);
    await services.close();
  });
});
