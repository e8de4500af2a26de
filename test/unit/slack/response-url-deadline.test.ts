import { afterEach, describe, expect, it } from "vitest";
import { eventually, postSigned, slashCommandBody } from "../../support/raw-http.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;

function postWarning(to: SlackHarness) {
  return to.log
    .lines()
    .find((line) => line.msg === "could not post to the response URL" && Number(line.level) === 40);
}

afterEach(async () => {
  await harness?.close();
});

describe("a response URL that accepts and never answers", () => {
  it("(a command answered after its ack) is given up at the post deadline: the connection is closed, the log says the answer could not be posted, and nothing else is sent there", async () => {
    harness = await startSlackHarness({ postDeadlineMs: 300, api: { hold: ["response"] } });
    const given = harness;
    const body = slashCommandBody(`${given.slackUrl}/commands/T1/1/silent`, "list");
    const ack = await postSigned(given, body);
    expect(ack.status).toBe(200);
    expect(await eventually(() => given.events.includes("response silent"), 2_000)).toBe(true);
    expect(await eventually(() => postWarning(given) !== undefined, 3_000)).toBe(true);
    expect(await eventually(() => given.events.includes("closed silent"), 2_000)).toBe(true);
    // No apology follows to the address that did not take the answer, and nothing is logged as an error.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(given.responses.filter((post) => post.id === "silent")).toHaveLength(1);
    expect(given.log.lines().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it("(a button's answer) refused by its response URL is a warning naming the post's error, not Bolt's error", async () => {
    harness = await startSlackHarness();
    const given = harness;
    // A path the Slack stand-in answers with 404, as Slack answers a response URL that expired.
    const payload = {
      type: "block_actions",
      user: { id: "UBOB", team_id: "T1" },
      team: { id: "T1" },
      channel: { id: "C1" },
      response_url: `${given.slackUrl}/expired/T1/1/refused`,
      trigger_id: "1.1.abc",
      actions: [{ action_id: "teardown_link_0", value: "not a link id!" }],
    };
    const ack = await postSigned(given, `payload=${encodeURIComponent(JSON.stringify(payload))}`);
    expect(ack.status).toBe(200);
    expect(await eventually(() => postWarning(given) !== undefined, 3_000)).toBe(true);
    expect(JSON.stringify(postWarning(given)?.err)).toMatch(/404/);
    expect(given.log.lines().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
