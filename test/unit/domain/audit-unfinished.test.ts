import { describe, expect, it } from "vitest";
import { type AuditEntry, unfinished } from "../../../src/domain/audit.js";

const alice = { kind: "slack" as const, team: "T1", user: "UALICE" };
const entry = (at: string, outcome: AuditEntry["outcome"], run?: string): AuditEntry => ({
  at: `2026-11-29T04:00:0${at}.000Z`,
  actor: alice,
  action: "link",
  target: "app clustera->clusterb",
  channel: "C1",
  outcome,
  ...(run ? { run } : {}),
});

describe("the changes the audit log shows started and never ended", () => {
  it("pairs each start with the end of its own run, whatever ends others of the same command wrote", () => {
    // Two runs of the same link at once; the second ended, the first was cut short; a refusal of a third never began.
    const entries = [
      entry("1", "started", "r1"),
      entry("2", "started", "r2"),
      entry("3", "refused", "r3"),
      entry("4", "ok", "r2"),
    ];
    expect(unfinished(entries)).toEqual([entries[0]]);
  });

  it("pairs entries written before runs were recorded by who asked what, where", () => {
    const entries = [entry("1", "started"), entry("2", "ok"), entry("3", "started")];
    expect(unfinished(entries)).toEqual([entries[2]]);
  });
});
