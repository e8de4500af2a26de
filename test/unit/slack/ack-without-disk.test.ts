import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { type IncomingMessage, Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { seedAuditedStore } from "../../../bench/audited-store.js";
import { defaultBackend } from "../../../src/app-context.js";
import { eventsPath } from "../../../src/slack/slack-bot.js";
import { auditFilePath } from "../../../src/store/audit-file.js";
import { openStoreServices } from "../../../src/store/store-services.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

/** The Slack request being handled, and whether it has been answered yet. */
const requests = new AsyncLocalStorage<{ acked: boolean }>();
/** Every file write made while a Slack request was not yet answered. */
const writesBeforeAck: string[] = [];

vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const watch =
    <A extends unknown[], R>(name: string, call: (...args: A) => R, writes: (...args: A) => boolean) =>
    (...args: A): R => {
      const request = requests.getStore();
      if (request && !request.acked && writes(...args)) writesBeforeAck.push(`${name} ${String(args[0])}`);
      return call(...args);
    };
  const always = () => true;
  const opening = (...args: unknown[]) => typeof args[1] === "string" && /[wa+]/.test(args[1]);
  const mocked = {
    ...fs,
    open: watch("open", fs.open, opening),
    writeFile: watch("writeFile", fs.writeFile, always),
    appendFile: watch("appendFile", fs.appendFile, always),
    rename: watch("rename", fs.rename, always),
  };
  return { ...mocked, default: mocked };
});

type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
const emit = Server.prototype.emit;

/** Runs each request to the events path, its body included, in a context that knows when it was answered. */
function traceSlackRequests(): void {
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    const [req, res] = args as [IncomingMessage, ServerResponse];
    if (event !== "request" || !req.url?.startsWith(eventsPath))
      return (emit as Emit).apply(this, [event, ...args]);
    const state = { acked: false };
    const end = res.end;
    res.end = function (this: ServerResponse, ...endArgs: unknown[]) {
      state.acked = true;
      return (end as (...a: unknown[]) => ServerResponse).apply(this, endArgs);
    } as typeof res.end;
    const reqEmit = req.emit as Emit;
    req.emit = (name: string | symbol, ...rest: unknown[]) =>
      requests.run(state, () => reqEmit.apply(req, [name, ...rest]));
    return requests.run(state, () => (emit as Emit).apply(this, [event, ...args]));
  } as typeof Server.prototype.emit;
}

let dir: string;
let harness: SlackHarness | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-ack-"));
  writesBeforeAck.length = 0;
});
afterEach(async () => {
  Server.prototype.emit = emit;
  await harness?.close();
  harness = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("the Slack ack", () => {
  it("touches no file: 50 commands at once over 1,000 links and 100,000 moved audit entries are all acked", async () => {
    const path = join(dir, "data", "ambassador.json");
    const key = randomBytes(32).toString("base64");
    await (await openStoreServices({ path, key: Buffer.from(key, "base64") })).close();
    await seedAuditedStore(path, { links: 1_000, auditEntries: 100_000 });
    harness = await startSlackHarness({
      backend: defaultBackend,
      env: { AMBASSADOR_STORE: path, AMBASSADOR_KEY: key, LOG_LEVEL: "warn" },
    });
    const audit = harness.services.audit;
    expect(await audit.entries()).toHaveLength(100_000);
    const store = await stat(path);
    traceSlackRequests();

    const lines = ["help", "frobnicate", "link app clustera clusterb", "help link", "list"];
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        harness?.slash(lines[i % lines.length] ?? "help", { user: "U0SOMEONE" }),
      ),
    );

    expect(replies.map((reply) => reply?.status)).toEqual(Array(50).fill(200));
    for (const reply of replies) expect(reply?.elapsedMs).toBeLessThan(3_000);
    expect(replies[2]?.body).toMatchObject({ text: expect.stringMatching(/admins/) });
    expect(writesBeforeAck).toEqual([]);
    const entries = await audit.entries();
    expect(entries).toHaveLength(100_050);
    expect(entries.slice(100_000).filter((entry) => entry.action === "unknown")).toHaveLength(10);
    const after = await stat(path);
    expect([after.ino, after.mtimeMs]).toEqual([store.ino, store.mtimeMs]);
    expect((await stat(auditFilePath(path))).mode & 0o777).toBe(0o600);
  });
});
