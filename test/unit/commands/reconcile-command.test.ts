import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand } from "../../../src/commands/execute.js";
import { renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

const slack = (user: string, channel: string): Invocation => ({
  actor: { kind: "slack", team: "T1", user },
  channel,
  trusted: false,
});

const local = { actor: { kind: "local", user: "t" } } as const;

/** Two in-memory hosts with `app` on clustera linked to clusterb. */
async function linkedLab() {
  const lab = memoryEngine();
  const services = testServices({ engine: lab.engine, clusters: lab.clusters });
  const made = await lab.engine.link("app", "clustera", "clusterb", {}, local);
  return { ...lab, services, made };
}

/** A link whose record was lost, as when the bot dies before saving it: its parts are orphans. */
async function orphanedLab() {
  const lab = await linkedLab();
  await lab.links.remove(lab.made.link.id);
  return { ...lab, linkId: lab.made.link.id };
}

describe("reconcile", () => {
  it("names the orphans at the terminal, changing nothing, and says how to remove them", async () => {
    const { services, a, b, linkId } = await orphanedLab();
    const outcome = await executeCommand("reconcile", localInvocation("operator"), services);
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(renderText(outcome.result).split("\n")).toEqual([
      "4 orphans (made by the bot, owned by no link), 0 links missing parts.",
      `  orphan container app-ambassador on clustera (link ${linkId})`,
      `  orphan network ambassador-${linkId}-source on clustera (link ${linkId})`,
      `  orphan container app-ambassador on clusterb (link ${linkId})`,
      `  orphan network ambassador-${linkId}-target on clusterb (link ${linkId})`,
      "`reconcile --fix` removes the orphans.",
    ]);
    expect((await a.listContainers(["io.ambassador.link"])).length).toBe(1);
    expect((await b.listContainers(["io.ambassador.link"])).length).toBe(1);
  });

  it("says a link a teardown left partly done is finished by teardown, and leaves it so with --fix", async () => {
    const { services, links, a, made } = await linkedLab();
    const id = made.link.id;
    const source = made.link.resources.find((r) => r.role === "source" && r.kind === "container");
    a.removeExternally(source?.id ?? "");
    await links.save({ ...made.link, status: "partial" });
    for (const line of ["reconcile", "reconcile --fix"]) {
      const outcome = await executeCommand(line, localInvocation("operator"), services);
      if (!outcome.ok) throw new Error(outcome.failure.message);
      expect(renderText(outcome.result).split("\n"), line).toContain(
        `  link ${id} was left partly removed and is missing container app-ambassador on clustera; \`teardown ${id}\` finishes it`,
      );
      expect(links.get(id)?.status).toBe("partial");
    }
  });

  it("removes every orphan with --fix, and the next reconcile finds none", async () => {
    const { services, a, b } = await orphanedLab();
    const fixed = await executeCommand("reconcile --fix", localInvocation("operator"), services);
    if (!fixed.ok) throw new Error(fixed.failure.message);
    expect(renderText(fixed.result)).toMatch(/\nRemoved 4 orphans\.$/);
    for (const host of [a, b]) {
      expect(await host.listContainers(["io.ambassador.link"])).toEqual([]);
      expect(await host.listNetworks(["io.ambassador.link"])).toEqual([]);
    }
    const again = await executeCommand("reconcile", localInvocation("operator"), services);
    if (!again.ok) throw new Error(again.failure.message);
    expect(renderText(again.result)).toBe(
      "The store and the hosts agree: no orphans, no link missing parts.",
    );
    expect(services.audit.recorded.map((e) => `${e.action} ${e.outcome} ${e.detail}`)).toEqual([
      "reconcile started undefined",
      "reconcile ok removed 4 of 4 orphan(s)",
      "reconcile started undefined",
      "reconcile ok 0 orphan(s), 0 broken link(s), 0 object(s) outside a link's record",
    ]);
  });

  it("names an object labelled for a stored link but missing from its record, leaves it with --fix, and repair removes it", async () => {
    const { services, made, ...lab } = await linkedLab();
    // As a crash during a repair leaves it: a part made, the record not yet saved.
    const stray = made.link.resources.find((r) => r.role === "target");
    if (!stray) throw new Error("no target ambassador");
    await lab.links.save({ ...made.link, resources: made.link.resources.filter((r) => r !== stray) });
    const outcome = await executeCommand("reconcile --fix", localInvocation("operator"), services);
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(renderText(outcome.result).split("\n")).toEqual([
      "0 orphans (made by the bot, owned by no link), 0 links missing parts, 1 object outside its link's record.",
      `  container ${stray.name} on clusterb carries link ${made.link.id}'s label but is not in its record; \`repair ${made.link.id}\` removes it and keeps the link`,
      "Removed 0 orphans.",
    ]);
    expect((await lab.b.listContainers(["io.ambassador.link"])).map((c) => c.Id)).toContain(stray.id);
    const repaired = await executeCommand(`repair ${made.link.id}`, localInvocation("operator"), services);
    if (!repaired.ok) throw new Error(repaired.failure.message);
    expect(renderText(repaired.result)).toContain(
      `removed container ${stray.name} on clusterb, left outside the link's record by an earlier attempt`,
    );
    const onB = await lab.b.listContainers(["io.ambassador.link"]);
    expect(onB.map((c) => c.Id)).not.toContain(stray.id);
    expect(onB.map((c) => c.Names.join(","))).toContain(`/${stray.name}`);
  });

  it("of a link left partly torn down, says the teardown that the link waits for removes an object outside its record", async () => {
    const { services, made, ...lab } = await linkedLab();
    const stray = made.link.resources.find((r) => r.role === "target");
    if (!stray) throw new Error("no target ambassador");
    await lab.links.save({
      ...made.link,
      status: "partial",
      resources: made.link.resources.filter((r) => r !== stray),
    });
    const outcome = await executeCommand("reconcile", localInvocation("operator"), services);
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(renderText(outcome.result).split("\n")).toContain(
      `  container ${stray.name} on clusterb carries link ${made.link.id}'s label but is not in its record; \`teardown ${made.link.id}\`, which the link was left waiting for, removes it`,
    );
    const finished = await executeCommand(`teardown ${made.link.id}`, localInvocation("operator"), services);
    if (!finished.ok) throw new Error(finished.failure.message);
    expect(await lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
  });

  it("is for admins only in Slack, from a channel every cluster allows", async () => {
    const { services, a, clusters } = await orphanedLab();
    clusters.setChannels("clusterb", ["CALLOWED"]);
    const member = await executeCommand("reconcile --fix", slack("UMEMBER", "CALLOWED"), services);
    expect(member).toMatchObject({ ok: false, failure: { refused: true } });
    if (!member.ok) expect(member.failure.message).toMatch(/^Only Ambassador admins may `reconcile`/);
    const elsewhere = await executeCommand("reconcile --fix", slack("UADMIN", "COTHER"), services);
    expect(elsewhere).toMatchObject({ ok: false, failure: { refused: true } });
    if (!elsewhere.ok) {
      expect(elsewhere.failure.message).toMatch(/^This needs a cluster this channel may not use\./);
      for (const hidden of ["clusterb", "CALLOWED"]) expect(elsewhere.failure.message).not.toContain(hidden);
    }
    expect((await a.listContainers(["io.ambassador.link"])).length).toBe(1);
    const allowed = await executeCommand("reconcile --fix", slack("UADMIN", "CALLOWED"), services);
    expect(allowed).toMatchObject({
      ok: true,
      result: { kind: "reconcile", fixed: true, result: { removed: 4 } },
    });
    expect(services.audit.recorded.map((e) => `${e.action} ${e.outcome}`)).toEqual([
      "reconcile refused",
      // Which clusters it needs is known only once it runs; refused there, it never started.
      "reconcile refused",
      "reconcile started",
      "reconcile ok",
    ]);
  });

  it("leaves a link on a cluster no longer registered to the terminal: Slack neither names it nor marks it", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" }));
    const services = testServices({ engine: lab.engine, clusters: lab.clusters });
    const { link } = await lab.engine.link("app", "clustera", "clusterc", {}, local);
    lab.a.removeExternally("app-ambassador");
    lab.clusters.remove("clusterc");

    for (const line of ["reconcile", "reconcile --fix"]) {
      const outcome = await executeCommand(line, slack("UADMIN", "C1"), services);
      if (!outcome.ok) throw new Error(outcome.failure.message);
      const shown = JSON.stringify(renderSlackMessage(outcome.result));
      expect(shown, line).toContain("The store and the hosts agree: no orphans, no link missing parts.");
      for (const hidden of [link.id, "clusterc"]) expect(shown, line).not.toContain(hidden);
    }
    expect(lab.links.get(link.id)?.status).toBe("active");

    const there = await executeCommand("reconcile --fix", localInvocation("operator"), services);
    if (!there.ok) throw new Error(there.failure.message);
    expect(renderText(there.result)).toContain(
      `link ${link.id} is missing container app-ambassador on clustera; \`repair ${link.id}\` makes it again`,
    );
    expect(lab.links.get(link.id)?.status).toBe("broken");
  });
});
