import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { homeActions } from "../../../src/render/home-blocks.js";
import { linkDialogCallback, linkFields } from "../../../src/render/link-dialog-blocks.js";
import { moreAction } from "../../../src/render/pages.js";
import { teardownActionPrefix } from "../../../src/render/slack-message.js";
import { sleep } from "../../support/raw-http.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness;

beforeEach(async () => {
  harness = await startSlackHarness();
});

afterEach(async () => {
  await harness.close();
});

/** The log's lines, read as JSON. */
const logLines = () => harness.log.lines();

const unlisted = (line: { msg: string }) => line.msg.startsWith("no listener for this interaction");

/** The Web API calls made to answer someone, not the client's own check of its token. */
const answers = () => harness.apiCalls.filter((call) => call.method !== "auth.test");

const dialogState = { values: {} };

describe("a signed interaction whose ID the app has no listener for", () => {
  it("of each kind is answered 200 at once with nothing (a picker's query: no options), logged once by kind and ID, and runs nothing", async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      [
        "block_actions",
        "home_status_old",
        {
          type: "block_actions",
          response_url: `${harness.slackUrl}/actions/T1/1/never`,
          actions: [{ type: "button", action_id: "home_status_old", block_id: "b", value: "x" }],
        },
      ],
      [
        "block_suggestion",
        "pick_cluster",
        { type: "block_suggestion", action_id: "pick_cluster", value: "" },
      ],
      ["shortcut", "deploy_dialog", { type: "shortcut", callback_id: "deploy_dialog" }],
      [
        "view_submission",
        "deploy_dialog",
        { type: "view_submission", view: { id: "V1", callback_id: "deploy_dialog", state: dialogState } },
      ],
    ];
    for (const [kind, , payload] of cases) {
      const reply = await harness.interact(payload);
      const body = kind === "block_suggestion" ? { options: [] } : "";
      expect({ kind, status: reply.status, body: reply.body }).toEqual({ kind, status: 200, body });
      expect(reply.elapsedMs).toBeLessThan(1_000);
    }
    await sleep(200);
    expect(
      logLines()
        .filter(unlisted)
        .map((line) => [line.level, line.kind, line.id]),
    ).toEqual(cases.map(([kind, id]) => [40, kind, id]));
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
    expect(answers()).toEqual([]);
    expect(harness.responses).toEqual([]);
    expect(await harness.services.audit.entries()).toEqual([]);
  });

  it("never takes an interaction the app draws for an unknown one", async () => {
    const view = {
      id: "V1",
      hash: "h",
      callback_id: linkDialogCallback,
      private_metadata: "{}",
      state: dialogState,
    };
    const drawn: Record<string, unknown>[] = [
      ...[`${teardownActionPrefix}_0`, moreAction, `${homeActions.page}_2`].map((action_id) => ({
        type: "block_actions",
        response_url: `${harness.slackUrl}/actions/T1/1/drawn`,
        actions: [{ type: "button", action_id, block_id: "b", value: "x" }],
      })),
      ...[homeActions.status, homeActions.repair, homeActions.teardown].map((action_id) => ({
        type: "block_actions",
        actions: [{ type: "button", action_id, block_id: "b", value: "x" }],
      })),
      {
        type: "block_actions",
        view,
        actions: [{ type: "static_select", action_id: linkFields.container.action, block_id: "container" }],
      },
      ...[linkFields.container.action, linkFields.existing.action].map((action_id) => ({
        type: "block_suggestion",
        action_id,
        block_id: "b",
        value: "",
        view,
      })),
      { type: "shortcut", callback_id: linkDialogCallback },
      { type: "view_submission", view },
    ];
    for (const payload of drawn) expect((await harness.interact(payload)).status).toBe(200);
    await sleep(200);
    expect(logLines().filter(unlisted)).toEqual([]);
  });

  it("leaves interactions of a known ID to their listener, which acks them once", async () => {
    // A More button whose value the bot never wrote reaches its listener, which says so.
    const more = await harness.press({ action_id: "more_page", value: "not a page" });
    expect(more.status).toBe(200);
    // The global shortcut opens the dialog.
    const shortcut = await harness.interact({ type: "shortcut", callback_id: "link_dialog" });
    expect(shortcut.status).toBe(200);
    await harness.waitForApi("views.open");
    await sleep(200);
    expect(logLines().filter(unlisted)).toEqual([]);
    expect(logLines().some((line) => line.msg === "a More button carried no usable page")).toBe(true);
    expect(logLines().filter((line) => line.level >= 50)).toEqual([]);
  });
});
