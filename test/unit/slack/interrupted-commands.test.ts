import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultBackend } from "../../../src/app-context.js";
import type { AuditEntry } from "../../../src/domain/audit.js";
import { auditFilePath } from "../../../src/store/audit-file.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let dir: string;
let harness: SlackHarness | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-cut-"));
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await rm(dir, { recursive: true, force: true });
});

const alice = { kind: "slack" as const, team: "T1", user: "UALICE" };
const bob = { kind: "slack" as const, team: "T1", user: "UBOB" };
const carol = { kind: "slack" as const, team: "T1", user: "UCAROL" };

describe("a Slack command the bot's last run was killed in the middle of", () => {
  it("is told to its person, in its channel, with what to do, once the bot starts again, and only once", async () => {
    const store = join(dir, "data", "ambassador.json");
    await mkdir(join(dir, "data"), { mode: 0o700 });
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const cutAt = ago(60_000);
    const lines: AuditEntry[] = [
      // Cut short two days ago: ended in the log, not told.
      {
        at: ago(2 * 86_400_000),
        actor: bob,
        action: "repair",
        target: "old",
        channel: "C2",
        outcome: "started",
      },
      {
        at: ago(120_000),
        actor: bob,
        action: "teardown",
        target: "abc",
        channel: "C2",
        outcome: "started",
      },
      {
        at: ago(119_000),
        actor: bob,
        action: "teardown",
        target: "abc",
        channel: "C2",
        outcome: "ok",
      },
      // Killed here: Alice's link never ended, nor did a one-shot command at the terminal (its person saw it die).
      {
        at: cutAt,
        actor: alice,
        action: "link",
        target: "app clustera->clusterb",
        channel: "C1",
        outcome: "started",
      },
      {
        at: ago(59_500),
        actor: { kind: "local", user: "root" },
        action: "repair",
        target: "abc",
        outcome: "started",
      },
      // Pressed in the Home tab, which is in no channel: told in a direct message.
      { at: ago(59_000), actor: carol, action: "teardown", target: "def", outcome: "started" },
    ];
    await writeFile(auditFilePath(store), lines.map((line) => `${JSON.stringify(line)}\n`).join(""), {
      mode: 0o600,
    });
    const options = {
      backend: defaultBackend,
      env: { AMBASSADOR_STORE: store, AMBASSADOR_KEY: randomBytes(32).toString("base64") },
    };
    harness = await startSlackHarness(options);
    const [told] = await harness.waitForApi("chat.postEphemeral");
    expect(told?.args).toMatchObject({
      channel: "C1",
      user: "UALICE",
      // A minute ago: the day too, when that was yesterday.
      text: expect.stringMatching(
        new RegExp(
          `^The bot stopped before your \`link app clustera->clusterb\` of (${cutAt.slice(0, 10)} )?${cutAt.slice(11, 16)} UTC finished\\. What it made carries the link's labels: run it again \\(it first removes what this one left\\), or \`reconcile --fix\` removes it\\.$`,
        ),
      ),
    });
    const [direct] = await harness.waitForApi("chat.postMessage");
    expect(direct?.args).toMatchObject({
      channel: "UCAROL",
      text: expect.stringMatching(
        /^The bot stopped before your `teardown def` of (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC finished\. `status` shows where the link stands/,
      ),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.apiCalls.filter((call) => call.method === "chat.postEphemeral")).toHaveLength(1);
    const ended = (await harness.services.audit.entries()).filter((entry) => entry.outcome === "error");
    expect(ended.map((entry) => [entry.actor.user, entry.action, entry.target])).toEqual([
      ["UBOB", "repair", "old"],
      ["UALICE", "link", "app clustera->clusterb"],
      ["UCAROL", "teardown", "def"],
    ]);
    expect(ended.at(1)).toMatchObject({
      actor: alice,
      action: "link",
      target: "app clustera->clusterb",
      channel: "C1",
      outcome: "error",
      detail: "cut short: the bot stopped before it finished",
    });
    await harness.close();

    harness = await startSlackHarness(options);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      harness.apiCalls.filter((call) => ["chat.postEphemeral", "chat.postMessage"].includes(call.method)),
    ).toEqual([]);
  });

  it("is told in a direct message when the bot cannot post in its channel, and one of this run is left alone", async () => {
    const store = join(dir, "data", "ambassador.json");
    await mkdir(join(dir, "data"), { mode: 0o700 });
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const lines: AuditEntry[] = [
      {
        at: at(-60_000),
        actor: alice,
        action: "repair",
        target: "abc",
        channel: "CPRIVATE",
        outcome: "started",
      },
      // Written as this run started: a command of this run, not the last run's.
      { at: at(60_000), actor: bob, action: "teardown", target: "def", channel: "C1", outcome: "started" },
    ];
    await writeFile(auditFilePath(store), lines.map((line) => `${JSON.stringify(line)}\n`).join(""), {
      mode: 0o600,
    });
    harness = await startSlackHarness({
      backend: defaultBackend,
      env: { AMBASSADOR_STORE: store, AMBASSADOR_KEY: randomBytes(32).toString("base64") },
      api: { fail: { "chat.postEphemeral": "channel_not_found" } },
    });
    const [direct] = await harness.waitForApi("chat.postMessage");
    expect(direct?.args).toMatchObject({
      channel: "UALICE",
      text: expect.stringContaining("The bot stopped before your `repair abc` of"),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(harness.apiCalls.filter((call) => call.method === "chat.postMessage")).toHaveLength(1);
    const ended = (await harness.services.audit.entries()).filter((entry) => entry.outcome === "error");
    expect(ended.map((entry) => [entry.actor.user, entry.target])).toEqual([["UALICE", "abc"]]);
  });
});
