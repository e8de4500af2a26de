import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthorizationError, type Logger as BoltLogger } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { boltFailureHandlers } from "../../../src/slack/bolt-failures.js";
import { CapturedOutput } from "../../support/fakes.js";

/** The status a request gets from a server that hands it to `handle`, with Bolt's arguments. */
async function answered(handle: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<number> {
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return (await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", body: "{}" })).status;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("a request Bolt fails on", () => {
  const setup = () => {
    const output = new CapturedOutput();
    const handlers = boltFailureHandlers(createLogger({ level: "info", destination: output }));
    const lines = () =>
      output.text
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
    return { handlers, lines };
  };
  const logger = {} as BoltLogger;

  it("gets a 500, and one error line in the log that names the error", async () => {
    const { handlers, lines } = setup();
    const error = new TypeError("b.getOrCreate is not a function");
    const status = await answered((request, response) =>
      handlers.processEventErrorHandler({ error, logger, request, response, storedResponse: undefined }),
    );
    expect(status).toBe(500);
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 50,
        msg: "Bolt failed on a request; answered 500",
        err: expect.objectContaining({ message: "b.getOrCreate is not a function" }),
      }),
    ]);
  });

  it("gets a 401, and no error line, when authorising it failed", async () => {
    const { handlers, lines } = setup();
    const error = new AuthorizationError("no installation", new Error("none"));
    const status = await answered((request, response) =>
      handlers.processEventErrorHandler({ error, logger, request, response, storedResponse: undefined }),
    );
    expect(status).toBe(401);
    expect(lines()).toEqual([]);
  });

  it("already answered, is not said to be unacknowledged; unanswered, gets a 404 and one error line", async () => {
    const { handlers, lines } = setup();
    const answeredFirst = await answered((request, response) => {
      response.writeHead(500).end();
      handlers.unhandledRequestHandler({ logger, request, response });
    });
    expect(answeredFirst).toBe(500);
    expect(lines()).toEqual([]);
    const unanswered = await answered((request, response) =>
      handlers.unhandledRequestHandler({ logger, request, response }),
    );
    expect(unanswered).toBe(404);
    expect(lines().map((line) => line.msg)).toEqual([
      "no listener acknowledged a request within 3 seconds; answered 404",
    ]);
  });
});
