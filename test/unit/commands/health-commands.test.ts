import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand } from "../../../src/commands/execute.js";
import type { LinkHealth } from "../../../src/domain/link.js";
import { renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { clusterA, clusterB, FakeClusterDirectory, FakeEngine, testServices } from "../../support/fakes.js";

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

async function linked(options: { channels?: string[] } = {}) {
  const engine = new FakeEngine();
  const clusters = new FakeClusterDirectory([clusterA, { ...clusterB, channels: options.channels ?? [] }]);
  const { link } = await engine.link(
    "app",
    "clustera",
    "clusterb",
    { alias: "helloapp" },
    {
      actor: { kind: "slack", team: "T1", user: "UADMIN" },
      channel: "C1",
    },
  );
  return { engine, clusters, link };
}

function textOf(outcome: Awaited<ReturnType<typeof executeCommand>>): string {
  if (!outcome.ok) throw new Error(outcome.failure.message);
  return renderText(outcome.result, { commandPrefix: "/ambassador " });
}

describe("status <link-id>", () => {
  it("shows each container's live state and the monitor's health, since when and the last check", async () => {
    const { engine, link } = await linked();
    link.health = storedHealth;
    const services = {
      ...testServices({ engine }),
      health: (id: string) => (id === link.id ? liveHealth : undefined),
    };
    const text = textOf(await executeCommand(`status ${link.id}`, slack("UBOB"), services));
    expect(text).toContain(`Link ${link.id}: app clustera -> clusterb as helloapp (active)`);
    expect(text).toContain(
      "Health: broken since 2026-11-25T13:00:00.000Z, last check 2026-11-25T13:00:30.000Z",
    );
    expect(text).toContain("• target ambassador app-ambassador on clusterb is missing");
    expect(text).toContain("target ambassador app-ambassador on clusterb: running");
    expect(text).toContain("Connection: 5000 -> 10.0.0.12:5000");
  });

  it("falls back to the stored health when no monitor runs, and says when a link was never checked", async () => {
    const { engine, link } = await linked();
    const services = testServices({ engine });
    expect(textOf(await executeCommand(`status ${link.id}`, slack("UBOB"), services))).toContain(
      "Health: not checked yet",
    );
    link.health = storedHealth;
    expect(textOf(await executeCommand(`status ${link.id}`, slack("UBOB"), services))).toContain(
      "Health: healthy since 2026-11-20T08:00:00.000Z, last check 2026-11-20T09:00:00.000Z",
    );
  });

  it("names the links there are when the ID is unknown, and asks for the ID when it is missing", async () => {
    const { engine, link } = await linked();
    const services = testServices({ engine });
    const unknown = await executeCommand("status nope", slack("UBOB"), services);
    expect(unknown).toMatchObject({
      ok: false,
      failure: { message: `No link with ID or container "nope". Links: ${link.id} (app).` },
    });
    const missing = await executeCommand("status", slack("UBOB"), services);
    expect(missing).toMatchObject({
      ok: false,
      failure: { message: "Missing <link-id>.", usage: "status <link-id>" },
    });
  });

  it("renders as Block Kit with a warning when the link is broken", async () => {
    const { engine, link } = await linked();
    const services = { ...testServices({ engine }), health: () => liveHealth };
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
    const { engine } = await linked();
    const services = { ...testServices({ engine }), health: () => liveHealth };
    const text = textOf(await executeCommand("list", slack("UBOB"), services));
    expect(text).toContain(
      "    health broken since 2026-11-25T13:00:00.000Z, last check 2026-11-25T13:00:30.000Z",
    );
  });
});

describe("repair <link-id>", () => {
  it("is for admins only, and refuses before the engine is called", async () => {
    const { engine, link } = await linked();
    const services = testServices({ engine });
    const outcome = await executeCommand(`repair ${link.id}`, slack("UBOB"), services);
    expect(outcome).toMatchObject({
      ok: false,
      failure: { refused: true, message: expect.stringMatching(/^Only Ambassador admins may `repair`/) },
    });
    expect(engine.calls.filter((call) => call.startsWith("repair"))).toEqual([]);
    expect(services.audit.recorded.at(-1)).toMatchObject({ action: "repair", outcome: "refused" });
  });

  it("refuses from a channel the link's clusters are not bound to", async () => {
    const { engine, clusters, link } = await linked({ channels: ["COPS"] });
    const services = testServices({ engine, clusters });
    const outcome = await executeCommand(`repair ${link.id}`, slack("UADMIN", "C1"), services);
    expect(outcome).toMatchObject({
      ok: false,
      failure: {
        refused: true,
        message: expect.stringMatching(/^Cluster clusterb may only be used from <#COPS>/),
      },
    });
    expect(engine.calls.filter((call) => call.startsWith("repair"))).toEqual([]);
  });

  it("says what it recreated, or that there was nothing to repair", async () => {
    const { engine, link } = await linked();
    const services = testServices({ engine });
    expect(textOf(await executeCommand(`repair ${link.id}`, slack("UADMIN"), services))).toBe(
      `Link ${link.id} needs no repair: every part is there and current. \`/ambassador status ${link.id}\` shows it.`,
    );
    link.status = "broken";
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
