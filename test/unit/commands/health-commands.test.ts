import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand } from "../../../src/commands/execute.js";
import { homeLinks } from "../../../src/commands/home-links.js";
import type { LinkHealth } from "../../../src/domain/link.js";
import { renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { testServices } from "../../support/fakes.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

const slack = (user: string, channel = "C1"): Invocation => ({
  actor: { kind: "slack", team: "T1", user },
  channel,
  trusted: false,
});

const storedHealth: LinkHealth = {
  state: "healthy",
  since: "2026-11-20T08:00:00.000Z",
  lastCheck: "2026-11-20T09:00:00.000Z",
  problems: [],
};
const liveHealth: LinkHealth = {
  state: "broken",
  since: "2026-11-25T13:00:00.000Z",
  lastCheck: "2026-11-25T13:00:30.000Z",
  problems: ["target ambassador app-ambassador on clusterb is missing"],
};

/** A link of the seed tutorial made by the real engine, and a way to set the health stored with it. */
async function linked(options: { channels?: string[] } = {}) {
  const lab = memoryEngine();
  if (options.channels) lab.clusters.setChannels("clusterb", options.channels);
  const { link } = await lab.engine.link(
    "app",
    "clustera",
    "clusterb",
    { alias: "helloapp" },
    {
      actor: { kind: "slack", team: "T1", user: "UADMIN" },
      channel: "C1",
    },
  );
  const storeHealth = async (health: LinkHealth) => {
    const stored = lab.links.get(link.id);
    if (!stored) throw new Error(`link ${link.id} is not stored`);
    await lab.links.save({ ...stored, health });
  };
  return { lab, link, storeHealth };
}

function textOf(outcome: Awaited<ReturnType<typeof executeCommand>>): string {
  if (!outcome.ok) throw new Error(outcome.failure.message);
  return renderText(outcome.result, { commandPrefix: "/ambassador " });
}

describe("status <link-id>", () => {
  it("shows each container's live state and the monitor's health, since when and the last check, and calls the link broken as that check found it", async () => {
    const { lab, link, storeHealth } = await linked();
    await storeHealth(storedHealth);
    const services = {
      ...testServices({ lab }),
      health: (id: string) => (id === link.id ? liveHealth : undefined),
    };
    const text = textOf(await executeCommand(`status ${link.id}`, slack("UBOB"), services));
    expect(text).toContain(`Link ${link.id}: app clustera -> clusterb as helloapp (broken)`);
    expect(text).toContain(
      "Health: broken since 2026-11-25T13:00:00.000Z, last check 2026-11-25T13:00:30.000Z",
    );
    expect(text).toContain("• target ambassador app-ambassador on clusterb is missing");
    expect(text).toContain("target ambassador app-ambassador on clusterb: running");
    expect(text).toContain("Connection: 5000 -> 10.0.0.12:5000");
  });

  it("falls back to the stored health when no monitor runs, and says when a link was never checked", async () => {
    const { lab, link, storeHealth } = await linked();
    const services = testServices({ lab });
    expect(textOf(await executeCommand(`status ${link.id}`, slack("UBOB"), services))).toContain(
      "Health: not checked yet",
    );
    await storeHealth(storedHealth);
    expect(textOf(await executeCommand(`status ${link.id}`, slack("UBOB"), services))).toContain(
      "Health: healthy since 2026-11-20T08:00:00.000Z, last check 2026-11-20T09:00:00.000Z",
    );
  });

  it("says to list the links when the ID is unknown, and asks for the ID when it is missing", async () => {
    const { lab } = await linked();
    const services = testServices({ lab });
    const unknown = await executeCommand("status nope", slack("UBOB"), services);
    expect(unknown).toMatchObject({
      ok: false,
      failure: {
        message:
          'No link with ID or container "nope". `list` shows the links you may see; `reconcile` names what a link cut short left behind.',
      },
    });
    const missing = await executeCommand("status", slack("UBOB"), services);
    expect(missing).toMatchObject({
      ok: false,
      failure: { message: "Missing <link-id>.", usage: "status <link-id>" },
    });
  });

  it("names every one of the link's clusters that did not answer, its second target included, and calls the link unknown, not active", async () => {
    const lab = memoryEngine({ deadlines: { read: 500, answer: 200, recheck: 100, ping: 200 } });
    const c = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" });
    lab.clusters.add(c);
    const context = { actor: { kind: "slack", team: "T1", user: "UADMIN" } as const, channel: "C1" };
    const { link } = await lab.engine.link("app", "clustera", ["clusterb", "clusterc"], {}, context);
    c.hang();
    const text = textOf(await executeCommand(`status ${link.id}`, slack("UBOB"), testServices({ lab })));
    expect(text).toContain(`Link ${link.id}: app clustera -> clusterb,clusterc (unknown)`);
    expect(text).toMatch(/clusterc: no answer since \d\d:\d\d UTC, still asking/);
  });

  it("asks only the link's own clusters: one of another link that hangs is neither waited for nor named", async () => {
    const lab = memoryEngine({ deadlines: { read: 5_000, answer: 3_000, recheck: 100, ping: 200 } });
    const c = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" });
    lab.clusters.add(c);
    const context = { actor: { kind: "slack", team: "T1", user: "UADMIN" } as const, channel: "C1" };
    const { link } = await lab.engine.link("app", "clustera", "clusterb", {}, context);
    await lab.engine.link("app", "clustera", "clusterc", { alias: "other" }, context);
    c.hang();
    const started = performance.now();
    const outcome = await executeCommand(`status ${link.id}`, slack("UBOB"), testServices({ lab }));
    // Well within the 3 s a read waits for a cluster before it answers without it.
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(outcome.ok && "later" in outcome ? outcome.later : undefined).toBeUndefined();
    const text = textOf(outcome);
    expect(text).toContain(`Link ${link.id}: app clustera -> clusterb`);
    expect(text).toContain("target ambassador app-ambassador on clusterb: running");
    expect(text).not.toContain("clusterc");
  });

  it("renders as Block Kit with a warning when the link is broken", async () => {
    const { lab, link } = await linked();
    const services = { ...testServices({ lab }), health: () => liveHealth };
    const outcome = await executeCommand(`status ${link.id}`, slack("UBOB"), services);
    if (!outcome.ok) throw new Error(outcome.failure.message);
    const message = renderSlackMessage(outcome.result);
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain(":warning:");
    expect(blocks).toContain("broken since 2026-11-25T13:00:00.000Z");
    expect(message.text).toContain("last check 2026-11-25T13:00:30.000Z");
  });
});

describe("list", () => {
  it("shows each link's health with since and last check, from the monitor when it runs", async () => {
    const { lab } = await linked();
    const services = { ...testServices({ lab }), health: () => liveHealth };
    const text = textOf(await executeCommand("list", slack("UBOB"), services));
    expect(text).toContain(
      "    health broken since 2026-11-25T13:00:00.000Z, last check 2026-11-25T13:00:30.000Z",
    );
  });

  it("claims no health for a link of which a teardown left parts, in text, in Slack and on the Home tab", async () => {
    const { lab, link, storeHealth } = await linked();
    await storeHealth(storedHealth);
    // clusterb's Engine is down as the teardown runs: the source side goes, its side is left.
    lab.b.down();
    const torn = await lab.engine.teardown(link.id, { actor: { kind: "slack", team: "T1", user: "UADMIN" } });
    expect(torn.status).toBe("partial");
    lab.b.up();
    const services = { ...testServices({ lab }), links: lab.links, health: () => storedHealth };
    const text = textOf(await executeCommand("list", slack("UBOB"), services));
    expect(text).toContain(`${link.id}: app clustera -> clusterb as helloapp (partial)`);
    expect(text).toContain("    health not checked: only parts left");
    expect(text).not.toContain("healthy");
    const outcome = await executeCommand("list", slack("UBOB"), services);
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(JSON.stringify(renderSlackMessage(outcome.result))).not.toContain("healthy");
    expect(homeLinks(services, { actor: slack("UBOB").actor, trusted: false }).links).toEqual([
      { link: expect.objectContaining({ id: link.id, status: "partial" }) },
    ]);
  });
});

describe("repair <link-id>", () => {
  it("is for admins only, and refuses before Docker is called", async () => {
    const { lab, link } = await linked();
    lab.b.removeExternally("app-ambassador");
    const services = testServices({ lab });
    const calls = lab.b.calls.length;
    const outcome = await executeCommand(`repair ${link.id}`, slack("UBOB"), services);
    expect(outcome).toMatchObject({
      ok: false,
      failure: { refused: true, message: expect.stringMatching(/^Only Ambassador admins may `repair`/) },
    });
    expect(lab.b.calls.length).toBe(calls);
    expect(await lab.b.inspectContainer("app-ambassador")).toBeUndefined();
    expect(services.audit.recorded.at(-1)).toMatchObject({ action: "repair", outcome: "refused" });
  });

  it("refuses from a channel the link's clusters are not bound to", async () => {
    const { lab, link } = await linked({ channels: ["COPS"] });
    lab.b.removeExternally("app-ambassador");
    const services = testServices({ lab });
    const calls = lab.b.calls.length;
    const outcome = await executeCommand(`repair ${link.id}`, slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({
      ok: false,
      failure: {
        refused: true,
        message: expect.stringMatching(
          /^This needs a cluster this channel may not use\.((?!clusterb|COPS).)*$/,
        ),
      },
    });
    expect(lab.b.calls.length).toBe(calls);
    expect(await lab.b.inspectContainer("app-ambassador")).toBeUndefined();
  });

  it("says what it recreated, or that there was nothing to repair", async () => {
    const { lab, link } = await linked();
    const services = testServices({ lab });
    expect(textOf(await executeCommand(`repair ${link.id}`, slack("UADMIN"), services))).toBe(
      `Link ${link.id} needs no repair: every part is there and current. \`/ambassador status ${link.id}\` shows it.`,
    );
    lab.b.removeExternally("app-ambassador");
    const outcome = await executeCommand(`repair ${link.id}`, slack("UADMIN"), services);
    expect(textOf(outcome)).toContain(
      `Repaired link ${link.id}: recreated 1 part.\n  recreated target ambassador app-ambassador on clusterb (missing)`,
    );
    if (!outcome.ok) throw new Error("repair failed");
    const message = renderSlackMessage(outcome.result);
    expect(message.response_type).toBe("in_channel");
    expect(JSON.stringify(message.blocks)).toContain(
      "recreated target ambassador app-ambassador on clusterb",
    );
    expect(services.audit.recorded.at(-1)).toMatchObject({
      action: "repair",
      outcome: "ok",
      target: link.id,
    });
  });
});
