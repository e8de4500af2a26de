import { afterEach, describe, expect, it } from "vitest";
import { MemoryAuditLog } from "../support/fakes.js";
import { type MemoryEngine, memoryEngine, publishedUrl } from "../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const linkText = "link app clustera clusterb --alias helloapp --web hello-web";

function labOf(h: SlackHarness): MemoryEngine {
  if (!h.lab) throw new Error("the harness runs no in-memory lab");
  return h.lab;
}

/** Every Docker call either host of the lab received. */
const dockerCalls = (lab: MemoryEngine) => [...lab.a.calls, ...lab.b.calls];

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
    const lab = labOf(harness);
    const [link] = lab.links.all();
    const web = await publishedUrl(lab.b, "web");
    expect(web).toMatch(/^http:\/\/10\.0\.0\.13:\d+$/);
    expect(result?.body.response_type).toBe("in_channel");
    expect(result?.body.text).toContain(
      `Linked app from clustera to clusterb as helloapp (link ${link?.id}).\nWeb: ${web}\n`,
    );
    expect(result?.body.text).toContain("5000/tcp -> 10.0.0.12:5000");
    const blocks = JSON.stringify(result?.body.blocks);
    expect(blocks).toContain(`*Web:* ${web}`);
    expect(blocks).toContain(`5000/tcp -> ${web.replace("http://", "")}`);
    const entry = { action: "link", actor: { kind: "slack", team: "T1", user: "UADMIN" } };
    expect(await harness.services.audit.entries()).toEqual([
      expect.objectContaining({ ...entry, outcome: "started" }),
      expect.objectContaining({ ...entry, outcome: "ok" }),
    ]);
  });

  it("holds the 3-second ack while Docker takes 4 s, and delivers the result afterwards", async () => {
    // Every Docker call takes 0.5 s: the link's eight rounds of calls (the rest go side by side) take about 4 s.
    harness = await startSlackHarness({ lab: memoryEngine({ latencyMs: 500 }) });
    const started = Date.now();
    const reply = await harness.slash(linkText);
    expect(reply.status).toBe(200);
    expect(reply.elapsedMs).toBeLessThan(1_000);
    expect(reply.body).toMatchObject({ text: "Linking app from clustera to clusterb…" });
    expect(harness.responses).toEqual([]);
    const [result] = await harness.waitForResponses(reply.responseId, 1, 15_000);
    expect(Date.now() - started).toBeGreaterThan(3_000);
    expect(result?.body).toMatchObject({ response_type: "in_channel" });
    expect(result?.body.text).toContain(`Web: ${await publishedUrl(labOf(harness).b, "web")}`);
  }, 30_000);

  it("refuses link to a non-admin, ephemerally, without calling the engine, and audits it", async () => {
    harness = await startSlackHarness();
    const reply = await harness.slash(linkText, { user: "UBOB" });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/^Only Ambassador admins may `link`/),
    });
    expect(dockerCalls(labOf(harness))).toEqual([]);
    expect(labOf(harness).links.all()).toEqual([]);
    expect(await harness.services.audit.entries()).toEqual([
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
      "Missing <target-cluster>.\nUsage: /ambassador link <container> <source-cluster> <target-cluster> [--alias NAME] [--port N]... [--web IMAGE] [--web-name NAME] [--consumer NAME] [--legacy-links] [--plaintext]",
    );
    const missing = await harness.slash("link nothing clustera clusterb");
    const [posted] = await harness.waitForResponses(missing.responseId);
    expect(posted?.body).toMatchObject({
      response_type: "ephemeral",
      text: 'No container "nothing" on clustera. Check the name with `ports` or `docker ps` on that host.',
    });
  });

  it("turns a crash in the work into a short ephemeral error with a reference that is in the log", async () => {
    harness = await startSlackHarness();
    await harness.waitForResponses((await harness.slash(linkText)).responseId);
    const lab = labOf(harness);
    // Docker on clusterb answers the repair's lookup of what an attempt on the link left with a 500.
    lab.b.failOn("list containers", { reason: "socket hang up talking to 10.0.0.13:2376", statusCode: 500 });
    const reply = await harness.slash(`repair ${lab.engine.find("app").id}`);
    expect(reply.body).toMatchObject({ response_type: "ephemeral" });
    const [posted] = await harness.waitForResponses(reply.responseId);
    expect(posted?.body.response_type).toBe("ephemeral");
    expect(posted?.body.text).toMatch(
      /^Something went wrong while running `repair`\. The bot's operator can find the details in its log under reference [A-Z0-9]+\.$/,
    );
    const reference = /reference ([A-Z0-9]+)/.exec(posted?.body.text ?? "")?.[1];
    expect(reference).toBeDefined();
    expect(posted?.body.text).not.toContain("socket hang up");
    expect(harness.log.text).toContain(reference);
    expect(harness.log.text).toContain("socket hang up talking to 10.0.0.13:2376");
    expect(lab.links.all()).toHaveLength(1);
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
    const lab = memoryEngine();
    lab.a.run({ name: "db", Image: "hello-app" });
    harness = await startSlackHarness({ lab });
    for (const text of ["link app clustera clusterb", "link db clustera clusterb"]) {
      await harness.waitForResponses((await harness.slash(text)).responseId);
    }
    const reply = await harness.slash("teardown");
    const [choice] = await harness.waitForResponses(reply.responseId);
    expect(choice?.body.response_type).toBe("ephemeral");
    const buttons = (choice?.body.blocks ?? []).flatMap((b) => (b.accessory ? [b.accessory] : []));
    const appLink = lab.engine.find("app").id;
    const dbLink = lab.engine.find("db").id;
    expect(buttons.map((b) => b.value)).toEqual([appLink, dbLink]);
    expect(lab.links.all()).toHaveLength(2);

    const refused = await harness.press(buttons[1] as { action_id: string; value: string }, { user: "UBOB" });
    const [refusal] = await harness.waitForResponses(refused.responseId);
    expect(refusal?.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/Only Ambassador admins/),
    });
    expect(lab.links.all()).toHaveLength(2);

    const pressed = await harness.press(buttons[1] as { action_id: string; value: string });
    expect(pressed.status).toBe(200);
    const posts = await harness.waitForResponses(pressed.responseId, 2);
    expect(posts[0]?.body).toMatchObject({ text: `Tearing down ${dbLink}…`, replace_original: true });
    expect(posts[1]?.body).toMatchObject({ response_type: "in_channel", replace_original: false });
    expect(posts[1]?.body.text).toMatch(new RegExp(`^Tore down link ${dbLink}: removed \\d+ objects\\.`));
    expect(lab.links.all().map((l) => l.id)).toEqual([appLink]);
    expect(await lab.a.listContainers([`io.ambassador.link=${dbLink}`])).toEqual([]);
    expect(await lab.b.listContainers([`io.ambassador.link=${dbLink}`])).toEqual([]);
  });

  it("runs over the services createServices builds from a backend, as the real store and engine plug in", async () => {
    let closed = false;
    const lab = memoryEngine();
    harness = await startSlackHarness({
      backend: async (config) => {
        expect(config.slack.mode).toBe("http");
        return {
          engine: lab.engine,
          clusters: lab.clusters,
          audit: new MemoryAuditLog(),
          close: async () => {
            closed = true;
          },
        };
      },
    });
    const reply = await harness.slash(linkText);
    const [result] = await harness.waitForResponses(reply.responseId);
    expect(result?.body.text).toContain(`Web: ${await publishedUrl(lab.b, "web")}`);
    await harness.close();
    harness = undefined;
    expect(closed).toBe(true);
  });

  it("refuses link from a channel that is not allowed for both clusters", async () => {
    const lab = memoryEngine();
    lab.clusters.setChannels("clusterb", ["COPS"]);
    harness = await startSlackHarness({ lab });
    const reply = await harness.slash(linkText, { channel: "CRANDOM" });
    expect(reply.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringMatching(/^This needs a cluster this channel may not use\.((?!clusterb|COPS).)*$/),
    });
    expect(dockerCalls(lab)).toEqual([]);
    const allowed = await harness.slash(linkText, { channel: "COPS" });
    expect(allowed.body).toMatchObject({ text: "Linking app from clustera to clusterb…" });
    const [linked] = await harness.waitForResponses(allowed.responseId);
    expect(linked?.body).toMatchObject({ response_type: "in_channel" });
    expect(lab.links.all()).toEqual([expect.objectContaining({ channel: "COPS" })]);
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
    harness = await startSlackHarness();
    const reply = await harness.slash(linkText, options(harness));
    expect(reply.status).toBe(401);
    expect(reply.body).toBe("");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(dockerCalls(labOf(harness))).toEqual([]);
    expect(harness.responses).toEqual([]);
    expect(await harness.services.audit.entries()).toEqual([]);
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
    harness = await startSlackHarness({ lab: memoryEngine({ latencyMs: 75 }) });
    expect(await harness.health()).toBe(200);
    const reply = await harness.slash(linkText);
    const stopping = harness.bot.shutdown();
    expect(await harness.health()).toBe(503);
    const turnedAway = await harness.slash("list");
    expect(turnedAway.body).toMatchObject({ text: "The bot is restarting; try again in a minute." });
    await stopping;
    const [result] = await harness.waitForResponses(reply.responseId, 1, 1);
    expect(result?.body).toMatchObject({ response_type: "in_channel" });
    expect(labOf(harness).links.all()).toHaveLength(1);
    await expect(harness.health()).rejects.toThrow();
  });

  it("never logs the bot token, the signing secret or a response URL", async () => {
    harness = await startSlackHarness();
    const reply = await harness.slash(linkText);
    await harness.waitForResponses(reply.responseId);
    await harness.slash(linkText, { secret: "wrong" });
    const lab = labOf(harness);
    // The store refuses the teardown's first write with an error of its own: a crash, logged with its reference.
    const save = lab.links.save.bind(lab.links);
    lab.links.save = () => {
      lab.links.save = save;
      return Promise.reject(new Error("boom"));
    };
    const pressed = await harness.press({ action_id: "teardown_link_0", value: lab.engine.find("app").id });
    await harness.waitForResponses(pressed.responseId, 2);
    const log = harness.log.text ?? "";
    expect(log).toContain("boom");
    expect(log).not.toContain(harness.botToken);
    expect(log).not.toContain(harness.signingSecret);
    expect(log).not.toContain(reply.responseId);
    expect(log).not.toContain(pressed.responseId);
  });
});
