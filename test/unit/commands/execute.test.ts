import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand, prepareCommand } from "../../../src/commands/execute.js";
import { clusterA, clusterB, FakeClusterDirectory, FakeEngine, testServices } from "../../support/fakes.js";

const slack = (user: string, channel = "C1", team = "T1"): Invocation => ({
  actor: { kind: "slack", team, user },
  channel,
  trusted: false,
});

describe("executeCommand", () => {
  it("lets an admin link and records it in the audit log", async () => {
    const services = testServices();
    const outcome = await executeCommand(
      "link app clustera clusterb --web hello-web",
      slack("UADMIN"),
      services,
    );
    expect(outcome.ok).toBe(true);
    expect(services.audit.recorded).toEqual([
      expect.objectContaining({
        actor: { kind: "slack", team: "T1", user: "UADMIN" },
        action: "link",
        channel: "C1",
        outcome: "ok",
        target: "app clustera->clusterb",
      }),
    ]);
  });

  it("refuses link and teardown to a non-admin before touching the engine, and audits the refusal", async () => {
    const engine = new FakeEngine();
    const services = testServices({ engine });
    for (const text of ["link app clustera clusterb", "teardown lnk0001", "teardown"]) {
      const prepared = await prepareCommand(text, slack("UBOB"), services);
      expect(prepared.kind).toBe("failed");
      if (prepared.kind === "failed") expect(prepared.failure.message).toMatch(/Only Ambassador admins may/);
    }
    expect(engine.calls).toEqual([]);
    expect(services.audit.recorded.map((e) => [e.action, e.outcome, e.actor])).toEqual([
      ["link", "refused", { kind: "slack", team: "T1", user: "UBOB" }],
      ["teardown", "refused", { kind: "slack", team: "T1", user: "UBOB" }],
      ["teardown", "refused", { kind: "slack", team: "T1", user: "UBOB" }],
    ]);
  });

  it("matches admins by user ID, or by team and user when the entry names the team", async () => {
    const services = testServices({ env: { AMBASSADOR_ADMINS: "T22:UALICE" } });
    expect(
      (await executeCommand("link app clustera clusterb", slack("UALICE", "C1", "T1"), services)).ok,
    ).toBe(false);
    expect(
      (await executeCommand("link app clustera clusterb", slack("UALICE", "C1", "T22"), services)).ok,
    ).toBe(true);
  });

  it("leaves read-only commands open to everyone", async () => {
    const services = testServices();
    for (const text of ["ports web", "list", "clusters", "help"]) {
      const outcome = await executeCommand(text, slack("UBOB"), services);
      expect(outcome.ok, text).toBe(true);
    }
    expect(services.audit.recorded.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      "ports:ok",
      "list:ok",
      "clusters:ok",
      "help:ok",
    ]);
  });

  it("refuses link from a channel not allowed for one of the clusters", async () => {
    const clusters = new FakeClusterDirectory([clusterA, { ...clusterB, channels: ["COPS"] }]);
    const services = testServices({ clusters });
    const refused = await executeCommand("link app clustera clusterb", slack("UADMIN", "CRANDOM"), services);
    expect(refused).toMatchObject({ ok: false, failure: { refused: true } });
    if (!refused.ok)
      expect(refused.failure.message).toMatch(/Cluster clusterb may only be used from <#COPS>/);
    expect((await executeCommand("link app clustera clusterb", slack("UADMIN", "COPS"), services)).ok).toBe(
      true,
    );
    expect(services.audit.recorded.map((e) => e.outcome)).toEqual(["refused", "ok"]);
  });

  it("refuses teardown of a link whose clusters this channel may not use", async () => {
    const clusters = new FakeClusterDirectory([clusterA, { ...clusterB, channels: ["COPS"] }]);
    const engine = new FakeEngine();
    const services = testServices({ clusters, engine });
    await executeCommand("link app clustera clusterb", slack("UADMIN", "COPS"), services);
    const outcome = await executeCommand("teardown app", slack("UADMIN", "CRANDOM"), services);
    expect(outcome).toMatchObject({ ok: false, failure: { refused: true } });
    expect(engine.links).toHaveLength(1);
    expect(services.audit.recorded.at(-1)).toMatchObject({
      action: "teardown",
      outcome: "refused",
      target: "app",
    });
  });

  it("trusts the local user at the terminal and audits them by name", async () => {
    const services = testServices();
    const local: Invocation = { actor: { kind: "local", user: "alice" }, trusted: true };
    expect((await executeCommand("link app clustera clusterb", local, services)).ok).toBe(true);
    expect(services.audit.recorded[0]).toMatchObject({
      actor: { kind: "local", user: "alice" },
      outcome: "ok",
    });
  });

  it("shows a UserError as it is, and audits it as an error", async () => {
    const services = testServices();
    const outcome = await executeCommand("link nope clustera clusterb", slack("UADMIN"), services);
    expect(outcome).toEqual({
      ok: false,
      failure: { message: "There is no container named nope on clustera.", refused: false },
    });
    expect(services.audit.recorded[0]).toMatchObject({
      outcome: "error",
      detail: expect.stringContaining("nope"),
    });
  });

  it("hides other errors behind a reference that is in the log with its context", async () => {
    const engine = new FakeEngine({ crash: new Error("connect ECONNREFUSED 10.0.0.13:2376") });
    const services = testServices({ engine });
    const outcome = await executeCommand("ports web", slack("UBOB"), services);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.message).not.toContain("ECONNREFUSED");
    expect(outcome.failure.message).toMatch(/reference [A-Z0-9]{4,}/);
    const logged = services.log.text
      .split("\n")
      .find((line) => line.includes(outcome.failure.reference ?? "?"));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged ?? "{}")).toMatchObject({
      command: "ports",
      target: "web",
      channel: "C1",
      actor: { user: "UBOB" },
      err: { type: "Error", message: "connect ECONNREFUSED 10.0.0.13:2376" },
    });
  });

  it("turns a failure while authorising into a reference, not a refusal", async () => {
    const clusters = new FakeClusterDirectory();
    clusters.list = () => {
      throw new Error("store ./data/ambassador.json: unexpected end of JSON");
    };
    const services = testServices({ clusters });
    const prepared = await prepareCommand("link app clustera clusterb", slack("UADMIN"), services);
    expect(prepared).toMatchObject({
      kind: "failed",
      failure: { refused: false, reference: expect.any(String) },
    });
    if (prepared.kind === "failed") expect(prepared.failure.message).not.toContain("JSON");
    expect(services.audit.recorded[0]).toMatchObject({ action: "link", outcome: "error" });
    expect(services.log.text).toContain("unexpected end of JSON");
  });

  it("audits a command line it could not read", async () => {
    const services = testServices();
    const outcome = await executeCommand("lnik app", slack("UBOB"), services);
    expect(outcome.ok).toBe(false);
    expect(services.audit.recorded[0]).toMatchObject({ action: "unknown", outcome: "refused" });
  });
});

describe("teardown without an argument", () => {
  it("tears down the only link of this channel", async () => {
    const engine = new FakeEngine();
    const services = testServices({ engine });
    await executeCommand("link app clustera clusterb", slack("UADMIN", "C1"), services);
    const outcome = await executeCommand("teardown", slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({ ok: true, result: { kind: "teardown", result: { status: "removed" } } });
    expect(engine.links).toEqual([]);
  });

  it("lists the links when the channel has several, and removes nothing", async () => {
    const engine = new FakeEngine({
      containers: [
        { cluster: "clustera", name: "app", ports: [5000] },
        { cluster: "clustera", name: "db", ports: [5432] },
      ],
    });
    const services = testServices({ engine });
    await executeCommand("link app clustera clusterb", slack("UADMIN", "C1"), services);
    await executeCommand("link db clustera clusterb", slack("UADMIN", "C1"), services);
    await executeCommand("link app clusterb clustera", slack("UADMIN", "C2"), services).catch(
      () => undefined,
    );
    const outcome = await executeCommand("teardown", slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({ ok: true, result: { kind: "teardown-choice" } });
    if (outcome.ok && outcome.result.kind === "teardown-choice") {
      expect(outcome.result.links.map((v) => v.link.container)).toEqual(["app", "db"]);
    }
    expect(engine.links).toHaveLength(2);
  });

  it("says so when the channel has no link", async () => {
    const services = testServices();
    const outcome = await executeCommand("teardown", slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({
      ok: false,
      failure: { message: expect.stringMatching(/This channel has no links/) },
    });
  });
});
