import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { webApi } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { createSlackAlerts } from "../../../src/monitor/slack-alerts.js";

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe("Slack alerts", () => {
  it("waits out Retry-After when Slack rate-limits chat.postMessage, then posts once", async () => {
    const received: { at: number; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received.push({ at: Date.now(), body });
        if (received.length === 1) {
          response.writeHead(429, { "Retry-After": "1", "Content-Type": "application/json" });
          response.end(JSON.stringify({ ok: false, error: "ratelimited" }));
          return;
        }
        response.writeHead(200, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ ok: true, channel: "C1", ts: "1.2" }));
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const client = new webApi.WebClient("xoxb-test", {
      slackApiUrl: `http://127.0.0.1:${port}/api/`,
      logLevel: webApi.LogLevel.ERROR,
    });

    await createSlackAlerts(client).post("C1", "Link lnk1 is broken");

    expect(received).toHaveLength(2);
    expect((received[1]?.at ?? 0) - (received[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(new URLSearchParams(received[1]?.body).get("text")).toBe("Link lnk1 is broken");
    expect(new URLSearchParams(received[1]?.body).get("channel")).toBe("C1");
  });
});
