import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { startSlackBot } from "../../src/slack/slack-bot.js";
import { testServices } from "../support/fakes.js";
import { memoryEngine, publishedUrl } from "../support/memory-engine.js";
import { startSocketModeServer } from "../support/socket-mode-server.js";

/** Slack's Web API, answering apps.connections.open with `socketUrl`; `posted` collects response URL posts. */
async function slackApi(socketUrl: string) {
  const posted: { url: string; body: string }[] = [];
  const api = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      const path = req.url ?? "";
      if (path.startsWith("/commands/")) posted.push({ url: path, body });
      const answer = path.startsWith("/api/apps.connections.open")
        ? { ok: true, url: socketUrl }
        : path.startsWith("/api/auth.test")
          ? { ok: true, user_id: "UBOT", team_id: "T1", bot_id: "B1" }
          : { ok: true };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", () => resolve()));
  return {
    posted,
    url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    async close() {
      await new Promise<void>((resolve) => api.close(() => resolve()));
      api.closeAllConnections();
    },
  };
}

describe("Socket Mode", () => {
  it("does not connect to Slack when the port of its health check is taken, and says why", async () => {
    const socketServer = await startSocketModeServer();
    const api = await slackApi(socketServer.url);
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", () => resolve()));
    const services = testServices({
      env: {
        SLACK_BOT_TOKEN: "xoxb-socket-test",
        SLACK_APP_TOKEN: "xapp-socket-test",
        SLACK_API_URL: `${api.url}/api/`,
        HOST: "127.0.0.1",
      },
    });
    try {
      await expect(
        startSlackBot(services, { port: (holder.address() as AddressInfo).port }),
      ).rejects.toMatchObject({ code: "EADDRINUSE" });
      const connected = await Promise.race([
        socketServer.connected().then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500)),
      ]);
      expect(connected).toBe(false);
    } finally {
      holder.close();
      await socketServer.close();
      await api.close();
    }
  });

  it("connects with the app token, acks a slash command over the socket and posts the result", async () => {
    const socketServer = await startSocketModeServer();
    const api = await slackApi(socketServer.url);
    const { posted } = api;
    const apiUrl = api.url;
    const lab = memoryEngine();
    const services = testServices({
      lab,
      env: {
        SLACK_BOT_TOKEN: "xoxb-socket-test",
        SLACK_APP_TOKEN: "xapp-socket-test",
        SLACK_API_URL: `${apiUrl}/api/`,
      },
    });
    expect(services.config.slack.mode).toBe("socket");
    const started = startSlackBot(services, { port: 0 });
    await socketServer.connected();
    socketServer.send({ type: "hello", num_connections: 1, debug_info: { host: "test" } });
    const bot = await started;
    try {
      expect((await fetch(`http://127.0.0.1:${bot.port}/healthz`)).status).toBe(200);
      socketServer.send({
        envelope_id: "env-1",
        type: "slash_commands",
        accepts_response_payload: true,
        payload: {
          team_id: "T1",
          channel_id: "C1",
          user_id: "UADMIN",
          command: "/ambassador",
          text: "link app clustera clusterb --web hello-web",
          response_url: `${apiUrl}/commands/T1/1/socket`,
          trigger_id: "1.2.3",
          api_app_id: "A1",
        },
      });
      const ack = await socketServer.waitFor((m) => (m as { envelope_id?: string }).envelope_id === "env-1");
      expect(ack).toEqual({
        envelope_id: "env-1",
        payload: { response_type: "ephemeral", text: "Linking app from clustera to clusterb…" },
      });
      for (let i = 0; i < 100 && posted.length === 0; i += 1)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(posted).toHaveLength(1);
      const result = JSON.parse(posted[0]?.body ?? "{}") as { response_type: string; text: string };
      expect(result.response_type).toBe("in_channel");
      expect(result.text).toContain(`Web: ${await publishedUrl(lab.b, "web")}`);
    } finally {
      await bot.shutdown();
      await socketServer.close();
      await api.close();
    }
  });
});
