import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { httpLimits } from "../../../src/slack/http-limits.js";
import { slackSignature } from "../../../src/slack/signature.js";
import {
  eventsRequestHead,
  eventually,
  openRaw,
  type RawClient,
  slashCommandBody,
  sleep,
} from "../../support/raw-http.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness;
let clients: RawClient[] = [];

beforeEach(async () => {
  harness = await startSlackHarness();
});

afterEach(async () => {
  for (const client of clients) client.socket.destroy();
  clients = [];
  await harness.close();
});

async function open(): Promise<RawClient> {
  const client = await openRaw(harness.bot.port);
  clients.push(client);
  return client;
}

async function postSigned(body: string, contentType: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return harness.postRaw(body, {
    "content-type": contentType,
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": slackSignature(harness.signingSecret, timestamp, body),
  });
}

describe("the bot's HTTP surface, probed as an attacker would", () => {
  it("answers 401 to a request without a signature before reading its 1 MB body", async () => {
    const client = await open();
    const started = performance.now();
    await client.write(eventsRequestHead({ length: 1024 * 1024 }));
    // Only the first kilobyte of the megabyte ever comes: a bot that waits for the body never answers.
    await client.write("x".repeat(1024));
    expect(await eventually(() => client.status() !== undefined, 2_000)).toBe(true);
    expect(client.status()).toBe(401);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await eventually(() => client.isClosed, 1_000)).toBe(true);
  });

  it("invites the body of a request that asks first only once its headers pass", async () => {
    const unsigned = await open();
    await unsigned.write(
      eventsRequestHead({ length: 1000 }).replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"),
    );
    expect(await eventually(() => unsigned.status() !== undefined, 2_000)).toBe(true);
    expect(unsigned.status()).toBe(401);
    expect(unsigned.received).not.toContain("100 Continue");

    const body = slashCommandBody(`${harness.slackUrl}/commands/T1/1/asked`);
    const asking = await open();
    await asking.write(
      eventsRequestHead({ length: body.length, secret: harness.signingSecret, body }).replace(
        "\r\n\r\n",
        "\r\nExpect: 100-continue\r\n\r\n",
      ),
    );
    expect(await eventually(() => asking.received.startsWith("HTTP/1.1 100 Continue"), 2_000)).toBe(true);
    await asking.write(body);
    expect(await eventually(() => /HTTP\/1\.1 200/.test(asking.received), 5_000)).toBe(true);
  });

  it("refuses an expectation it does not know with 417 and closes, so a body sent after is not read as a request", async () => {
    const client = await open();
    await client.write(eventsRequestHead({ length: 10 }).replace("\r\n\r\n", "\r\nExpect: teapot\r\n\r\n"));
    expect(await eventually(() => client.isClosed, 2_000)).toBe(true);
    expect(client.status()).toBe(417);
  });

  it("answers 401 to a signed request whose timestamp is six minutes old, before reading its body", async () => {
    const client = await open();
    const body = "x".repeat(2048);
    const timestamp = Math.floor(Date.now() / 1000) - 6 * 60;
    await client.write(
      eventsRequestHead({ length: body.length, secret: harness.signingSecret, body, timestamp }),
    );
    expect(await eventually(() => client.status() !== undefined, 2_000)).toBe(true);
    expect(client.status()).toBe(401);
  });

  it("cuts a signed body sent a byte a second with a 408 and closes the socket within 10 s", async () => {
    const client = await open();
    const body = "text=".padEnd(60, "a");
    await client.write(eventsRequestHead({ length: body.length, secret: harness.signingSecret, body }));
    const dripping = (async () => {
      for (const byte of body) {
        if (client.isClosed || !(await client.write(byte))) return;
        await sleep(1_000);
      }
    })();
    const closedAfterMs = await Promise.race([
      client.closed,
      sleep(12_000).then(() => Number.POSITIVE_INFINITY),
    ]);
    expect(closedAfterMs).toBeLessThanOrEqual(10_500);
    expect(client.status()).toBe(408);
    await dripping;
  }, 15_000);

  it("closes connections whose headers never finish, or that never send a byte, within 11 s", async () => {
    const silent = await open();
    const dripping = await open();
    const head = "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ";
    const drip = (async () => {
      for (let index = 0; !dripping.isClosed && index < 30; index += 1) {
        await dripping.write(head.charAt(index) || "a");
        await sleep(1_000);
      }
    })();
    const deadline = sleep(13_000).then(() => Number.POSITIVE_INFINITY);
    expect(await Promise.race([dripping.closed, deadline])).toBeLessThanOrEqual(11_500);
    expect(await Promise.race([silent.closed, deadline])).toBeLessThanOrEqual(11_500);
    expect(dripping.status()).toBe(408);
    expect(dripping.received).toMatch(
      /\r\nContent-Length: \d+\r\n[\s\S]*\r\n\r\nRequest timeout: [^\n]+\.\n$/,
    );
    await drip;
  }, 15_000);

  it("refuses a signed 100 KB body with 413", async () => {
    const reply = await postSigned(
      `text=help&padding=${"a".repeat(100 * 1024)}`,
      "application/x-www-form-urlencoded",
    );
    expect(reply.status).toBe(413);
    expect(reply.text).toBe("Payload too large: a body may hold 65536 bytes at most, as Slack's do.\n");
    expect(await harness.health()).toBe(200);
  });

  it("still answers /healthz with 200 connections held open, and keeps no more open than its cap", async () => {
    const held: RawClient[] = [];
    for (let index = 0; index < 200; index += 1) {
      const client = await open();
      // Half a request line, then nothing: each connection is held for as long as the bot lets it.
      await client.write("POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      held.push(client);
    }
    expect(await harness.health()).toBe(200);
    const stillOpen = () => held.filter((client) => !client.isClosed).length;
    expect(await eventually(() => stillOpen() <= httpLimits.maxConnections, 3_000)).toBe(true);
    expect(httpLimits.maxConnections).toBeLessThanOrEqual(200);
  });

  it("answers every one of 300 signed commands sent at once, each on a new connection, their bodies a moment later", async () => {
    const requests = Array.from({ length: 300 }, (_, index) => {
      const body = slashCommandBody(`${harness.slackUrl}/commands/T1/${index}/burst`);
      return { head: eventsRequestHead({ length: body.length, secret: harness.signingSecret, body }), body };
    });
    const connected = await Promise.all(requests.map(() => open()));
    // Each body in a packet of its own, as it comes over a slow link: a connection still sending is no idle one.
    await Promise.all(connected.map((client, index) => client.write(requests[index]?.head ?? "")));
    await sleep(200);
    await Promise.all(connected.map((client, index) => client.write(requests[index]?.body ?? "")));
    await eventually(
      () => connected.every((client) => client.status() !== undefined || client.isClosed),
      10_000,
    );
    const statuses = new Map<string, number>();
    for (const client of connected) {
      const status = String(client.status() ?? "closed unanswered");
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ "200": 300 });
  }, 20_000);

  it.each([
    [300, "held until the bot closes them", 10],
    [1_500, "each dropped and made anew within 800 ms, so none is ever a second old", 3],
  ])(
    "answers a health check sent in two parts %i ms apart while another address churns 140 connections, %s",
    async (pause, _how, rounds) => {
      let flooding = true;
      const churn = async () => {
        while (flooding) {
          const client = await openRaw(harness.bot.port, "127.0.0.2").catch(() => undefined);
          if (!client) continue;
          clients.push(client);
          await client.write("P");
          if (pause < 1_000) await client.closed;
          else await Promise.race([client.closed, sleep(800)]).then(() => client.socket.destroy());
        }
      };
      const flood = Array.from({ length: 140 }, churn);
      // Past the cap, each new connection of the flood closes an older one: the churn runs on its own.
      await sleep(500);
      const statuses: (number | undefined)[] = [];
      for (let index = 0; index < rounds; index += 1) {
        const client = await open();
        await client.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        // A slow network's pace: the flood makes and drops hundreds of connections meanwhile.
        await sleep(pause);
        await client.write("Connection: close\r\n\r\n");
        await Promise.race([client.closed, sleep(1_000)]);
        statuses.push(client.status());
      }
      flooding = false;
      for (const client of clients) client.socket.destroy();
      await Promise.all(flood);
      expect(statuses).toEqual(Array(rounds).fill(200));
    },
    20_000,
  );

  it("answers 404 to other paths and closes, reading no body, and logs a flood of them in one line", async () => {
    const long = `/${"a".repeat(12_000)}`;
    for (let index = 0; index < 200; index += 1) {
      const client = await open();
      await client.write(
        `POST ${long}?${index} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\n`,
      );
      await client.write("x".repeat(4096));
      expect(await eventually(() => client.isClosed, 2_000)).toBe(true);
      expect(client.status()).toBe(404);
      expect(client.received).toMatch(
        /\r\n\r\nNot found: the bot serves POST \/slack\/events and GET \/healthz\.\n$/,
      );
      client.socket.destroy();
    }
    const unsigned = await open();
    await unsigned.write(eventsRequestHead({ length: 10 }));
    expect(await eventually(() => unsigned.status() === 401, 2_000)).toBe(true);
    const lines = harness.log.text.split("\n").filter((line) => line.includes("refused"));
    expect(lines.filter((line) => line.includes("other paths"))).toHaveLength(1);
    expect(lines.filter((line) => line.includes("not signed by Slack"))).toHaveLength(1);
    expect(harness.log.text).not.toContain("a".repeat(100));
    expect(await harness.health()).toBe(200);
    // 200 connections one after another: on a loaded machine that is more than the default 5 s.
  }, 30_000);

  it("answers a health check that comes with a body, then closes instead of reading it", async () => {
    const client = await open();
    await client.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    await client.write(`100000\r\n${"x".repeat(4096)}`);
    expect(await eventually(() => client.isClosed, 2_000)).toBe(true);
    expect(client.status()).toBe(200);
  });

  it("answers one health check a connection, so checks sent back to back without reading take none of its time", async () => {
    const client = await open();
    await client.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(1000));
    expect(await eventually(() => client.isClosed, 2_000)).toBe(true);
    expect(client.received.match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
    expect(client.status()).toBe(200);
    // HEAD, as uptime monitors check: the status alone.
    const head = await open();
    await head.write("HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(await eventually(() => head.isClosed, 2_000)).toBe(true);
    expect(head.status()).toBe(200);
    expect(head.received).not.toContain("ok");
  });

  it("answers 405 naming the methods it takes to another method on its two paths, and to a tunnel", async () => {
    for (const [request, allow] of [
      ["PUT /healthz", "GET, HEAD"],
      ["GET /slack/events", "POST"],
      ["CONNECT /slack/events", "POST"],
      ["CONNECT 127.0.0.1:443", "POST"],
    ] as const) {
      const client = await open();
      await client.write(`${request} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`);
      expect(await eventually(() => client.isClosed, 2_000)).toBe(true);
      expect({ request, status: client.status() }).toEqual({ request, status: 405 });
      expect(client.received.toLowerCase()).toContain(`allow: ${allow.toLowerCase()}\r\n`);
      expect(client.received).toMatch(/\r\n\r\nMethod not allowed: [^\n]+\.\n$/);
    }
  });

  it("refuses a signed slash command sent again with 401, so a captured request cannot run its command twice", async () => {
    const body = slashCommandBody(`${harness.slackUrl}/commands/T1/1/captured`);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": timestamp,
      "x-slack-signature": slackSignature(harness.signingSecret, timestamp, body),
    };
    expect((await harness.postRaw(body, headers)).status).toBe(200);
    expect((await harness.postRaw(body, headers)).status).toBe(401);
    expect(harness.log.text).toContain("refused a signed request sent again");
    // A new request, signed anew, is taken as ever.
    expect((await harness.slash("help")).status).toBe(200);
  });

  it("answers a command sent with bytes past its body first, then refuses the bytes with a 400 and closes", async () => {
    const body = slashCommandBody(`${harness.slackUrl}/commands/T1/1/trailing`, "list");
    const client = await open();
    await client.write(
      `${eventsRequestHead({ length: body.length, secret: harness.signingSecret, body })}${body}XXXXXXXXXXXXXXXXXXXX`,
    );
    expect(await eventually(() => client.isClosed, 5_000)).toBe(true);
    // The command's ack, then the refusal of what followed it: not the refusal in the ack's place.
    expect(client.status()).toBe(200);
    expect(client.received).toMatch(
      /^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 400 Bad Request\r\n[^\r]+\r\nContent-Length: \d+\r\nConnection: close\r\n\r\nBad request: [^\n]+; send requests as Slack does\.\n$/,
    );
    // It ran: its ack said so, and the audit log has it.
    expect(client.received).toContain("Reading the links");
    expect(await eventually(() => harness.log.text.includes('"action":"list","outcome":"ok"'), 2_000)).toBe(
      true,
    );
    expect(await harness.health()).toBe(200);
  });

  it("answers a command before the request that follows it, whose body cannot be read, and writes nothing after a refusal", async () => {
    const body = slashCommandBody(`${harness.slackUrl}/commands/T1/1/pipelined`, "list");
    const signed = `${eventsRequestHead({ length: body.length, secret: harness.signingSecret, body })}${body}`;
    const client = await open();
    await client.write(
      `${signed}POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n`,
    );
    expect(await eventually(() => client.isClosed, 5_000)).toBe(true);
    expect(client.status()).toBe(200);
    expect(client.received).toContain("Reading the links");
    // Refused with a 401 that closes the connection, an unsigned request gets no 400 after it for what followed.
    const unsigned = await open();
    await unsigned.write(
      `${eventsRequestHead({ length: 10 }).replace(/Content-Length: \d+\r\n/, "Transfer-Encoding: chunked\r\n")}ZZ\r\n`,
    );
    expect(await eventually(() => unsigned.isClosed, 5_000)).toBe(true);
    expect(unsigned.status()).toBe(401);
    expect(unsigned.received).not.toContain("400 Bad Request");
  });

  it.each([
    ["a 417 to an expectation it does not know", "Host: x\r\nExpect: foo\r\n", 417],
    ["Node's 400 to a request with no Host", "", 400],
  ])("writes no second answer after %s when unreadable bytes follow it", async (_what, headers, status) => {
    const client = await open();
    await client.write(`POST /slack/events HTTP/1.1\r\n${headers}Content-Length: 0\r\n\r\nGARBAGE\r\n\r\n`);
    expect(await eventually(() => client.isClosed, 3_000)).toBe(true);
    await sleep(20);
    expect(client.status()).toBe(status);
    expect(client.received.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    expect(await harness.health()).toBe(200);
  });

  it("runs nothing sent on a connection behind an answer that closed it, and answers pipelined commands in turn", async () => {
    const signedCommand = (name: string) => {
      const body = slashCommandBody(`${harness.slackUrl}/commands/T1/1/${name}`, "list");
      return `${eventsRequestHead({ length: body.length, secret: harness.signingSecret, body })}${body}`;
    };
    const unsigned = eventsRequestHead({ length: 10 });
    const behind: [string, string, number][] = [
      ["an unsigned request", `${unsigned}${signedCommand("a")}`, 401],
      ["an unsigned request whose body was not read", `${unsigned}0123456789${signedCommand("b")}`, 401],
      [
        "a health check",
        `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n${signedCommand("c")}${signedCommand("d")}`,
        200,
      ],
      [
        "another path",
        `POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc${signedCommand("e")}`,
        404,
      ],
      [
        "an unknown expectation",
        `GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n${signedCommand("f")}`,
        417,
      ],
      ["a request with no Host", `GET /healthz HTTP/1.1\r\n\r\n${signedCommand("g")}`, 400],
    ];
    for (const [what, sent, status] of behind) {
      const client = await open();
      await client.write(sent);
      expect(await eventually(() => client.isClosed, 5_000)).toBe(true);
      expect({ what, status: client.status() }).toEqual({ what, status });
      expect(client.received.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    }
    const inTurn = await open();
    await inTurn.write(`${signedCommand("first")}${signedCommand("second")}`);
    expect(await eventually(() => (inTurn.received.match(/HTTP\/1\.1 200/g) ?? []).length === 2, 5_000)).toBe(
      true,
    );
    // Two commands ran, the pipelined pair, and neither of those behind a closing answer.
    const ran = () => harness.log.text.split('"action":"list","outcome":"ok"').length - 1;
    expect(await eventually(() => ran() >= 2, 3_000)).toBe(true);
    await sleep(200);
    expect(ran()).toBe(2);
  });

  it("refuses with 415 a signed body said to be compressed or otherwise coded, and runs nothing", async () => {
    const body = slashCommandBody(`${harness.slackUrl}/commands/T1/1/coded`, "list");
    const head = eventsRequestHead({ length: body.length, secret: harness.signingSecret, body });
    const chunked = head.replace(/Content-Length: \d+\r\n/, "Transfer-Encoding: gzip, chunked\r\n");
    for (const [request, coding] of <[string, string][]>[
      [`${head.replace("\r\n\r\n", "\r\nContent-Encoding: gzip\r\n\r\n")}${body}`, "Content-Encoding gzip"],
      [`${chunked}${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`, "Transfer-Encoding gzip"],
    ]) {
      const client = await open();
      await client.write(request);
      expect(await eventually(() => client.isClosed, 2_000)).toBe(true);
      expect(client.status()).toBe(415);
      expect(client.received).toContain(
        `Unsupported coding: ${coding}; send the body as it is, as Slack does.`,
      );
    }
    await sleep(100);
    expect(harness.log.text).not.toContain('"action":"list"');
    expect((await harness.slash("help")).status).toBe(200);
  });

  it("answers 400 to signed bodies that are not objects, and stays up", async () => {
    for (const [body, contentType] of [
      ["payload=null", "application/x-www-form-urlencoded"],
      ["payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"],
      ["payload=%22text%22", "application/x-www-form-urlencoded"],
      ["null", "application/json"],
      ["[]", "application/json"],
      ['"text"', "application/json"],
      ["{not json", "application/json"],
    ] as const) {
      expect({ body, status: (await postSigned(body, contentType)).status }).toEqual({ body, status: 400 });
    }
    await sleep(50);
    expect(await harness.health()).toBe(200);
    expect((await harness.slash("help")).status).toBe(200);
  });

  it("answers Slack's notice that it holds back events with 200 at once, and 400 to an interaction its handler could not read", async () => {
    const started = performance.now();
    expect(
      (await postSigned('{"type":"app_rate_limited","minute_rate_limited":1}', "application/json")).status,
    ).toBe(200);
    expect(performance.now() - started).toBeLessThan(2_000);
    const submission = JSON.stringify({
      type: "view_submission",
      user: { id: "U1" },
      view: { callback_id: "x" },
    });
    const refused = await postSigned(
      `payload=${encodeURIComponent(submission)}`,
      "application/x-www-form-urlencoded",
    );
    expect(refused.status).toBe(400);
    expect(harness.log.text).not.toContain("unhandled error");
    expect((await harness.slash("help")).status).toBe(200);
  });

  it("answers 400 to a request target no URL parser takes, logs no error, and stays up", async () => {
    for (const target of ["//a:99999", "//["]) {
      const client = await open();
      await client.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(await eventually(() => client.status() !== undefined, 2_000)).toBe(true);
      expect({ target, status: client.status() }).toEqual({ target, status: 400 });
    }
    expect(harness.log.text).not.toMatch(/"level":50/);
    expect(await harness.health()).toBe(200);
  });
});
