import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand, prepareCommand } from "../../../src/commands/execute.js";
import { testServices } from "../../support/fakes.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

const admin = (channel: string): Invocation => ({
  actor: { kind: "slack", team: "T1", user: "UADMIN" },
  channel,
  trusted: false,
});

/** The real engine over two in-memory hosts; clusterb may only be used from channel CALLOWED. */
async function linkedLab() {
  const lab = memoryEngine();
  lab.clusters.setChannels("clusterb", ["CALLOWED"]);
  const services = testServices({ lab });
  const made = await executeCommand(
    "link app clustera clusterb --web hello-web",
    admin("CALLOWED"),
    services,
  );
  if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
  return { ...lab, services, link: made.result.result.link };
}

describe("a link is authorised once it is resolved, however it is named", () => {
  it("refuses an admin in a channel its clusters do not allow, by link ID, container, consumer or ambassador", async () => {
    const { services, links, link, a, b } = await linkedLab();
    const ambassador = link.resources.find((r) => r.role === "source")?.name ?? "";
    expect(ambassador).toBe("app-ambassador");
    const audited = services.audit.recorded.length;
    for (const ref of [link.id, "app", "web", ambassador]) {
      for (const command of ["teardown", "repair", "status"]) {
        const outcome = await executeCommand(`${command} ${ref}`, admin("COTHER"), services);
        expect(outcome, `${command} ${ref}`).toMatchObject({ ok: false, failure: { refused: true } });
        if (!outcome.ok) {
          expect(outcome.failure.message).toMatch(/^This needs a cluster this channel may not use\./);
          for (const hidden of ["clusterb", "CALLOWED", link.id])
            expect(outcome.failure.message).not.toContain(hidden);
        }
      }
    }
    expect(links.get(link.id)?.status).toBe("active");
    expect((await a.listContainers(["io.ambassador.link"])).length).toBe(1);
    expect((await b.listContainers(["io.ambassador.link"])).length).toBe(2);
    // Each refusal is audited as that, and never as a teardown or repair that started.
    const outcomes = services.audit.recorded.slice(audited).map((e) => `${e.action} ${e.outcome}`);
    expect(outcomes).toEqual(
      [link.id, "app", "web", ambassador].flatMap(() => [
        "teardown refused",
        "repair refused",
        "status refused",
      ]),
    );
  });

  it("refuses before the command is acknowledged, so Slack shows the refusal and no progress note", async () => {
    const { services, link } = await linkedLab();
    for (const command of ["teardown", "repair", "status"]) {
      const prepared = await prepareCommand(`${command} ${link.id}`, admin("COTHER"), services);
      expect(prepared, command).toMatchObject({ kind: "failed", failure: { refused: true } });
      const allowed = await prepareCommand(`${command} ${link.id}`, admin("CALLOWED"), services);
      expect(allowed, command).toMatchObject({ kind: "ready" });
    }
    const unknown = await prepareCommand("teardown 0123456789ab", admin("CALLOWED"), services);
    expect(unknown).toMatchObject({ kind: "failed", failure: { refused: false } });
  });

  it("tears the link down by its ambassador's name from an allowed channel, and audits its start and its end", async () => {
    const { services, links, link, a, b } = await linkedLab();
    const before = services.audit.recorded.length;
    const outcome = await executeCommand("teardown app-ambassador", admin("CALLOWED"), services);
    expect(outcome).toMatchObject({ ok: true, result: { kind: "teardown", result: { status: "removed" } } });
    expect(links.get(link.id)).toBeUndefined();
    expect(await a.listContainers(["io.ambassador.link"])).toEqual([]);
    expect(await b.listContainers(["io.ambassador.link"])).toEqual([]);
    const entry = {
      action: "teardown",
      target: "app-ambassador",
      actor: { kind: "slack", team: "T1", user: "UADMIN" },
    };
    expect(services.audit.recorded.slice(before)).toEqual([
      expect.objectContaining({ ...entry, outcome: "started" }),
      expect.objectContaining({ ...entry, outcome: "ok", detail: `link ${link.id} removed` }),
    ]);
  });

  it("writes two audit entries for a link, its start and its end, naming the Slack user", async () => {
    const { services, link } = await linkedLab();
    const entry = {
      action: "link",
      actor: { kind: "slack", team: "T1", user: "UADMIN" },
      channel: "CALLOWED",
    };
    expect(services.audit.recorded).toEqual([
      expect.objectContaining({ ...entry, outcome: "started" }),
      expect.objectContaining({ ...entry, outcome: "ok", detail: `made link ${link.id}` }),
    ]);
  });
});

describe("a link that clears what an interrupted one left", () => {
  it("names each removed object in its audit entry", async () => {
    const { services, links, link } = await linkedLab();
    // A process killed after it made the parts, before it saved the link.
    await links.remove(link.id);
    const before = services.audit.recorded.length;
    const again = await executeCommand(
      "link app clustera clusterb --web hello-web",
      admin("CALLOWED"),
      services,
    );
    if (!again.ok || again.result.kind !== "link") throw new Error("link failed");
    expect(services.audit.recorded.slice(before).at(-1)?.detail).toBe(
      `made link ${again.result.result.link.id}; removed what an interrupted link left: container app-ambassador on clustera, container app-ambassador on clusterb, container web on clusterb`,
    );
  });
});

/** Three in-memory hosts, and what a link from clustera to clusterb made before it was killed, unsaved. */
async function interruptedToClusterb() {
  const lab = memoryEngine();
  lab.clusters.add(new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" }));
  const services = testServices({ lab });
  const first = await executeCommand("link app clustera clusterb --web hello-web", admin("C1"), services);
  if (!first.ok || first.result.kind !== "link") throw new Error("link failed");
  await lab.links.remove(first.result.result.link.id);
  return { lab, services };
}

async function linkToClusterc(services: ReturnType<typeof testServices>) {
  const again = await executeCommand("link app clustera clusterc --web hello-web", admin("C1"), services);
  if (!again.ok || again.result.kind !== "link") throw new Error("link failed");
  return again.result.result;
}

describe("a link from a channel, after an interrupted one that reached a cluster bound elsewhere", () => {
  it("leaves what that one left there, and names neither the cluster nor its objects", async () => {
    const { lab, services } = await interruptedToClusterb();
    lab.clusters.setChannels("clusterb", ["C0SECRET"]);
    const again = await linkToClusterc(services);
    expect((await lab.b.listContainers(["io.ambassador.link"])).length).toBe(2);
    expect(JSON.stringify(again)).not.toContain("clusterb");
    expect(JSON.stringify(services.audit.recorded.at(-1))).not.toContain("clusterb");
  });
});

describe("a link that could not ask a cluster to give up what an interrupted one left", () => {
  it("names that cluster in its audit entry", async () => {
    const { lab, services } = await interruptedToClusterb();
    lab.b.down();
    const again = await linkToClusterc(services);
    expect(services.audit.recorded.at(-1)?.detail).toBe(
      `made link ${again.link.id}; removed what an interrupted link left: container app-ambassador on clustera; kept what it left on clusters that did not answer: clusterb`,
    );
  });
});

describe("a link this channel may not see is never named", () => {
  it("refuses its container as --consumer without naming it", async () => {
    const lab = memoryEngine();
    const c = new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" });
    c.run({ name: "app", Image: "hello-app" });
    lab.clusters.add(c);
    lab.clusters.setChannels("clusterc", ["CALLOWED"]);
    const services = testServices({ lab });
    const made = await executeCommand("link app clusterc clusterb", admin("CALLOWED"), services);
    if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
    const hidden = made.result.result.link;
    const ambassador = hidden.resources.find((r) => r.role === "target")?.name ?? "";
    const outcome = await executeCommand(
      `link app clustera clusterb --consumer ${ambassador}`,
      admin("COTHER"),
      services,
    );
    expect(outcome).toEqual({
      ok: false,
      failure: {
        refused: false,
        message: `Container "${ambassador}" on clusterb is part of a link the bot made; pass a container of your own to --consumer.`,
      },
    });
    expect(lab.links.all().map((link) => link.id)).toEqual([hidden.id]);
  });
});

describe("a fanned-out link is authorised for every cluster it touches", () => {
  it("is refused, made and torn down only where each of its targets is allowed", async () => {
    const lab = memoryEngine();
    const c = new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" });
    lab.clusters.add(c);
    lab.clusters.setChannels("clusterc", ["CALLOWED"]);
    const services = testServices({ lab });
    const refused = await executeCommand(
      "link app clustera clusterb,clusterc --web hello-web",
      admin("COTHER"),
      services,
    );
    expect(refused).toMatchObject({ ok: false, failure: { refused: true } });
    if (!refused.ok) {
      expect(refused.failure.message).toMatch(/^This needs a cluster this channel may not use\./);
      for (const hidden of ["clusterc", "CALLOWED"]) expect(refused.failure.message).not.toContain(hidden);
    }
    expect(await c.listContainers(["io.ambassador.link"])).toEqual([]);
    const made = await executeCommand(
      "link app clustera clusterb,clusterc --web hello-web",
      admin("CALLOWED"),
      services,
    );
    if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
    const id = made.result.result.link.id;
    const teardown = await executeCommand(`teardown ${id} --target clusterb`, admin("COTHER"), services);
    expect(teardown).toMatchObject({ ok: false, failure: { refused: true } });
    expect((await lab.b.listContainers(["io.ambassador.link"])).length).toBe(2);
    const allowed = await executeCommand(`teardown ${id} --target clusterb`, admin("CALLOWED"), services);
    expect(allowed).toMatchObject({ ok: true, result: { kind: "teardown", result: { target: "clusterb" } } });
    expect(await lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
    expect((await c.listContainers(["io.ambassador.link"])).length).toBe(2);
  });

  it("counts, and never names, the clusters it may not use from this channel", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" }));
    lab.clusters.setChannels("clusterb", ["CALLOWED"]);
    lab.clusters.setChannels("clusterc", ["CALLOWED"]);
    const services = testServices({ lab });
    const refused = await executeCommand("link app clustera clusterb,clusterc", admin("COTHER"), services);
    expect(refused).toEqual({
      ok: false,
      failure: {
        refused: true,
        message:
          "This needs 2 clusters this channel may not use. Run it in a channel they are bound to, or ask an operator to add this channel (`ambassador clusters add <cluster> … --channel COTHER`).",
      },
    });
  });
});
