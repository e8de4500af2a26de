import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SeenSignatures } from "../../../src/slack/seen-signatures.js";
import { checkSignatureHeaders } from "../../../src/slack/signature.js";

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-seen-"));
  file = join(dir, "ambassador.json.seen");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const now = Date.parse("2026-11-27T10:00:00Z");
const timestamp = String(now / 1000);
const failNever = (error: unknown) => {
  throw error;
};

describe("the signatures of the requests taken", () => {
  it("are refused a second time, by this run and by the next one within their five minutes", async () => {
    const first = await SeenSignatures.open(file, failNever, now);
    expect(first.seenBefore("v0=aaa", timestamp, now)).toBe(false);
    expect(first.seenBefore("v0=aaa", timestamp, now)).toBe(true);
    await first.flushed();
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const next = await SeenSignatures.open(file, failNever, now + 60_000);
    expect(next.seenBefore("v0=aaa", timestamp, now + 60_000)).toBe(true);
    expect(next.seenBefore("v0=bbb", timestamp, now + 60_000)).toBe(false);
  });

  it("are kept through the last millisecond their timestamp is accepted, by this run and the next", async () => {
    const first = await SeenSignatures.open(file, failNever, now);
    first.seenBefore("v0=aaa", timestamp, now);
    await first.flushed();
    const headers = { timestamp, signature: `v0=${"0".repeat(64)}` };
    const lastAccepted = now + 300_999;
    expect(checkSignatureHeaders(headers, lastAccepted)).toBeUndefined();
    expect(checkSignatureHeaders(headers, lastAccepted + 1)).toMatch(/301 s away/);
    const next = await SeenSignatures.open(file, failNever, lastAccepted);
    expect(next.seenBefore("v0=aaa", timestamp, lastAccepted)).toBe(true);
    expect(first.seenBefore("v0=aaa", timestamp, lastAccepted)).toBe(true);
  });

  it("are forgotten, and dropped from the file, once their timestamp would be refused anyway", async () => {
    const first = await SeenSignatures.open(file, failNever, now);
    first.seenBefore("v0=old", timestamp, now);
    await first.flushed();
    const later = now + 6 * 60_000;
    const next = await SeenSignatures.open(file, failNever, later);
    expect(await readFile(file, "utf8")).toBe("");
    expect(next.seenBefore("v0=old", timestamp, later)).toBe(false);
  });

  it("start empty from a file that is not theirs, and say once that they cannot be written down", async () => {
    await writeFile(file, "\u0000garbage\nnot a line at all\n12 \n", { mode: 0o600 });
    const errors: unknown[] = [];
    const seen = await SeenSignatures.open(file, (error) => errors.push(error), now);
    expect(seen.seenBefore("v0=aaa", timestamp, now)).toBe(false);
    await seen.flushed();
    expect(await readFile(file, "utf8")).toMatch(/^\d+ v0=aaa\n$/);
    await rm(dir, { recursive: true });
    seen.seenBefore("v0=bbb", timestamp, now);
    seen.seenBefore("v0=ccc", timestamp, now);
    await seen.flushed();
    expect(errors).toHaveLength(1);
    expect(seen.seenBefore("v0=ccc", timestamp, now)).toBe(true);
  });
});
