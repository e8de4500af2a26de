import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { seedAuditedStore } from "../../../bench/audited-store.js";
import type { AuditEntry } from "../../../src/domain/audit.js";
import { UserError } from "../../../src/errors.js";
import { auditFilePath, auditFix, FileAuditLog } from "../../../src/store/audit-file.js";
import { openStoreServices } from "../../../src/store/store-services.js";
import { fakeTls as tls } from "../../support/scratch-store.js";

const actor = { kind: "local" as const, user: "tester" };
const key = randomBytes(32);

let dir: string;
let path: string;
let auditPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-audit-"));
  path = join(dir, "data", "ambassador.json");
  auditPath = auditFilePath(path);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function lines(file: string): Promise<AuditEntry[]> {
  return (await readFile(file, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);
}

/** A store as version 2 left it: one sealed cluster, and `entries` audit entries inside the file. */
async function auditedStore(entries: number, links = 0): Promise<string> {
  const services = await openStoreServices({ path, key });
  await services.registry.add(
    { name: "a", host: "tcp://10.0.0.5:2376", tls, advertise: "10.0.0.5", channels: [] },
    actor,
  );
  await services.close();
  await rm(auditPath);
  await seedAuditedStore(path, { links, auditEntries: entries });
  return readFile(path, "utf8");
}

describe("the audit log file", () => {
  it("gets every command and cluster change as one JSON line, mode 0600, and the store none", async () => {
    const services = await openStoreServices({ path, key });
    await services.registry.add(
      { name: "a", host: "tcp://10.0.0.5:2376", tls, advertise: "10.0.0.5", channels: [] },
      actor,
    );
    void services.audit.record({ actor, action: "help", channel: "C1", outcome: "ok" });
    await services.registry.remove("a", {}, actor);
    await services.close();
    expect((await stat(auditPath)).mode & 0o777).toBe(0o600);
    expect((await lines(auditPath)).map((entry) => [entry.action, entry.target, entry.outcome])).toEqual([
      ["cluster.add", "a", "ok"],
      ["help", undefined, "ok"],
      ["cluster.remove", "a", "ok"],
    ]);
    expect((await lines(auditPath))[0]).toMatchObject({
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      actor,
      detail: "tcp://10.0.0.5:2376 (TLS), advertise 10.0.0.5",
    });
    expect(JSON.parse(await readFile(path, "utf8"))).not.toHaveProperty("audit");
  });

  it("rotates by size, keeping the newest files, and reads back what it kept, oldest first", async () => {
    await mkdir(join(dir, "data"), { mode: 0o700 });
    const audit = new FileAuditLog(auditPath, { maxBytes: 1_000, keep: 2 });
    for (let i = 0; i < 40; i++)
      void audit.record({ actor, action: "ports", target: `c${i}`, outcome: "ok" });
    await audit.flush();
    expect((await readdir(join(dir, "data"))).sort()).toEqual([
      "ambassador.json.audit.jsonl",
      "ambassador.json.audit.jsonl.1",
      "ambassador.json.audit.jsonl.2",
    ]);
    for (const file of ["", ".1", ".2"]) {
      expect((await stat(`${auditPath}${file}`)).size).toBeLessThanOrEqual(1_000);
    }
    const kept = (await audit.entries()).map((entry) => Number(entry.target?.slice(1)));
    expect(kept.at(-1)).toBe(39);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 40 - kept.length + i));
    expect(kept.length).toBeLessThan(40);
  });

  it("reads its recent entries from the last megabyte, whole lines only, the first too when the cut falls between lines", async () => {
    await mkdir(join(dir, "data"), { mode: 0o700 });
    // Lines of exactly 1,024 bytes: the last megabyte holds exactly the last 1,024 of them, whole.
    const line = (i: number) => {
      const entry = {
        at: "2026-11-29T04:00:00.000Z",
        actor,
        action: "ports",
        target: `c${i}`,
        outcome: "ok",
        detail: "",
      };
      const padding = 1_024 - `${JSON.stringify(entry)}\n`.length;
      return `${JSON.stringify({ ...entry, detail: "x".repeat(padding) })}\n`;
    };
    await writeFile(auditPath, Array.from({ length: 1_500 }, (_, i) => line(i)).join(""), { mode: 0o600 });
    const audit = new FileAuditLog(auditPath);
    const recent = (await audit.recent()).map((entry) => Number(entry.target?.slice(1)));
    expect(recent).toEqual(Array.from({ length: 1_024 }, (_, i) => 1_500 - 1_024 + i));
    // Cut inside a line: that line is left out, the rest read.
    await writeFile(
      auditPath,
      `{"torn":${"1".repeat(500)}\n${Array.from({ length: 1_500 }, (_, i) => line(i)).join("")}`,
      {
        mode: 0o600,
      },
    );
    expect((await audit.recent()).length).toBe(1_024);
  });

  it("reads its recent entries from the last rotated file too when the current one is short", async () => {
    await mkdir(join(dir, "data"), { mode: 0o700 });
    const audit = new FileAuditLog(auditPath, { maxBytes: 1_000, keep: 2 });
    for (let i = 0; i < 12; i++)
      void audit.record({ actor, action: "ports", target: `c${i}`, outcome: "ok" });
    await audit.flush();
    const recent = (await audit.recent()).map((entry) => Number(entry.target?.slice(1)));
    const current = (await readFile(auditPath, "utf8")).split("\n").filter(Boolean).length;
    const rotated = (await readFile(`${auditPath}.1`, "utf8")).split("\n").filter(Boolean).length;
    expect(recent).toHaveLength(current + rotated);
    expect(recent.at(-1)).toBe(11);
    expect(recent).toEqual(Array.from({ length: recent.length }, (_, i) => 12 - recent.length + i));
  });

  it("keeps one line short however long the command was, so no one can flush the log out with a few", async () => {
    await mkdir(join(dir, "data"), { mode: 0o700 });
    const audit = new FileAuditLog(auditPath);
    const huge = "x ".repeat(25_000);
    void audit.record({
      actor,
      action: huge,
      target: huge,
      outcome: "refused",
      detail: `invalid command: ${huge}`,
    });
    await audit.flush();
    const [entry] = await lines(auditPath);
    expect((await stat(auditPath)).size).toBeLessThan(2_000);
    expect(entry?.action).toMatch(/^x x .*…$/);
    expect(entry?.target?.length).toBe(300);
    expect(entry?.detail).toMatch(/^invalid command: x x .*…$/);
    expect(entry?.detail?.length).toBe(1_000);
  });

  it("writes what turns text around or breaks a line as escapes, and reads it back as typed", async () => {
    await mkdir(join(dir, "data"), { mode: 0o700 });
    const audit = new FileAuditLog(auditPath);
    const typed = "ab\u202ecd\u2066e\u2028f\x1b[31m\u009b2J\u007fg\u2062h\u{e0041}\u3164";
    void audit.record({ actor, action: "teardown", target: typed, outcome: "refused" });
    await audit.flush();
    const text = await readFile(auditPath, "utf8");
    expect(text).toContain(
      String.raw`"target":"ab\u202ecd\u2066e\u2028f\u001b[31m\u009b2J\u007fg\u2062h\udb40\udc41\u3164"`,
    );
    expect(text.trimEnd()).not.toMatch(/[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}]/u);
    expect((await lines(auditPath))[0]?.target).toBe(typed);
  });

  it("closes a line a crash left torn before appending", async () => {
    await mkdir(join(dir, "data"), { mode: 0o700 });
    await writeFile(auditPath, '{"at":"2026-01-01T00:00:00.000Z","actor":', { mode: 0o600 });
    const audit = new FileAuditLog(auditPath);
    await audit.record({ actor, action: "list", outcome: "ok" });
    expect((await audit.entries()).map((entry) => entry.action)).toEqual(["list"]);
  });

  it("reports a line it cannot write (a file open to others, a folder in its place) and never throws", async () => {
    await mkdir(join(dir, "data"), { mode: 0o700 });
    await writeFile(auditPath, "", { mode: 0o600 });
    await chmod(auditPath, 0o644);
    const reported: { message: string; actions: string[] }[] = [];
    const onWriteError = (error: Error, entries: readonly AuditEntry[]) =>
      reported.push({ message: error.message, actions: entries.map((entry) => entry.action) });
    const open = new FileAuditLog(auditPath, { onWriteError });
    await expect(open.record({ actor, action: "list", outcome: "ok" })).resolves.toBeUndefined();
    await rm(auditPath);
    await mkdir(auditPath);
    const folder = new FileAuditLog(auditPath, { onWriteError });
    await expect(folder.record({ actor, action: "help", outcome: "ok" })).resolves.toBeUndefined();
    expect(reported).toEqual([
      {
        message: `could not write the audit log ${auditPath}: it is open to other users (mode 0644); fix it with: chmod 600 ${auditPath}`,
        actions: ["list"],
      },
      {
        message: `could not write the audit log ${auditPath}: ${auditPath} is not a regular file (a symbolic link, say); move it away`,
        actions: ["help"],
      },
    ]);
  });
});

describe("a store that kept its audit log inside", () => {
  it("has it moved to the audit file once, on open with the right key, and says so", async () => {
    await auditedStore(3_000, 10);
    const first = await openStoreServices({ path, key });
    expect(first.notices).toEqual([
      `ambassador: moved the 3000 audit entries of ${path} to ${auditPath}, where every audit entry now goes.`,
    ]);
    expect(first.links.all()).toHaveLength(10);
    await first.close();
    const stored = JSON.parse(await readFile(path, "utf8"));
    expect(stored.version).toBe(4);
    expect(stored).not.toHaveProperty("audit");
    expect((await stat(auditPath)).mode & 0o777).toBe(0o600);
    const moved = await lines(auditPath);
    expect(moved).toHaveLength(3_000);
    expect(moved.map((entry) => entry.at)).toEqual([...moved.map((entry) => entry.at)].sort());
    const second = await openStoreServices({ path, key });
    expect(second.notices).toEqual([]);
    expect(await second.audit.entries()).toHaveLength(3_000);
    await second.close();
  });

  it("is not moved twice when a move stopped before the store was written", async () => {
    const text = await auditedStore(50);
    const first = await openStoreServices({ path, key });
    await first.close();
    await writeFile(path, text, { mode: 0o600 });
    const again = await openStoreServices({ path, key });
    expect(await again.audit.entries()).toHaveLength(50);
    await again.close();
  });

  it("is not moved twice when a build that escaped other characters wrote the moved lines", async () => {
    const stored = JSON.parse(await auditedStore(50));
    // A name with a direction override and an invisible operator: builds have escaped the first and not the second.
    stored.audit[49].target = "web\u202e\u2062x";
    await writeFile(path, JSON.stringify(stored), { mode: 0o600 });
    const olderBuild = (entry: AuditEntry) => JSON.stringify(entry).replace("\u202e", "\\u202e");
    await writeFile(auditPath, `${stored.audit.map(olderBuild).join("\n")}\n`, { mode: 0o600 });
    expect(await readFile(auditPath, "utf8")).toContain("\\u202e\u2062x");
    const opened = await openStoreServices({ path, key });
    const entries = await opened.audit.entries();
    await opened.close();
    expect(entries).toHaveLength(50);
    expect(entries.at(-1)?.target).toBe("web\u202e\u2062x");
  });

  it("is left as it was, and no audit file made, when the key is wrong", async () => {
    const text = await auditedStore(50);
    const error = await openStoreServices({ path, key: randomBytes(32) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/is not the key the store .* was written with/);
    expect(await readFile(path, "utf8")).toBe(text);
    await expect(stat(auditPath)).rejects.toThrow(/ENOENT/);
  });

  it("never writes through a symbolic link put in the log's place: the file it names stays as it was", async () => {
    const auditPath = join(dir, "linked.audit.jsonl");
    const victim = join(dir, "victim");
    await writeFile(victim, "untouched\n", { mode: 0o600 });
    await symlink(victim, auditPath);
    const reported: string[] = [];
    const log = new FileAuditLog(auditPath, { onWriteError: (error) => reported.push(error.message) });
    await log.record({ actor, action: "list", outcome: "ok" });
    expect(await readFile(victim, "utf8")).toBe("untouched\n");
    expect(reported).toEqual([
      `could not write the audit log ${auditPath}: ${auditPath} is not a regular file (a symbolic link, say); move it away`,
    ]);
  });
});

describe("an audit line the system refuses to write", () => {
  it.each([
    [
      "EPERM",
      "; check that this user may write it and its folder (ls -l), and that it is not immutable (lsattr /s/a.jsonl)",
    ],
    [
      "EACCES",
      "; check that this user may write it and its folder (ls -l), and that it is not immutable (lsattr /s/a.jsonl)",
    ],
    ["ENOSPC", "; free space on its disk"],
    ["EROFS", "; its file system is read-only: set AMBASSADOR_STORE to a writable place"],
    ["EIO", ""],
  ])("%s: the log's line ends with what to do", (code, fix) => {
    expect(auditFix(code, "/s/a.jsonl")).toBe(fix);
  });
});
