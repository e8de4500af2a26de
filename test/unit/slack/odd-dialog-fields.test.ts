import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { submittedLinkDialog } from "../../support/link-dialog-view.js";
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

/** A link dialog's state, its fields given as Slack would send them back, or not. */
const dialog = (values: Record<string, unknown>) =>
  submittedLinkDialog(
    {
      source: { link_source: { type: "static_select", selected_option: { value: "clustera" } } },
      container: { link_container: { type: "external_select", selected_option: { value: "app" } } },
      target: { link_target: { type: "static_select", selected_option: { value: "clusterb" } } },
      ...values,
    },
    { botToken: harness.botToken },
  );

describe("a signed link dialog interaction with fields of shapes the dialog never sends", () => {
  it("submitted, puts an error saying what to do on each odd field, at once, and makes nothing", async () => {
    const cases: [string, Record<string, unknown>, Record<string, string>][] = [
      [
        "text that is not a string",
        { alias: { link_alias: { value: 5 } }, ports: { link_ports: { value: ["5000"] } } },
        {
          alias: "Slack sent this text in a form the bot cannot read; type it again",
          ports: "Slack sent this text in a form the bot cannot read; type it again",
        },
      ],
      [
        "a choice whose value is not a string",
        { source: { link_source: { selected_option: { value: 3 } } } },
        { source: "Slack sent this choice in a form the bot cannot read; choose it again" },
      ],
      [
        "a choice that is not an option",
        { target: { link_target: { selected_option: "clusterb" } } },
        { target: "Slack sent this choice in a form the bot cannot read; choose it again" },
      ],
      [
        "a choice with no selected_option",
        { source: { link_source: {} } },
        { source: "is required: choose one" },
      ],
      ["a block that is not an object", { container: "app" }, { container: "is required: choose one" }],
    ];
    for (const [name, values, errors] of cases) {
      const reply = await harness.interact({ type: "view_submission", view: dialog(values) });
      expect({ name, status: reply.status, body: reply.body }).toEqual({
        name,
        status: 200,
        body: { response_action: "errors", errors },
      });
      expect(reply.elapsedMs).toBeLessThan(1_000);
    }
    await nothingFailedOrRan(harness, linkId);
    expect(harness.lab?.links.all()).toHaveLength(1);
  });

  it("asking for containers with a query that is not text, gets no options at once", async () => {
    const reply = await harness.interact({
      type: "block_suggestion",
      action_id: "link_container",
      block_id: "container",
      value: 5,
      container: { type: "view", view_id: "VDIALOG" },
      view: dialog({}),
    });
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: { options: [] } });
    expect(reply.elapsedMs).toBeLessThan(1_000);
    await nothingFailedOrRan(harness, linkId);
    expect(warned(harness, "a container picker's query was not text: no containers offered")).toHaveLength(1);
  });

  it("choosing a container outside a dialog, or with an odd source, redraws nothing", async () => {
    const choose = (view: unknown) =>
      harness.interact({
        type: "block_actions",
        container: { type: "view", view_id: "VDIALOG" },
        view,
        actions: [{ type: "external_select", action_id: "link_container", block_id: "container" }],
      });
    expect((await choose(undefined)).status).toBe(200);
    expect(
      (await choose(dialog({ source: { link_source: { selected_option: { value: 3 } } } }))).status,
    ).toBe(200);
    await nothingFailedOrRan(harness, linkId);
    expect(calls(harness, "views.update")).toEqual([]);
    expect(warned(harness, "a container chosen outside a dialog: nothing redrawn")).toHaveLength(1);
  });
});
