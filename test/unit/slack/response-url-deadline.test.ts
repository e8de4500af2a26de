import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { slackSignature } from "../../../src/slack/signature.js";
import { eventually, slashCommandBody } from "../../support/raw-http.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
const silent = createServer();
/** The connections a post came on, until they close, and how many posts came. */
const held = new Set<Socket>();
const all = new Set<Socket>();
let posts = 0;
silent.on("connection", (socket) => {
  all.add(socket);
  socket.once("data", () => {
    posts++;
    held.add(socket);
  });
  socket.on("close", () => held.delete(socket));
});

/** Posts a form body to the bot, signed as Slack signs it. */
function postSigned(to: SlackHarness, body: string): Promise<Response> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${to.url}/slack/events`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(to.signingSecret, timestamp, body),
    },
  });
}

afterEach(async () => {
  await harness?.close();
  for (const socket of all) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("a response URL that accepts and never answers", () => {
  it("(a command answered after its ack) is given up at the post deadline: the connection is closed, the log says the answer could not be posted, and nothing else is sent there", async () => {
    harness = await startSlackHarness({ postDeadlineMs: 300 });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    const body = slashCommandBody(`http://127.0.0.1:${port}/commands/T1/1/silent`, "list");
    const ack = await postSigned(harness, body);
    expect(ack.status).toBe(200);
    expect(await eventually(() => held.size > 0, 2_000)).toBe(true);
    const given = harness;
    const gaveUp = () => given.log.lines().some((line) => line.msg === "could not post to the response URL");
    expect(await eventually(gaveUp, 3_000)).toBe(true);
    expect(await eventually(() => held.size === 0, 2_000)).toBe(true);
    // No apology follows to the address that did not take the answer, and nothing is logged as an error.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(posts).toBe(1);
    expect(given.log.lines().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it("(a button's answer) refused by its response URL is a warning naming the post's error, not Bolt's error", async () => {
    harness = await startSlackHarness();
    // A port nothing listens on: the post is refused at once.
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    await new Promise((resolve) => silent.close(resolve));
    const payload = {
      type: "block_actions",
      user: { id: "UBOB", team_id: "T1" },
      team: { id: "T1" },
      channel: { id: "C1" },
      response_url: `http://127.0.0.1:${port}/actions/T1/1/refused`,
      trigger_id: "1.1.abc",
      actions: [{ action_id: "teardown_link_0", value: "not a link id!" }],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ack = await postSigned(harness, body);
    expect(ack.status).toBe(200);
    const given = harness;
    const warned = () =>
      given.log
        .lines()
        .find((line) => line.msg === "could not post to the response URL" && Number(line.level) === 40);
    await eventually(() => warned() !== undefined, 3_000);
    expect(warned()).toBeDefined();
    expect(JSON.stringify(warned()?.err)).toMatch(/ECONNREFUSED|fetch failed/);
    expect(given.log.lines().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});
