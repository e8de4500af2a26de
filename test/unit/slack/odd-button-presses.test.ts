import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApiCall } from "../../../bench/slack-client.js";
import { calls, nothingFailedOrRan, startLinkedHarness, warned } from "../../support/linked-slack-harness.js";
import type { SlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness;
let linkId: string;

beforeEach(async () => {
  ({ harness, linkId } = await startLinkedHarness());
});

afterEach(async () => {
  await harness.close();
});
const viewText = (call: ApiCall | undefined) =>
  JSON.stringify((call?.args.view as { blocks?: unknown })?.blocks);

/** A press of a message's button as Slack sends it, but with no response URL. */
const pressWithoutResponseUrl = (action_id: string, value: unknown) => ({
  type: "block_actions",
  container: { type: "message", message_ts: "1.2", channel_id: "C1", is_ephemeral: true },
  channel: { id: "C1", name: "ops" },
  actions: [{ type: "button", action_id, block_id: "b1", value, action_ts: "1.3" }],
});

const homePress = (action_id: string, value: unknown, trigger?: unknown) => ({
  type: "block_actions",
  trigger_id: trigger,
  container: { type: "view", view_id: "VHOME" },
  view: { id: "VHOME", type: "home", hash: "h" },
  actions: [{ type: "button", action_id, block_id: "b", value, action_ts: "1.3" }],
});

describe("a signed button press Slack would not send as it is", () => {
  it("without a response URL, on a Tear down or More button, runs nothing and says so in the log", async () => {
    const teardown = await harness.interact(pressWithoutResponseUrl("teardown_link_0", linkId));
    const more = await harness.interact(
      pressWithoutResponseUrl("more_page", JSON.stringify({ page: 2, line: "clusters" })),
    );
    expect([teardown.status, teardown.body, more.status, more.body]).toEqual([200, "", 200, ""]);
    await nothingFailedOrRan(harness, linkId);
    expect(
      warned(
        harness,
        "a teardown button came without a response URL: nothing removed, as there is nowhere to answer",
      ),
    ).toHaveLength(1);
    expect(
      warned(
        harness,
        "a More button came without a response URL: nothing run, as there is nowhere to answer",
      ),
    ).toHaveLength(1);
    expect(harness.responses).toEqual([]);
  });

  it("on a Tear down button whose value is not a link ID answers that nothing was removed and what to do", async () => {
    for (const value of [123, { id: linkId }, null]) {
      const pressed = await harness.press({
        action_id: "teardown_link_0",
        value: value as unknown as string,
      });
      expect(pressed.status).toBe(200);
      const [answer] = await harness.waitForResponses(pressed.responseId);
      expect(answer?.body).toMatchObject({
        response_type: "ephemeral",
        replace_original: false,
        text: "This Tear down button carries no link ID the bot can use, so nothing was removed. Find the link's ID with `/ambassador list`, then run `/ambassador teardown &lt;link-id>`.",
      });
    }
    await nothingFailedOrRan(harness, linkId);
    expect(warned(harness, "a teardown button carried no usable link ID")).toHaveLength(3);
  });

  it("on a Home tab Status, Repair or Tear down button without a trigger ID runs nothing and says so in the log", async () => {
    for (const [action, trigger] of [
      ["home_status", undefined],
      ["home_repair", 42],
      ["home_teardown", ""],
    ] as const) {
      const reply = await harness.interact(homePress(action, linkId, trigger));
      expect({ action, status: reply.status }).toEqual({ action, status: 200 });
    }
    await nothingFailedOrRan(harness, linkId);
    expect(calls(harness, "views.open")).toEqual([]);
    expect(
      warned(
        harness,
        "a Home tab button came without a trigger ID: nothing run, as there is nowhere to answer",
      ),
    ).toHaveLength(3);
  });

  it("on a Home tab button whose value is not a link ID answers in a modal that nothing ran and what to do", async () => {
    const reply = await harness.interact(homePress("home_teardown", 7, "1.1.abc"));
    expect(reply.status).toBe(200);
    const [opened] = await harness.waitForApi("views.open");
    expect(viewText(opened)).toContain(
      "This button carries no link ID the bot can use, so nothing ran. Open the Home tab again for fresh buttons.",
    );
    await nothingFailedOrRan(harness, linkId);
    expect(warned(harness, "a Home tab button carried no usable link ID")).toHaveLength(1);
  });

  it("on a Home tab page button whose value is not text turns no page and says so in the log", async () => {
    const reply = await harness.interact(homePress("home_page_next", true, "1.1.abc"));
    expect(reply.status).toBe(200);
    await nothingFailedOrRan(harness, linkId);
    expect(calls(harness, "views.publish")).toEqual([]);
    expect(warned(harness, "a Home tab page button carried no usable page or user")).toHaveLength(1);
  });
});
