import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand, prepareCommand } from "../../../src/commands/execute.js";
import { renderSlackFailure, renderSlackMessage } from "../../../src/render/slack-message.js";
import { engineFailingOn } from "../../support/failing-engine.js";
import { testServices } from "../../support/fakes.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import type { MemoryEngine } from "../../support/memory-engine.js";

const slack = (user: string, channel = "C1", team = "T1"): Invocation => ({
  actor: { kind: "slack", team, user },
  channel,
  trusted: false,
});

const linkLabel = "io.ambassador.link";

/** How many Docker calls both hosts have received. */
const dockerCalls = (lab: MemoryEngine) => lab.a.calls.length + lab.b.calls.length;

/** The containers our links own on both hosts. */
async function ourContainers(lab: MemoryEngine): Promise<string[]> {
  const containers = [
    ...(await lab.a.listContainers([linkLabel])),
    ...(await lab.b.listContainers([linkLabel])),
  ];
  return containers.map((c) => c.Names.join(","));
}

describe("executeCommand", () => {
  it("lets an admin link and records it in the audit log", async () => {
    const services = testServices();
    const outcome = await executeCommand(
      "link app clustera clusterb --web hello-web",
      slack("UADMIN"),
      services,
    );
    expect(outcome.ok).toBe(true);
    const entry = {
      actor: { kind: "slack", team: "T1", user: "UADMIN" },
      action: "link",
      channel: "C1",
      target: "app clustera->clusterb",
    };
    // Who started it is written before any host is touched; how it ended, after.
    expect(services.audit.recorded).toEqual([
      expect.objectContaining({ ...entry, outcome: "started" }),
      expect.objectContaining({ ...entry, outcome: "ok" }),
    ]);
  });

  it("refuses link and teardown to a non-admin before touching Docker, and audits the refusal", async () => {
    const services = testServices();
    const made = await executeCommand("link app clustera clusterb", slack("UADMIN"), services);
    if (!made.ok || made.result.kind !== "link") throw new Error("link failed");
    const id = made.result.result.link.id;
    services.audit.recorded.length = 0;
    const before = dockerCalls(services.lab);
    for (const text of ["link app clusterb clustera", `teardown ${id}`, "teardown"]) {
      const prepared = await prepareCommand(text, slack("UBOB"), services);
      expect(prepared.kind).toBe("failed");
      if (prepared.kind === "failed") expect(prepared.failure.message).toMatch(/Only Ambassador admins may/);
    }
    expect(dockerCalls(services.lab)).toBe(before);
    expect(services.lab.links.all().map((link) => link.id)).toEqual([id]);
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
    const services = testServices();
    services.lab.clusters.setChannels("clusterb", ["COPS"]);
    const refused = await executeCommand("link app clustera clusterb", slack("UADMIN", "CRANDOM"), services);
    expect(refused).toMatchObject({ ok: false, failure: { refused: true } });
    if (!refused.ok) {
      expect(refused.failure.message).toMatch(/^This needs a cluster this channel may not use\./);
      for (const hidden of ["clusterb", "COPS"]) expect(refused.failure.message).not.toContain(hidden);
    }
    expect(await ourContainers(services.lab)).toEqual([]);
    expect((await executeCommand("link app clustera clusterb", slack("UADMIN", "COPS"), services)).ok).toBe(
      true,
    );
    expect(services.audit.recorded.map((e) => e.outcome)).toEqual(["refused", "started", "ok"]);
  });

  it("refuses teardown of a link whose clusters this channel may not use", async () => {
    const services = testServices();
    services.lab.clusters.setChannels("clusterb", ["COPS"]);
    await executeCommand("link app clustera clusterb", slack("UADMIN", "COPS"), services);
    const before = await ourContainers(services.lab);
    const outcome = await executeCommand("teardown app", slack("UADMIN", "CRANDOM"), services);
    expect(outcome).toMatchObject({ ok: false, failure: { refused: true } });
    expect(services.lab.links.all()).toHaveLength(1);
    expect(await ourContainers(services.lab)).toEqual(before);
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
    expect(services.audit.recorded.map((e) => [e.actor, e.outcome])).toEqual([
      [{ kind: "local", user: "alice" }, "started"],
      [{ kind: "local", user: "alice" }, "ok"],
    ]);
  });

  it("shows a UserError as it is, and audits it as an error", async () => {
    const services = testServices();
    const outcome = await executeCommand("link nope clustera clusterb", slack("UADMIN"), services);
    expect(outcome).toEqual({
      ok: false,
      failure: {
        message: 'No container "nope" on clustera. Check the name with `ports` or `docker ps` on that host.',
        refused: false,
      },
    });
    expect(services.audit.recorded.map((e) => e.outcome)).toEqual(["started", "error"]);
    expect(services.audit.recorded[1]).toMatchObject({ detail: expect.stringContaining("nope") });
  });

  it("hides other errors behind a reference that is in the log with its context", async () => {
    const lab = testServices().lab;
    const engine = engineFailingOn(
      lab.engine,
      "stagedPorts",
      new Error("connect ECONNREFUSED 10.0.0.13:2376"),
    );
    const services = testServices({ lab, engine });
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
    const services = testServices();
    services.lab.clusters.list = () => {
      throw new Error("store ./data/ambassador.json: unexpected end of JSON");
    };
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
    const services = testServices();
    await executeCommand("link app clustera clusterb", slack("UADMIN", "C1"), services);
    const outcome = await executeCommand("teardown", slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({ ok: true, result: { kind: "teardown", result: { status: "removed" } } });
    expect(services.lab.links.all()).toEqual([]);
    expect(await ourContainers(services.lab)).toEqual([]);
  });

  it("lists the links when the channel has several, and removes nothing", async () => {
    const services = testServices();
    services.lab.a.run({ name: "db", Image: "hello-app" });
    services.lab.b.run({ name: "cache", Image: "hello-app" });
    for (const [text, channel] of [
      ["link app clustera clusterb", "C1"],
      ["link db clustera clusterb --port 5432", "C1"],
      ["link cache clusterb clustera", "C2"],
    ] as const) {
      expect((await executeCommand(text, slack("UADMIN", channel), services)).ok, text).toBe(true);
    }
    const before = await ourContainers(services.lab);
    const outcome = await executeCommand("teardown", slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({ ok: true, result: { kind: "teardown-choice" } });
    if (outcome.ok && outcome.result.kind === "teardown-choice") {
      expect(outcome.result.links.map((v) => v.link.container).sort()).toEqual(["app", "db"]);
    }
    expect(services.lab.links.all()).toHaveLength(3);
    expect(await ourContainers(services.lab)).toEqual(before);
  });

  it("leaves out a link made here once its cluster is bound to another channel, and removes nothing", async () => {
    const services = testServices();
    const made = await executeCommand("link app clustera clusterb", slack("UADMIN", "C1"), services);
    if (!made.ok || made.result.kind !== "link") throw new Error("link failed");
    services.lab.clusters.setChannels("clusterb", ["C2"]);
    const before = await ourContainers(services.lab);
    const outcome = await executeCommand("teardown", slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({
      ok: false,
      failure: { message: expect.stringMatching(/^This channel has no links to tear down\./) },
    });
    const shown = JSON.stringify(outcome.ok ? {} : renderSlackFailure(outcome.failure));
    for (const hidden of [made.result.result.link.id, "clusterb", "app-ambassador"]) {
      expect(shown).not.toContain(hidden);
    }
    expect(services.lab.links.all()).toHaveLength(1);
    expect(await ourContainers(services.lab)).toEqual(before);
  });

  it("offers only the links of this channel it may still see", async () => {
    const services = testServices();
    services.lab.clusters.add(new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" }));
    services.lab.a.run({ name: "db", Image: "hello-app" });
    services.lab.a.run({ name: "queue", Image: "hello-app" });
    for (const text of [
      "link app clustera clusterb",
      "link db clustera clusterb --port 5432",
      "link queue clustera clusterc",
    ]) {
      expect((await executeCommand(text, slack("UADMIN", "C1"), services)).ok, text).toBe(true);
    }
    const queue = services.lab.links.all().find((link) => link.container === "queue");
    services.lab.clusters.setChannels("clusterc", ["C2"]);
    const outcome = await executeCommand("teardown", slack("UADMIN", "C1"), services);
    if (!outcome.ok || outcome.result.kind !== "teardown-choice") throw new Error(JSON.stringify(outcome));
    expect(outcome.result.links.map((view) => view.link.container).sort()).toEqual(["app", "db"]);
    const shown = JSON.stringify(renderSlackMessage(outcome.result));
    expect(shown).toContain("This channel has 2 links");
    for (const hidden of [queue?.id ?? "?", "clusterc", "queue"]) expect(shown).not.toContain(hidden);
    expect(services.lab.links.all()).toHaveLength(3);
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
