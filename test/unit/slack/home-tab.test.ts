import { afterEach, describe, expect, it } from "vitest";
import type { ApiCall } from "../../../bench/slack-client.js";
import { slackSignature } from "../../../src/slack/signature.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const operator = { actor: { kind: "local", user: "operator" } as const };

interface Button {
  action_id: string;
  value: string;
  confirm?: { title: { text: string } };
}
interface Block {
  type: string;
  text?: { text: string };
  elements?: Button[];
}
type View = { type: string; blocks: Block[]; title?: { text: string } };

const viewOf = (call: ApiCall | undefined) => call?.args.view as View;
const textOf = (view: View) => JSON.stringify(view.blocks);
const buttonsOf = (view: View) =>
  view.blocks.flatMap((block) => (block.type === "actions" ? (block.elements ?? []) : []));

/** A bot whose store holds one link from clustera to clusterb, and one on clusterc, which is bound to CBOUND. */
async function homeLab() {
  const lab = memoryEngine();
  const c = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" });
  lab.clusters.add(c);
  const shown = await lab.engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, operator);
  const bound = await lab.engine.link("app", "clustera", "clusterc", {}, operator);
  lab.clusters.setChannels("clusterc", ["CBOUND"]);
  harness = await startSlackHarness({ lab, storedLinks: true });
  return { harness, lab, shown: shown.link, bound: bound.link };
}

async function openHome(h: SlackHarness, user: string) {
  const before = h.apiCalls.filter((call) => call.method === "views.publish").length;
  const started = performance.now();
  const reply = await h.event({ type: "app_home_opened", tab: "home", channel: "D1" }, { user });
  expect(reply.status).toBe(200);
  const calls = await h.waitForApi("views.publish", before + 1);
  const call = calls.at(-1);
  expect(call?.args.user_id).toBe(user);
  return { view: viewOf(call), ms: performance.now() - started };
}

const homePress = (action_id: string, value: string) => ({
  type: "block_actions",
  container: { type: "view", view_id: "VHOME" },
  view: { id: "VHOME", type: "home", hash: "h" },
  actions: [{ type: "button", action_id, block_id: "b", value, action_ts: "1.3" }],
});

describe("the Home tab", () => {
  it("answers the challenge Slack sends when the event subscription's URL is set", async () => {
    harness = await startSlackHarness();
    const body = JSON.stringify({ token: "t", challenge: "c0ffee", type: "url_verification" });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const reply = await harness.postRaw(body, {
      "content-type": "application/json",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(harness.signingSecret, timestamp, body),
    });
    expect(reply).toMatchObject({ status: 200 });
    expect(reply.text).toContain("c0ffee");
  });

  it("shows an admin the links of unbound clusters with their details, health and confirmed buttons", async () => {
    const { harness: h, shown, bound } = await homeLab();
    const { view, ms } = await openHome(h, "UADMIN");
    expect(view.type).toBe("home");
    const text = textOf(view);
    expect(text).toContain(shown.id);
    expect(text).toContain("`app`* clustera → clusterb as `helloapp`");
    expect(text).toContain("ports 5000 · mTLS · :white_circle: not checked yet");
    expect(text).not.toContain(bound.id);
    expect(text).toContain("1 more on channel-bound clusters");
    expect(text).toMatch(/\*clustera\*: (not checked yet|:large_green_circle: answers)/);
    expect(text).not.toContain("clusterc*");
    const buttons = buttonsOf(view).filter((button) => button.value === shown.id);
    expect(buttons.map((button) => button.action_id)).toEqual([
      "home_status",
      "home_repair",
      "home_teardown",
    ]);
    expect(buttons[1]?.confirm?.title.text).toBe("Repair this link?");
    expect(buttons[2]?.confirm?.title.text).toBe("Tear down this link?");
    expect(ms).toBeLessThan(1_000);
  });

  it("hides a fanned-out link whose second target is bound to a channel, and counts it as hidden", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" }));
    const fanned = await lab.engine.link("app", "clustera", ["clusterb", "clusterc"], {}, operator);
    lab.clusters.setChannels("clusterc", ["CBOUND"]);
    harness = await startSlackHarness({ lab, storedLinks: true });
    const text = textOf((await openHome(harness, "UMEMBER")).view);
    expect(text).not.toContain(fanned.link.id);
    expect(text).toContain("Links (0 links)");
    expect(text).toContain("1 more on channel-bound clusters");
  });

  it("gives a person who is not an admin the Status button only", async () => {
    const { harness: h, shown } = await homeLab();
    const { view } = await openHome(h, "UMEMBER");
    expect(
      buttonsOf(view)
        .filter((button) => button.value === shown.id)
        .map((b) => b.action_id),
    ).toEqual(["home_status"]);
  });

  it("refuses Tear down pressed by someone who is not an admin: the link stays, one refusal is audited", async () => {
    const { harness: h, lab, shown } = await homeLab();
    const reply = await h.interact(homePress("home_teardown", shown.id), { user: "UMEMBER" });
    expect(reply.status).toBe(200);
    const [opened] = await h.waitForApi("views.open");
    expect(textOf(viewOf(opened))).toContain("Only Ambassador admins may `teardown`");
    expect(lab.links.get(shown.id)).toBeDefined();
    const audit = (await h.services.audit.entries()).filter((entry) => entry.action === "teardown");
    expect(audit).toEqual([
      expect.objectContaining({
        outcome: "refused",
        target: shown.id,
        actor: expect.objectContaining({ user: "UMEMBER" }),
      }),
    ]);
  });

  it("tears a link down for an admin who confirmed, answers in a modal and redraws the open Home tab", async () => {
    const { harness: h, lab, shown } = await homeLab();
    await openHome(h, "UADMIN");
    const publishedBefore = h.apiCalls.filter((call) => call.method === "views.publish").length;
    await h.interact(homePress("home_teardown", shown.id), { user: "UADMIN" });
    const [opened] = await h.waitForApi("views.open");
    expect(textOf(viewOf(opened))).toContain(`Tearing down ${shown.id}`);
    const [updated] = await h.waitForApi("views.update");
    expect(updated?.args.view_id).toBe((opened?.answer as { view?: { id: string } } | undefined)?.view?.id);
    expect(textOf(viewOf(updated))).toContain(`Tore down link \`${shown.id}\``);
    expect(lab.links.get(shown.id)).toBeUndefined();
    const audit = (await h.services.audit.entries()).filter((entry) => entry.action === "teardown");
    expect(audit).toEqual([
      expect.objectContaining({ outcome: "started", target: shown.id }),
      expect.objectContaining({ outcome: "ok", target: shown.id }),
    ]);
    // The pings of the clusters may redraw the tab too; the teardown's redraw is one of the next few.
    let published = await h.waitForApi("views.publish", publishedBefore + 1);
    while (textOf(viewOf(published.at(-1))).includes(shown.id))
      published = await h.waitForApi("views.publish", published.length + 1, 2_000);
    expect(textOf(viewOf(published.at(-1)))).toContain("Links (0 links)");
  });

  it("turns a page for a Slack user only, never publishing to a user ID Slack would not send", async () => {
    const { harness: h } = await homeLab();
    for (const user of ["<!channel>", '{"$ne":1}']) {
      expect((await h.interact(homePress("home_page_next", "2"), { user })).status).toBe(200);
    }
    await h.interact(homePress("home_page_next", "2"), { user: "UADMIN" });
    const published = await h.waitForApi("views.publish");
    expect(published.map((call) => call.args.user_id)).toEqual(["UADMIN"]);
  });

  it("shows Status in a modal, for anyone", async () => {
    const { harness: h, shown } = await homeLab();
    await h.interact(homePress("home_status", shown.id), { user: "UMEMBER" });
    const [updated] = await h.waitForApi("views.update");
    expect(textOf(viewOf(updated))).toContain(`Link ${shown.id}: app clustera -&gt; clusterb`);
  });

  it("refuses a link on a channel-bound cluster even to an admin, since the Home tab is in no channel", async () => {
    const { harness: h, lab, bound } = await homeLab();
    await h.interact(homePress("home_teardown", bound.id), { user: "UADMIN" });
    // Refused before anything runs: the dialog opens with the refusal, never with "Tearing down…".
    const [opened] = await h.waitForApi("views.open");
    const shown = textOf(viewOf(opened));
    expect(shown).toContain("This needs a cluster bound to Slack channels, so it runs only there");
    for (const hidden of ["clusterc", "CBOUND", bound.id]) expect(shown).not.toContain(hidden);
    expect(lab.links.get(bound.id)).toBeDefined();
  });

  it("redraws an open Home tab when the monitor finds a link broken", async () => {
    const { harness: h, lab, shown } = await homeLab();
    await openHome(h, "UMEMBER");
    // The redraw once the clusters answered their ping comes first, so the next one is the monitor's.
    const settled = await h.waitForApi("views.publish", 2);
    lab.a.stop("app-ambassador");
    await h.bot.monitor?.checkAll();
    let published = await h.waitForApi("views.publish", settled.length + 1);
    while (!textOf(viewOf(published.at(-1))).includes(":red_circle: broken since"))
      published = await h.waitForApi("views.publish", published.length + 1, 2_000);
    expect(textOf(viewOf(published.at(-1)))).toContain(shown.id);
    expect(published.at(-1)?.args.user_id).toBe("UMEMBER");
  });

  it("says a cluster that does not answer is down without waiting for it", async () => {
    const lab = memoryEngine();
    const dead = new MemoryDockerHost({ name: "clusterd", advertise: "10.0.0.15" });
    dead.hang();
    lab.clusters.add(dead);
    harness = await startSlackHarness({ lab, storedLinks: true });
    const { view, ms } = await openHome(harness, "UADMIN");
    expect(textOf(view)).toContain("*clusterd*: not checked yet");
    expect(ms).toBeLessThan(1_000);
    const later = await harness.waitForApi("views.publish", 2, 5_000);
    expect(textOf(viewOf(later.at(-1)))).toContain("*clusterd*: :red_circle: does not answer");
    expect(textOf(viewOf(later.at(-1)))).toMatch(/\*clustera\*: :large_green_circle: answers/);
  });

  it("stopped before a teardown pressed there finished, says so in its modal and what to do", async () => {
    const { harness: h, lab, shown } = await homeLab();
    await openHome(h, "UADMIN");
    lab.b.hang();
    await h.interact(homePress("home_teardown", shown.id), { user: "UADMIN" });
    const [opened] = await h.waitForApi("views.open");
    const started = async () =>
      (await h.services.audit.entries()).some(
        (entry) => entry.action === "teardown" && entry.outcome === "started",
      );
    await expect.poll(started).toBe(true);
    await h.bot.shutdown();
    const [updated] = await h.waitForApi("views.update");
    expect(updated?.args.view_id).toBe((opened?.answer as { view?: { id: string } } | undefined)?.view?.id);
    expect(textOf(viewOf(updated))).toContain("The bot stopped before this `teardown` finished.");
    expect(textOf(viewOf(updated))).toContain("`status` shows where the link stands");
    const cut = (await h.services.audit.entries()).filter((entry) => entry.outcome === "error");
    expect(cut.map((entry) => entry.detail)).toEqual(["cut short: the bot stopped before it finished"]);
  }, 15_000);
});
