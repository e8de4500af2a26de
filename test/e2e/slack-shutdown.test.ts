import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/main.js";
import { slackSignature } from "../../src/slack/signature.js";
import { CapturedOutput, MemoryAuditLog } from "../support/fakes.js";
import { memoryEngine, publishedUrl } from "../support/memory-engine.js";

describe("SIGTERM", () => {
  it("makes /healthz answer 503, lets the running command finish, closes the store and exits 0", async () => {
    const posted: string[] = [];
    const sink = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        if (req.url?.startsWith("/commands/")) posted.push(body);
        const answer = req.url?.startsWith("/api/auth.test")
          ? { ok: true, user_id: "UBOT", team_id: "T1", bot_id: "B1" }
          : { ok: true };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", () => resolve()));
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
    const log = new CapturedOutput();
    const events: string[] = [];
    // Docker answers every call in 75 ms: the link is still running when SIGTERM arrives.
    const lab = memoryEngine({ latencyMs: 75 });
    const exited = new Promise<number>((resolve) => {
      void main([], {
        env: {
          SLACK_SIGNING_SECRET: "test-signing-secret",
          SLACK_BOT_TOKEN: "xoxb-test-token",
          SLACK_API_URL: `${sinkUrl}/api/`,
          PORT: "0",
          AMBASSADOR_ADMINS: "UADMIN",
        },
        stdin: new PassThrough(),
        stdout: new CapturedOutput(),
        stderr: new CapturedOutput(),
        log,
        backend: async () => ({
          engine: lab.engine,
          clusters: lab.clusters,
          audit: new MemoryAuditLog(),
          close: async () => {
            events.push("store closed");
          },
        }),
        exit: (code) => {
          events.push(`exit ${code}`);
          resolve(code);
        },
      });
    });
    let port: number | undefined;
    while (port === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      port = log.text.match(/"port":(\d+)/)?.[1] ? Number(log.text.match(/"port":(\d+)/)?.[1]) : undefined;
    }
    const url = `http://127.0.0.1:${port}`;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const body = new URLSearchParams({
      team_id: "T1",
      channel_id: "C1",
      user_id: "UADMIN",
      command: "/ambassador",
      text: "link app clustera clusterb --web hello-web",
      response_url: `${sinkUrl}/commands/T1/1/abc`,
    }).toString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const ack = await fetch(`${url}/slack/events`, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": slackSignature("test-signing-secret", timestamp, body),
      },
    });
    expect(ack.status).toBe(200);

    process.emit("SIGTERM");
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    expect(posted).toEqual([]);
    expect(await exited).toBe(0);
    expect(posted).toHaveLength(1);
    const result = JSON.parse(posted[0] ?? "{}") as { response_type?: string; text?: string };
    expect(result.response_type).toBe("in_channel");
    expect(result.text).toContain(`Web: ${await publishedUrl(lab.b, "web")}`);
    expect(lab.links.all()).toHaveLength(1);
    expect(events).toEqual(["store closed", "exit 0"]);
    await new Promise<void>((resolve) => sink.close(() => resolve()));
    sink.closeAllConnections();
  });
});
