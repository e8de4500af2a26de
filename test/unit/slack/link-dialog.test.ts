import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApiCall } from "../../../bench/slack-client.js";
import { openDialogOrigin } from "../../../src/slack/dialog-metadata.js";
import { submittedLinkDialog } from "../../support/link-dialog-view.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { type MemoryEngine, memoryEngine } from "../../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

type View = {
  callback_id?: string;
  private_metadata?: string;
  title?: { text: string };
  blocks: { block_id?: string; element?: { options?: { value: string }[]; initial_value?: string } }[];
};
const viewOf = (call: ApiCall | undefined) => call?.args.view as View;
const textOf = (view: View | undefined) => JSON.stringify(view?.blocks);

/** The lab plus a cluster that accepts connections and never answers. */
function labWithDeadCluster(): MemoryEngine {
  const lab = memoryEngine();
  const dead = new MemoryDockerHost({ name: "clusterdead", advertise: "10.0.0.15" });
  dead.hang();
  lab.clusters.add(dead);
  return lab;
}

interface Fields {
  source?: string;
  container?: string;
  target?: string;
  alias?: string;
  ports?: string;
  portsBlock?: string;
  web?: string;
  consumer?: string;
}

/** The dialog's state as Slack sends it back. */
function stateOf(fields: Fields) {
  const choice = (value?: string) => ({ type: "static_select", selected_option: value ? { value } : null });
  const text = (value?: string) => ({ type: "plain_text_input", value: value ?? null });
  return {
    values: {
      source: { link_source: choice(fields.source) },
      container: {
        link_container: {
          type: "external_select",
          selected_option: fields.container ? { value: fields.container } : null,
        },
      },
      target: { link_target: choice(fields.target) },
      alias: { link_alias: text(fields.alias) },
      [fields.portsBlock ?? "ports"]: { link_ports: text(fields.ports) },
      consumer: { link_web: text(fields.web) },
      existing: {
        link_consumer: {
          type: "external_select",
          selected_option: fields.consumer ? { value: fields.consumer } : null,
        },
      },
    },
  };
}

/** The dialog as Slack sends it back, opened by UADMIN (unless said) from C1 (unless said), sealed as the bot seals it. */
const dialogView = (h: SlackHarness, fields: Fields, opener: { user?: string; channel?: string } = {}) =>
  submittedLinkDialog(stateOf(fields).values, { botToken: h.botToken, ...opener });

const suggest = (h: SlackHarness, source: string | undefined, value = "") =>
  h.interact({
    type: "block_suggestion",
    action_id: "link_container",
    block_id: "container",
    value,
    container: { type: "view", view_id: "VDIALOG" },
    view: dialogView(h, { source }),
  });

const suggestConsumer = (h: SlackHarness, target: string | undefined) =>
  h.interact({
    type: "block_suggestion",
    action_id: "link_consumer",
    block_id: "existing",
    value: "",
    container: { type: "view", view_id: "VDIALOG" },
    view: dialogView(h, { source: "clustera", container: "app", target }),
  });

const submit = (h: SlackHarness, fields: Fields, user = "UADMIN") =>
  h.interact({ type: "view_submission", view: dialogView(h, fields, { user }) }, { user });

/** `app` chosen in the dialog's container picker by `user`, as Slack sends the choice from `view`. */
function chooseApp(on: SlackHarness, view: Record<string, unknown>, user = "UADMIN") {
  return on.interact(
    {
      type: "block_actions",
      container: { type: "view", view_id: "VDIALOG" },
      view,
      actions: [
        {
          type: "external_select",
          action_id: "link_container",
          block_id: "container",
          selected_option: { value: "app", text: { type: "plain_text", text: "app" } },
          action_ts: "1.3",
        },
      ],
    },
    { user },
  );
}

describe("the link dialog", () => {
  it("opens from `/ambassador link` alone with the clusters this channel may use, remembering the channel", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" }), {
      channels: ["COTHER"],
    });
    harness = await startSlackHarness({ lab });
    const reply = await harness.slash("link");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("");
    const [opened] = await harness.waitForApi("views.open");
    expect(opened?.args.trigger_id).toMatch(/\.1\.abc$/);
    const view = viewOf(opened);
    expect(view.callback_id).toBe("link_dialog");
    expect(openDialogOrigin(harness.botToken, "UADMIN", view.private_metadata)).toEqual({ channel: "C1" });
    expect(openDialogOrigin(harness.botToken, "UOTHER", view.private_metadata)).toBeUndefined();
    const source = view.blocks.find((block) => block.block_id === "source");
    expect(source?.element?.options?.map((option) => option.value)).toEqual(["clustera", "clusterb"]);
  });

  it("opened where fewer than two clusters are open, says so and what to do instead of a dialog that cannot be filled in", async () => {
    const lab = memoryEngine();
    lab.clusters.setChannels("clusterb", ["CBOUND"]);
    harness = await startSlackHarness({ lab });
    await harness.slash("link", { channel: "C1" });
    const [here] = await harness.waitForApi("views.open");
    expect(viewOf(here).callback_id).toBeUndefined();
    expect(textOf(viewOf(here))).toContain(
      "A link needs two clusters, and only clustera is open to this channel. Open the dialog in a channel two clusters are bound to, or ask an operator to register one with `--channel C1`",
    );
    lab.clusters.setChannels("clustera", ["CBOUND"]);
    await harness.interact({ type: "shortcut", callback_id: "link_dialog", action_ts: "1.1" });
    const [, shortcut] = await harness.waitForApi("views.open", 2);
    expect(textOf(viewOf(shortcut))).toContain(
      "A link needs two clusters, and no cluster is open outside channels (the Home tab and the shortcut).",
    );
    expect(await harness.services.audit.entries()).toEqual([]);
  });

  it("opens from the global shortcut", async () => {
    harness = await startSlackHarness();
    await harness.interact({ type: "shortcut", callback_id: "link_dialog", action_ts: "1.1" });
    const [opened] = await harness.waitForApi("views.open");
    expect(viewOf(opened).callback_id).toBe("link_dialog");
  });

  it("refuses someone who is not an admin before any field is shown, and audits the refusal", async () => {
    harness = await startSlackHarness();
    await harness.slash("link", { user: "UMEMBER" });
    const [opened] = await harness.waitForApi("views.open");
    expect(viewOf(opened).callback_id).toBeUndefined();
    expect(textOf(viewOf(opened))).toContain("Only Ambassador admins may `link`");
    const audit = await harness.services.audit.entries();
    expect(audit).toEqual([expect.objectContaining({ action: "link", outcome: "refused" })]);
  });

  it("offers the source cluster's running containers within 1 s while a dead cluster is registered", async () => {
    harness = await startSlackHarness({ lab: labWithDeadCluster() });
    const reply = await suggest(harness, "clustera");
    expect(reply.status).toBe(200);
    expect(reply.elapsedMs).toBeLessThan(1_000);
    expect(reply.body).toEqual({
      options: [{ text: { type: "plain_text", text: "app (hello-app)" }, value: "app" }],
    });
    expect(await suggest(harness, "clustera", "zzz")).toMatchObject({ body: { options: [] } });
  });

  it("answers within 1 s with no options when the chosen source cluster is the dead one", async () => {
    harness = await startSlackHarness({ lab: labWithDeadCluster() });
    const reply = await suggest(harness, "clusterdead");
    expect(reply.elapsedMs).toBeLessThan(1_000);
    expect(reply.body).toEqual({ options: [] });
  });

  it("offers no containers to someone who is not an admin", async () => {
    harness = await startSlackHarness();
    const reply = await harness.interact(
      {
        type: "block_suggestion",
        action_id: "link_container",
        block_id: "container",
        value: "",
        view: dialogView(harness, { source: "clustera" }, { user: "UMEMBER" }),
      },
      { user: "UMEMBER" },
    );
    expect(reply.body).toEqual({ options: [] });
  });

  it("fills in the ports the chosen container exposes", async () => {
    harness = await startSlackHarness();
    await chooseApp(harness, dialogView(harness, { source: "clustera", container: "app" }));
    const [updated] = await harness.waitForApi("views.update");
    expect(updated?.args).toMatchObject({ view_id: "VDIALOG", hash: "h0" });
    const ports = viewOf(updated).blocks.find((block) => block.block_id === "ports:app");
    expect(ports?.element?.initial_value).toBe("5000");
  });

  it("redraws a dialog whose hash is not text without one, rather than passing Slack what it never sent", async () => {
    harness = await startSlackHarness();
    await chooseApp(harness, { ...dialogView(harness, { source: "clustera", container: "app" }), hash: 7 });
    const [updated] = await harness.waitForApi("views.update");
    expect(updated?.args).toMatchObject({ view_id: "VDIALOG" });
    expect(updated?.args).not.toHaveProperty("hash");
    const ports = viewOf(updated).blocks.find((block) => block.block_id === "ports:app");
    expect(ports?.element?.initial_value).toBe("5000");
  });

  it("puts a bad value's error on its field and makes nothing", async () => {
    harness = await startSlackHarness();
    const reply = await submit(harness, {
      source: "clustera",
      container: "app",
      target: "clusterb",
      alias: "not an alias!",
      ports: "5000 99999",
      portsBlock: "ports:app",
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      response_action: "errors",
      errors: {
        alias: "must be letters, digits and dashes (a DNS label), starting and ending with a letter or digit",
        "ports:app": '"99999" must be a port number 1-65535',
      },
    });
    expect(await submit(harness, { source: "clustera", container: "app", target: "clustera" })).toMatchObject(
      {
        body: {
          response_action: "errors",
          errors: { target: "the source and target clusters must be different" },
        },
      },
    );
    expect(await submit(harness, { source: "clustera" })).toMatchObject({
      body: { errors: { container: "is required: choose one", target: "is required: choose one" } },
    });
    expect(await harness.lab?.engine.list()).toEqual([]);
    expect(await harness.services.audit.entries()).toEqual([]);
  });

  it("runs a good submission as the typed link: the link is made, audited as it starts and ends, and answered in the channel", async () => {
    harness = await startSlackHarness();
    const reply = await submit(harness, {
      source: "clustera",
      container: "app",
      target: "clusterb",
      alias: "helloapp",
      ports: "5000",
      web: "hello-web",
    });
    expect(reply.body).toMatchObject({ response_action: "update" });
    expect(JSON.stringify(reply.body)).toContain("Linking app from clustera to clusterb");
    const [posted] = await harness.waitForApi("chat.postMessage");
    expect(posted?.args.channel).toBe("C1");
    expect(String(posted?.args.text)).toMatch(
      /^Linked app from clustera to clusterb as helloapp \(link [0-9a-f]+\)\.\nWeb: http:\/\/10\.0\.0\.13:\d+/,
    );
    const [updated] = await harness.waitForApi("views.update");
    expect(updated?.args.view_id).toBe("VDIALOG");
    expect(textOf(viewOf(updated))).toContain(":white_check_mark: Linked `app`");
    const links = (await harness.lab?.engine.list()) ?? [];
    expect(links.map((view) => [view.link.container, view.link.alias, view.link.web?.image])).toEqual([
      ["app", "helloapp", "hello-web"],
    ]);
    const audit = await harness.services.audit.entries();
    const entry = { action: "link", channel: "C1", target: "app clustera->clusterb" };
    expect(audit).toEqual([
      expect.objectContaining({ ...entry, outcome: "started" }),
      expect.objectContaining({ ...entry, outcome: "ok" }),
    ]);
  });

  it("offers the target cluster's running containers as a consumer, and links the one chosen", async () => {
    const lab = memoryEngine();
    lab.b.run({ name: "worker", Image: "hello-web" });
    harness = await startSlackHarness({ lab });
    expect((await suggestConsumer(harness, undefined)).body).toEqual({ options: [] });
    expect((await suggestConsumer(harness, "clusterb")).body).toEqual({
      options: [{ text: { type: "plain_text", text: "worker (hello-web)" }, value: "worker" }],
    });

    const both = await submit(harness, {
      source: "clustera",
      container: "app",
      target: "clusterb",
      web: "hello-web",
      consumer: "worker",
    });
    expect(both.body).toMatchObject({
      response_action: "errors",
      errors: { existing: expect.stringMatching(/^--consumer and --web are mutually exclusive/) },
    });
    expect(await lab.engine.list()).toEqual([]);

    const reply = await submit(harness, {
      source: "clustera",
      container: "app",
      target: "clusterb",
      alias: "helloapp",
      consumer: "worker",
    });
    expect(reply.body).toMatchObject({ response_action: "update" });
    await harness.waitForApi("chat.postMessage");
    const [link] = (await lab.engine.list()).map((view) => view.link);
    expect(link?.consumer).toEqual({ name: "worker" });
    const worker = await lab.b.inspectContainer("worker");
    expect(Object.keys(worker?.NetworkSettings.Networks ?? {})).toContain(`ambassador-${link?.id}-target`);
  });

  it("refuses a submission from a channel a cluster is not bound to, making nothing", async () => {
    const lab = memoryEngine();
    lab.clusters.setChannels("clusterb", ["CBOUND"]);
    harness = await startSlackHarness({ lab });
    const reply = await submit(harness, { source: "clustera", container: "app", target: "clusterb" });
    const shown = JSON.stringify(reply.body);
    expect(shown).toContain("This needs a cluster");
    for (const hidden of ["clusterb", "CBOUND"]) expect(shown).not.toContain(hidden);
    expect(await lab.engine.list()).toEqual([]);
  });

  it("acts only for the channel the bot opened it from and the person it opened it for: other metadata is refused, audited, and makes nothing", async () => {
    const lab = memoryEngine();
    lab.clusters.setChannels("clustera", ["CSECRET"]);
    lab.clusters.setChannels("clusterb", ["CSECRET"]);
    harness = await startSlackHarness({ lab });
    const h = harness;
    const fields = { source: "clustera", container: "app", target: "clusterb", alias: "helloapp" };
    const sealed = dialogView(h, fields, { channel: "CSECRET" });
    const forged: [string, string][] = [
      ["written by someone else", JSON.stringify({ channel: "CSECRET" })],
      ["with a seal of its own", JSON.stringify({ channel: "CSECRET", seal: "x".repeat(43) })],
      [
        "sealed for someone else",
        dialogView(h, fields, { user: "UOTHER", channel: "CSECRET" }).private_metadata,
      ],
      ["sealed for another channel", sealed.private_metadata.replace("CSECRET", "C1")],
    ];
    for (const [why, metadata] of forged) {
      const view = { ...sealed, private_metadata: metadata };
      const reply = await h.interact({ type: "view_submission", view }, { user: "UADMIN" });
      expect(JSON.stringify(reply.body), why).toContain("not opened for you by this bot");
      const picked = await h.interact(
        { type: "block_suggestion", action_id: "link_container", block_id: "container", value: "", view },
        { user: "UADMIN" },
      );
      expect(picked.body, why).toEqual({ options: [] });
    }
    expect(await lab.engine.list()).toEqual([]);
    const audit = await h.services.audit.entries();
    expect(audit.map((entry) => [entry.action, entry.outcome, entry.channel])).toEqual(
      forged.map(() => ["link", "refused", undefined]),
    );
    expect(h.apiCalls.filter((call) => call.method === "chat.postMessage")).toEqual([]);
  });

  it("redraws nothing for someone who is not an admin, and audits the refusal", async () => {
    harness = await startSlackHarness();
    const view = dialogView(harness, { source: "clustera", container: "app" }, { user: "UMEMBER" });
    await chooseApp(harness, view, "UMEMBER");
    await vi.waitFor(async () =>
      expect(await harness?.services.audit.entries()).toEqual([
        expect.objectContaining({ action: "link", outcome: "refused", channel: "C1" }),
      ]),
    );
    expect(harness.apiCalls.filter((call) => call.method === "views.update")).toEqual([]);
  });

  it("stopped before the link it submitted finished, tells its person in the dialog and in the channel what to do", async () => {
    const lab = memoryEngine();
    harness = await startSlackHarness({ lab });
    lab.a.hang();
    const reply = await submit(harness, { source: "clustera", container: "app", target: "clusterb" });
    expect(reply.body).toMatchObject({ response_action: "update" });
    await expect.poll(() => lab.a.calls.length).toBeGreaterThan(0);
    await harness.bot.shutdown();
    const told =
      "The bot stopped before this `link` finished. What it made carries the link's labels: once the bot is back, run it again (it first removes what this one left), or `reconcile --fix` removes it.";
    const [updated] = await harness.waitForApi("views.update");
    expect(updated?.args.view_id).toBe("VDIALOG");
    expect(viewOf(updated).title?.text).toBe("Not finished");
    expect(textOf(viewOf(updated))).toContain(told.slice(0, 60));
    const [said] = await harness.waitForApi("chat.postEphemeral");
    expect(said?.args).toMatchObject({ channel: "C1", user: "UADMIN", text: told });
    const cut = (await harness.services.audit.entries()).filter((entry) => entry.outcome === "error");
    expect(cut.map((entry) => entry.detail)).toEqual(["cut short: the bot stopped before it finished"]);
  }, 15_000);
});
