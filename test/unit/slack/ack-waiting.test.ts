import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HTTPReceiver } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { guardSignedRequests } from "../../../src/slack/signed-request-guard.js";
import {
  eventsRequestHead,
  eventually,
  openRaw,
  type RawClient,
  slashCommandBody,
  sleep,
} from "../../support/raw-http.js";

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5";
let server: Server | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** The guard in front of a stand-in for Bolt that acks at once; counts the requests it took as waiting for an ack. */
async function guarded(): Promise<{ port: number; waiting: ServerResponse[] }> {
  const waiting: ServerResponse[] = [];
  const receiver = {
    requestListener: (_req: unknown, res: ServerResponse) => res.writeHead(200).end(),
  } as unknown as HTTPReceiver;
  guardSignedRequests(receiver, {
    signingSecret,
    eventsPath: "/slack/events",
    slashCommand: "/ambassador",
    healthPath: "/healthz",
    bodyBytes: 64 * 1024,
    bodyDeadlineMs: 10_000,
    log: createLogger({ level: "silent" }),
    refused: () => undefined,
    answering: () => undefined,
    waiting: (res) => waiting.push(res),
  });
  server = createServer((req, res) => receiver.requestListener(req, res));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, waiting };
}

describe("the requests work after an ack waits for", () => {
  it("are Slack's own: one that only claims a signature, its body held back, holds nothing up", async () => {
    const { port, waiting } = await guarded();
    const claimed = await openRaw(port);
    clients.push(claimed);
    const body = "x".repeat(1000);
    // A signature of the right shape over a body it will never send whole.
    await claimed.write(eventsRequestHead({ length: body.length, secret: "not the secret", body }));
    await claimed.write(body.slice(0, 10));
    await sleep(100);
    expect(waiting).toHaveLength(0);

    const command = slashCommandBody("http://127.0.0.1:9/response");
    const signed = await openRaw(port);
    clients.push(signed);
    await signed.write(
      eventsRequestHead({ length: command.length, secret: signingSecret, body: command }) + command,
    );
    expect(await eventually(() => signed.status() === 200, 2_000)).toBe(true);
    expect(waiting).toHaveLength(1);
    expect(claimed.status()).toBeUndefined();
  });
});
