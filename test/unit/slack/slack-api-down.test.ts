import { afterEach, describe, expect, it } from "vitest";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const messages = (h: SlackHarness) => h.log.lines().map((line) => line.msg);

describe("a bot whose Slack Web API is down", () => {
  it("acknowledges and answers commands while Slack never answers whether it takes the token", async () => {
    harness = await startSlackHarness({ api: { hold: ["auth.test"] }, postDeadlineMs: 1_000 });
    const h = harness;
    const started = performance.now();
    const help = await h.slash("help");
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.body)).toContain("link");
    const list = await h.slash("list");
    expect(list.status).toBe(200);
    const [answer] = await h.waitForResponses(list.responseId, 1, 5_000);
    expect(answer?.body.text).toContain("No links yet");
    // The Home tab is asked for and drawn too: only the token check hangs.
    expect(
      (await h.event({ type: "app_home_opened", tab: "home", channel: "D1" }, { user: "UADMIN" })).status,
    ).toBe(200);
    await h.waitForApiCall("views.publish", 5_000);
    expect(performance.now() - started).toBeLessThan(2_500);
    // Once the check gives up, the log says so in a line that names the token, not a missed ack.
    await expect
      .poll(() => messages(h), { timeout: 5_000 })
      .toContain(
        "could not ask Slack whether it takes SLACK_BOT_TOKEN: commands are answered meanwhile; the Web API calls will tell",
      );
    expect(h.log.text).not.toContain("no listener acknowledged a request");
  });

  const refuses = (code: string) =>
    `Slack refuses SLACK_BOT_TOKEN (${code}): commands are still answered, but the Home tab, the link dialog, pictures and health alerts fail until the token is set right and the bot restarted`;
  const cannotSay = (code: string) =>
    `Slack could not say whether it takes SLACK_BOT_TOKEN (${code}): commands are answered meanwhile; the Web API calls will tell`;
  it.each([
    ["refuses the token", "invalid_auth", refuses],
    ["refuses the token", "team_access_not_granted", refuses],
    ["could not say now", "internal_error", cannotSay],
    ["could not say now", "team_added_to_org", cannotSay],
  ])("says in the log that Slack %s (%s), and still answers commands", async (_what, code, line) => {
    harness = await startSlackHarness({ api: { fail: { "auth.test": code } } });
    const h = harness;
    await expect.poll(() => messages(h), { timeout: 5_000 }).toContain(line(code));
    if (line === cannotSay)
      expect(messages(h).some((message) => message.startsWith("Slack refuses"))).toBe(false);
    const help = await h.slash("help");
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.body)).toContain("link");
  });

  it("says in the log that Slack takes the token when it does", async () => {
    harness = await startSlackHarness();
    const h = harness;
    await expect.poll(() => messages(h), { timeout: 5_000 }).toContain("Slack takes the bot token");
  });
});
