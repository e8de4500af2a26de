import { describe, expect, it } from "vitest";
import { startSlackClient } from "../../../bench/slack-client.js";
import { httpLimits } from "../../../src/slack/http-limits.js";
import { startSlackBot } from "../../../src/slack/slack-bot.js";
import { testServices } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { startSlackHarness } from "../../support/slack-harness.js";

describe("the Slack bot stopping while a command waits on a host that stopped answering", () => {
  it("stops within its budget for running commands, says in its log that it left one running, and tells whoever asked", async () => {
    const lab = memoryEngine();
    const harness = await startSlackHarness({ lab });
    try {
      lab.a.hang();
      expect((await harness.slash("link app clustera clusterb", { user: "UADMIN" })).status).toBe(200);
      await expect.poll(() => lab.a.calls.length).toBeGreaterThan(0);
      const started = performance.now();
      await harness.bot.shutdown();
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(httpLimits.shutdownWorkMs - 50);
      expect(took).toBeLessThan(httpLimits.shutdownWorkMs + 2_000);
      expect(harness.log.text).toMatch(
        /"running":1,"waitedMs":4000,"msg":"stopping with commands still running/,
      );
      // The person who asked is told, through the command's own response URL, and what to do.
      expect(harness.responses.map((r) => r.body.text)).toContain(
        "The bot stopped before this `link` finished. What it made carries the link's labels: once the bot is back, run it again (it first removes what this one left), or `reconcile --fix` removes it.",
      );
      // Its audit entry is ended as it is told, so the bot's next start does not tell it again.
      const audited = await harness.services.audit.entries();
      expect(audited.map((entry) => [entry.action, entry.outcome, entry.detail])).toEqual([
        ["link", "started", undefined],
        ["link", "error", "cut short: the bot stopped before it finished"],
      ]);
    } finally {
      lab.a.up();
      await harness.close();
    }
  }, 30_000);

  it("gives link checks still running one more second, then stops without them", async () => {
    const slack = await startSlackClient();
    const services = testServices({ env: { AMBASSADOR_ADMINS: "UADMIN", ...slack.botEnv, PORT: "0" } });
    const bot = await startSlackBot(services, { port: 0, beforeStop: () => new Promise<void>(() => {}) });
    try {
      const started = performance.now();
      await bot.shutdown();
      const took = performance.now() - started;
      const budget = httpLimits.shutdownWorkMs + httpLimits.shutdownChecksMs;
      expect(took).toBeGreaterThanOrEqual(budget - 50);
      expect(took).toBeLessThan(budget + httpLimits.shutdownHardMs);
      expect(services.log.text).toMatch(/"msg":"stopping with link checks still running"/);
    } finally {
      await slack.close();
    }
  }, 30_000);
});
