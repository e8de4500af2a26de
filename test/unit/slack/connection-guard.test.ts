import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { guardConnections } from "../../../src/slack/connection-guard.js";
import { eventually, openRaw, type RawClient, sleep } from "../../support/raw-http.js";

let server: Server | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server that answers every whole request 200, its connections capped as the bot's are, with small numbers. */
async function guarded(limits: { max: number; hardMax: number; settleMs: number }): Promise<number> {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  guardConnections(server, limits, () => undefined);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("past the hard cap on connections", () => {
  it("closes a slow body of the address holding the most, not a newcomer from another address", async () => {
    const port = await guarded({ max: 4, hardMax: 8, settleMs: 60_000 });
    // Another address holds every slot with a request whose body comes a byte at a time.
    for (let i = 0; i < 8; i += 1) {
      const client = await openRaw(port, "127.0.0.2");
      clients.push(client);
      await client.write("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n1");
    }
    await sleep(100);
    const slack = await openRaw(port);
    clients.push(slack);
    await slack.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(await eventually(() => slack.status() !== undefined || slack.isClosed, 2_000)).toBe(true);
    expect(slack.status()).toBe(200);
    expect(clients.slice(0, 8).filter((client) => client.isClosed)).toHaveLength(1);
  });
});
