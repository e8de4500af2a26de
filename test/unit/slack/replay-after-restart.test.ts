import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultBackend } from "../../../src/app-context.js";
import { slackSignature } from "../../../src/slack/signature.js";
import { slashCommandBody } from "../../support/raw-http.js";
import { startSlackHarness } from "../../support/slack-harness.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-replay-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("a signed slash command captured and sent again", () => {
  it("is refused after the bot started again on its store, as it was before", async () => {
    const options = {
      backend: defaultBackend,
      signingSecret: randomBytes(16).toString("hex"),
      env: {
        AMBASSADOR_STORE: join(dir, "data", "ambassador.json"),
        AMBASSADOR_KEY: randomBytes(32).toString("base64"),
      },
    };
    const send = async (harness: Awaited<ReturnType<typeof startSlackHarness>>, body: string, at: string) =>
      harness.postRaw(body, {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": at,
        "x-slack-signature": slackSignature(options.signingSecret, at, body),
      });
    const first = await startSlackHarness(options);
    const body = slashCommandBody(`${first.slackUrl}/commands/T1/1/captured`);
    const at = String(Math.floor(Date.now() / 1000));
    expect((await send(first, body, at)).status).toBe(200);
    await first.close();

    const again = await startSlackHarness(options);
    try {
      expect((await send(again, body, at)).status).toBe(401);
      expect(again.log.text).toContain("refused a signed request sent again");
      // A request signed anew is taken as ever.
      expect((await again.slash("help")).status).toBe(200);
    } finally {
      await again.close();
    }
  }, 30_000);
});
