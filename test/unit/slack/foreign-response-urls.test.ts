import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nothingFailedOrRan, startLinkedHarness, warned } from "../../support/linked-slack-harness.js";
import { postSigned, slashCommandBody } from "../../support/raw-http.js";
import type { SlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness;
let linkId: string;
/** A server inside the bot's network that a forged response URL would have it post to. */
const inside = createServer((req, res) => {
  posted.push(req.url ?? "");
  res.writeHead(200).end("ok");
});
const posted: string[] = [];
let insideUrl: string;

beforeEach(async () => {
  ({ harness, linkId } = await startLinkedHarness());
  posted.length = 0;
  await new Promise<void>((resolve) => inside.listen(0, "127.0.0.1", resolve));
  insideUrl = `http://127.0.0.1:${(inside.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await harness.close();
  inside.closeAllConnections();
  await new Promise((resolve) => inside.close(resolve));
});

const refusal = "refused a request whose response URL is not at Slack: nothing run, nothing posted";

describe("a signed request whose response URL is not at Slack", () => {
  it("(a slash command) is acknowledged and runs nothing: nothing is removed, nothing posted there, and the log names its origin", async () => {
    const ack = await postSigned(
      harness,
      slashCommandBody(`${insideUrl}/commands/T1/1/x`, `teardown ${linkId}`),
    );
    expect(ack.status).toBe(200);
    await nothingFailedOrRan(harness, linkId);
    expect(posted).toEqual([]);
    expect(warned(harness, refusal).map((line) => line.origin)).toEqual([insideUrl]);
  });

  it("(a Tear down button; Slack's host over plain HTTP; Slack's with a password in it) removes nothing and posts nothing", async () => {
    const withPassword = `${harness.slackUrl.replace("://", "://u:p@")}/actions/T1/1/w`;
    for (const responseUrl of [
      `${insideUrl}/actions/T1/1/y`,
      "http://hooks.slack.com/actions/T1/1/z",
      withPassword,
    ]) {
      const payload = {
        type: "block_actions",
        user: { id: "UADMIN", team_id: "T1" },
        team: { id: "T1" },
        channel: { id: "C1" },
        response_url: responseUrl,
        trigger_id: "1.1.abc",
        actions: [{ type: "button", action_id: "teardown_link_0", block_id: "b", value: linkId }],
      };
      const ack = await postSigned(harness, `payload=${encodeURIComponent(JSON.stringify(payload))}`);
      expect(ack.status).toBe(200);
    }
    await nothingFailedOrRan(harness, linkId);
    expect(posted).toEqual([]);
    expect(harness.responses).toEqual([]);
    expect(warned(harness, refusal)).toHaveLength(1);
  });
});
