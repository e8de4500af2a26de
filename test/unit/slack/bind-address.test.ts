import { describe, expect, it } from "vitest";
import { startSlackHarness } from "../../support/slack-harness.js";

describe("HOST", () => {
  it("serves on the address it names and nowhere else", async () => {
    const harness = await startSlackHarness({ env: { HOST: "127.0.0.2" } });
    try {
      const port = harness.bot.port;
      expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      await harness.close();
    }
  });
});
