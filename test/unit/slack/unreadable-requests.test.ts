import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { answerBeforeRefusing } from "../../../src/slack/unreadable-requests.js";
import { eventually, openRaw, sleep } from "../../support/raw-http.js";

describe("bytes that cannot be read after a request still being answered", () => {
  it("are refused once, after the answer, however many packets of them come meanwhile", async () => {
    // An answer that takes a while, as a slow listener's would.
    const server = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("done\n"), 400);
    });
    answerBeforeRefusing(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const warnings: string[] = [];
    const warned = (warning: Error) => warnings.push(warning.name);
    process.on("warning", warned);
    try {
      const client = await openRaw((server.address() as AddressInfo).port);
      await client.write("POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}XXXX");
      for (let i = 0; i < 30; i++) {
        await client.write("garbage ".repeat(100));
        await sleep(2);
      }
      expect(await eventually(() => client.isClosed, 3_000)).toBe(true);
      expect(client.received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*done\n/);
      expect(
        client.received.match(/HTTP\/1\.1 400 Bad Request\r\n[\s\S]*?\r\n\r\nBad request: [^\n]+\n/g),
      ).toHaveLength(1);
      await sleep(20);
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", warned);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
