import { afterEach, describe, expect, it } from "vitest";
import { clusterA, clusterB, FakeClusterDirectory, FakeEngine, MemoryAuditLog } from "../support/fakes.js";
import { type SlackHarness, startSlackHarness } from "../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const linkText = "link app clustera clusterb --alias helloapp --web hello-web";

describe("/ambassador over signed HTTP", () => {
  it("acks at once, then posts the link result in the channel with the URL and the mappings", async () => {
    harness = await startSlackHarness();
    const reply = await harness.slash(linkText);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      response_type: "ephemeral",
      text: "Linking app from clustera to clusterb…",
    });
    const [result] = await harness.waitForResponses(reply.responseId);
    expect(result?.body.response_type).toBe("in_channel");
    expect(result?.body.text).toContain("http://10.0.0.13:32770");
    expect(result?.body.text).toContain("5000/tcp -> 10.0.0.12:5000");
    const blocks = JSON.stringify(result?.body.blocks);
    expect(blocks).toContain("http://10.0.0.13:32770");
    expect(blocks).toContain("5000/tcp -> 10.0.0.13:32770");
    expect(harness.services.audit.entries()).toEqual([
      expect.objectContaining({
        action: "link",
        outcome: "ok",
        actor: { kind: "slack", team: "T1", user: "UADMIN" },
      }),
    ]);
  });

  it("holds the 3-second ack while Docker takes 5 s, and delivers the result afterwards", async () => {
    harness = await startSlackHarness({ engine: new FakeEngine({ delayMs: 5_000 }) });
    const reply = await harness.slash(linkText);
    expect(reply.status).toBe(200);
    expect(reply.elapsedMs).toBeLessThan(1_000);
    expect(reply.body).toMatchObject({ text: "Linking app from clustera to clusterb…" });
    expect(harness.responses).toEqual([]);
    const [result] = await harness.waitForResponses(reply.responseId, 1, 10_000);
    expect(result?.body).toMatchObject({ response_type: "in_channel" });
    expect(result?.body.text).toContain("http://10.0.0.13:32770");
  }, 20_000);

  it("refuses link to a non-admin, ephemerally, without calling the engine, and audits it", async () => {
    const engine = new FakeEngine();
    harness = await startSlackHarness({ engine });
    const reply = await harness.slash(linkText, { user: "UBOB" });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/^Only Ambassador admins may `link`/),
    });
    expect(engine.calls).toEqual([]);
    expect(harness.services.audit.entries()).toEqual([
      expect.objectContaining({
        action: "link",
        outcome: "refused",
        actor: { kind: "slack", team: "T1", user: "UBOB" },
      }),
    ]);
  });

  it("shows errors only to the person: bad usage in the ack, engine errors through the response URL", async () => {
    harness = await startSlackHarness();
    const usage = await harness.slash("link app clustera");
    expect(usage.body).toMatchObject({ response_type: "ephemeral" });
    const shown = (usage.body as { text: string }).text;
    expect(shown).not.toMatch(/<[a-z]/);
    expect(shown.replace(/&lt;/g, "<").replace(/&amp;/g, "&")).toBe(
      "Missing <target-cluster>.\nUsage: /ambassador link <container> <source-cluster> <target-cluster> [--alias NAME] [--port N]... [--web IMAGE] [--web-name NAME] [--legacy-links]",
    );
    const missing = await harness.slash("link nothing clustera clusterb");
    const [posted] = await harness.waitForResponses(missing.responseId);
    expect(posted?.body).toMatchObject({
      response_type: "ephemeral",
      text: "There is no container named nothing on clustera.",
    });
  });

  it("turns a crash in the work into a short ephemeral error with a reference that is in the log", async () => {
    harness = await startSlackHarness({
      engine: new FakeEngine({ crash: new Error("socket hang up talking to 10.0.0.13:2376") }),
    });
    const reply = await harness.slash("ports web", { user: "UBOB" });
    expect(reply.body).toMatchObject({ text: "Looking up the ports of web…" });
    const [posted] = await harness.waitForResponses(reply.responseId);
    expect(posted?.body.response_type).toBe("ephemeral");
    const reference = /reference ([A-Z0-9]+)/.exec(posted?.body.text ?? "")?.[1];
    expect(reference).toBeDefined();
    expect(posted?.body.text).not.toContain("socket hang up");
    expect(harness.log.text).toContain(reference);
    expect(harness.log.text).toContain("socket hang up talking to 10.0.0.13:2376");
  });

  it("answers help in the ack, from the command table", async () => {
    harness = await startSlackHarness();
    const reply = await harness.slash("");
    expect(reply.body).toMatchObject({ response_type: "ephemeral" });
    const text = (reply.body as { text: string }).text;
    for (const name of ["link", "ports", "teardown", "list", "clusters", "help"])
      expect(text).toContain(`/ambassador ${name}`);
  });

  it("lists the channel's links with a button each for a bare teardown, and a press tears that one down", async () => {
    const engine = new FakeEngine({
      containers: [
        { cluster: "clustera", name: "app", ports: [5000] },
        { cluster: "clustera", name: "db", ports: [5432] },
      ],
    });
    harness = await startSlackHarness({ engine });
    for (const text of ["link app clustera clusterb", "link db clustera clusterb"]) {
      await harness.waitForResponses((await harness.slash(text)).responseId);
    }
    const reply = await harness.slash("teardown");
    const [choice] = await harness.waitForResponses(reply.responseId);
    expect(choice?.body.response_type).toBe("ephemeral");
    const buttons = (choice?.body.blocks ?? []).flatMap((b) => (b.accessory ? [b.accessory] : []));
    expect(buttons.map((b) => b.value)).toEqual(["lnk0001", "lnk0002"]);
    expect(engine.links).toHaveLength(2);

    const refused = await harness.press(buttons[1] as { action_id: string; value: string }, { user: "UBOB" });
    const [refusal] = await harness.waitForResponses(refused.responseId);
    expect(refusal?.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/Only Ambassador admins/),
    });
    expect(engine.links).toHaveLength(2);

    const pressed = await harness.press(buttons[1] as { action_id: string; value: string });
    expect(pressed.status).toBe(200);
    const posts = await harness.waitForResponses(pressed.responseId, 2);
    expect(posts[0]?.body).toMatchObject({ text: "Tearing down lnk0002…", replace_original: true });
    expect(posts[1]?.body).toMatchObject({ response_type: "in_channel", replace_original: false });
    expect(posts[1]?.body.text).toMatch(/^Tore down link lnk0002: removed 2 objects\./);
    expect(engine.links.map((l) => l.id)).toEqual(["lnk0001"]);
  });

  it("runs over the services createServices builds from a backend, as the real store and engine plug in", async () => {
    let closed = false;
    harness = await startSlackHarness({
      backend: async (config) => {
        expect(config.slack.mode).toBe("http");
        return {
          engine: new FakeEngine(),
          clusters: new FakeClusterDirectory(),
          audit: new MemoryAuditLog(),
          close: async () => {
            closed = true;
          },
        };
      },
    });
    const reply = await harness.slash(linkText);
    const [result] = await harness.waitForResponses(reply.responseId);
    expect(result?.body.text).toContain("http://10.0.0.13:32770");
    await harness.close();
    harness = undefined;
    expect(closed).toBe(true);
  });

  it("refuses link from a channel that is not allowed for both clusters", async () => {
    const clusters = [clusterA, { ...clusterB, channels: ["COPS"] }];
    harness = await startSlackHarness({
      clusters: new FakeClusterDirectory(clusters),
      engine: new FakeEngine({ clusters }),
    });
    const reply = await harness.slash(linkText, { channel: "CRANDOM" });
    expect(reply.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/Cluster clusterb may only be used from/),
    });
    const allowed = await harness.slash(linkText, { channel: "COPS" });
    expect(allowed.body).toMatchObject({ text: "Linking app from clustera to clusterb…" });
  });
});

describe("requests not signed by Slack", () => {
  const cases: [string, (h: SlackHarness) => Parameters<SlackHarness["slash"]>[1]][] = [
    ["a signature made with another secret", () => ({ secret: "not-the-signing-secret" })],
    ["no signature", () => ({ signature: null })],
    ["a malformed signature", () => ({ signature: "v0=xyz" })],
    ["a timestamp six minutes old", () => ({ timestamp: Math.floor(Date.now() / 1000) - 360 })],
    ["a timestamp six minutes ahead", () => ({ timestamp: Math.floor(Date.now() / 1000) + 360 })],
  ];

  it.each(cases)("get a bare 401 for %s and do nothing", async (_name, options) => {
    const engine = new FakeEngine();
    harness = await startSlackHarness({ engine });
    const reply = await harness.slash(linkText, options(harness));
    expect(reply.status).toBe(401);
    expect(reply.body).toBe("");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(engine.calls).toEqual([]);
    expect(harness.responses).toEqual([]);
    expect(harness.services.audit.entries()).toEqual([]);
  });

  it("refuses a body changed after signing", async () => {
    harness = await startSlackHarness();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const { slackSignature } = await import("../../src/slack/signature.js");
    const signed = "command=%2Fambassador&text=list&user_id=UBOB";
    const reply = await harness.postRaw(signed.replace("list", "teardown"), {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(harness.signingSecret, timestamp, signed),
    });
    expect(reply).toEqual({ status: 401, text: "" });
  });
});

describe("operations", () => {
  it("answers /healthz, and on shutdown answers 503 while a running command finishes", async () => {
    harness = await startSlackHarness({ engine: new FakeEngine({ delayMs: 1_500 }) });
    expect(await harness.health()).toBe(200);
    const reply = await harness.slash(linkText);
    const stopping = harness.bot.shutdown();
    expect(await harness.health()).toBe(503);
    const turnedAway = await harness.slash("list");
    expect(turnedAway.body).toMatchObject({ text: "The bot is restarting; try again in a minute." });
    await stopping;
    const [result] = await harness.waitForResponses(reply.responseId, 1, 1);
    expect(result?.body).toMatchObject({ response_type: "in_channel" });
    await expect(harness.health()).rejects.toThrow();
  });

  it("never logs the bot token, the signing secret or a response URL", async () => {
    harness = await startSlackHarness({ engine: new FakeEngine({ crash: new Error("boom") }) });
    const reply = await harness.slash(linkText);
    await harness.waitForResponses(reply.responseId);
    await harness.slash(linkText, { secret: "wrong" });
    const pressed = await harness.press({ action_id: "teardown_link_0", value: "lnk0001" });
    await harness.waitForResponses(pressed.responseId, 2);
    const log = harness.log.text ?? "";
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(harness.botToken);
    expect(log).not.toContain(harness.signingSecret);
    expect(log).not.toContain(reply.responseId);
    expect(log).not.toContain(pressed.responseId);
  });
});
