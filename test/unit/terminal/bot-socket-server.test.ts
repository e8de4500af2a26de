import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CommandRequest, readLines } from "../../../src/terminal/bot-socket.js";
import { sendCommand } from "../../../src/terminal/bot-socket-client.js";
import { type BotSocketServer, listenForCommands } from "../../../src/terminal/bot-socket-server.js";
import { tsxLoader } from "../../support/bot-process.js";

const run = promisify(execFile);
const closeFixture = new URL("../../fixtures/socket-close-exit.ts", import.meta.url).pathname;

let dir: string;
let server: BotSocketServer;
const seen: { argv: string[]; cwd?: string }[] = [];
/** Lets every `slow` or `big` command running go on. */
const waiting: (() => void)[] = [];
const release = () => {
  for (const go of waiting.splice(0)) go();
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-sock-"));
  seen.length = 0;
  server = await listenForCommands(
    join(dir, "ambassador.json.sock"),
    {
      clusters: async (args, context) => {
        seen.push({ argv: ["clusters", ...args], cwd: context?.cwd });
        return { exitCode: args[0] === "bad" ? 2 : 0, output: `ran clusters ${args.join(" ")}` };
      },
      command: async (argv, io) => {
        seen.push({ argv });
        if (argv[0] === "crash") throw new Error("boom");
        io.stderr.write("Linking app…\n");
        if (argv[0] === "slow" || argv[0] === "big")
          await new Promise<void>((resolve) => waiting.push(resolve));
        if (argv[0] === "big") io.stdout.write(`${"x".repeat(2_000_000)}\n`);
        io.stdout.write(`ran ${argv.join(" ")}\n`);
        return argv[0] === "typo" ? 2 : 0;
      },
    },
    pino({ level: "silent" }),
  );
});

afterEach(async () => {
  release();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } },
  };
}

function send(request: CommandRequest) {
  const { io, out, err } = captured();
  return sendCommand(server.path, request, io).then((code) => ({
    code,
    out: out.join(""),
    err: err.join(""),
  }));
}

/**
 * The bot's 64 connections at once, each half-open as `nc -U` leaves it (the caller never closes its side), and
 * counted as held once `ready` says so.
 */
function holdEverySlot(ready: (socket: Socket, held: () => void) => void): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: 64 },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect({ path: server.path, allowHalfOpen: true }, () =>
            ready(socket, () => resolve(socket)),
          );
        }),
    ),
  );
}

function rawExchange(payload: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(server.path);
    let answer = "";
    socket.on("data", (chunk) => {
      answer += String(chunk);
    });
    socket.on("error", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.write(payload);
  });
}

describe("the bot's socket for commands from the terminal", () => {
  it("runs a command's words and answers with what it wrote, where it wrote it, and its exit code", async () => {
    expect(await send({ argv: ["ports", "web"], cwd: "/srv" })).toEqual({
      code: 0,
      out: "ran ports web\n",
      err: "Linking app…\n",
    });
    expect(await send({ argv: ["typo"], cwd: "/" })).toMatchObject({ code: 2 });
    expect(seen.map((s) => s.argv)).toEqual([["ports", "web"], ["typo"]]);
  });

  it("runs `clusters …` through the clusters runner, from the folder it was typed in", async () => {
    expect(await send({ argv: ["clusters", "test", "clustera"], cwd: "/srv" })).toEqual({
      code: 0,
      out: "ran clusters test clustera\n",
      err: "",
    });
    expect(await send({ argv: ["clusters", "bad"], cwd: "/" })).toEqual({
      code: 2,
      out: "",
      err: "ran clusters bad\n",
    });
    expect(seen[0]).toEqual({ argv: ["clusters", "test", "clustera"], cwd: "/srv" });
  });

  it("streams the answer as the command writes it, not only at its end", async () => {
    const { io, out, err } = captured();
    const answered = sendCommand(server.path, { argv: ["slow"], cwd: "/" }, io);
    await expect.poll(() => err.join("")).toBe("Linking app…\n");
    expect(out).toEqual([]);
    release();
    expect(await answered).toBe(0);
    expect(out.join("")).toBe("ran slow\n");
  });

  it("keeps a running command's caller past the request deadline, and refuses one whose request trickles in", async () => {
    const { io, out } = captured();
    const answered = sendCommand(server.path, { argv: ["slow"], cwd: "/" }, io);
    await expect.poll(() => seen.length).toBe(1);
    // A byte every two seconds keeps a connection busy, but the whole request must come within 10 s.
    const trickle = connect(server.path);
    let refused = "";
    trickle.on("data", (chunk) => {
      refused += String(chunk);
    });
    const dribble = setInterval(() => trickle.writable && trickle.write("{"), 2_000);
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    clearInterval(dribble);
    expect(refused).toContain("no whole request within 10 s");
    expect(refused).toContain('{"exitCode":2}');
    release();
    expect(await answered).toBe(0);
    expect(out.join("")).toBe("ran slow\n");
    expect(seen).toHaveLength(1);
  }, 20_000);

  it("lets the commands running finish and answer when the bot stops, and takes no new one meanwhile", async () => {
    const { io, out } = captured();
    const answered = sendCommand(server.path, { argv: ["slow"], cwd: "/" }, io);
    await expect.poll(() => seen.length).toBe(1);
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await expect.poll(() => send({ argv: ["list"], cwd: "/" })).toMatchObject({ code: undefined });
    expect(closed).toBe(false);
    release();
    expect(await answered).toBe(0);
    expect(out.join("")).toBe("ran slow\n");
    await closing;
    expect(seen.map((s) => s.argv[0])).toEqual(["slow"]);
  });

  it("lets a long answer be read whole when the bot stops as its command ends", async () => {
    const { io, out } = captured();
    const answered = sendCommand(server.path, { argv: ["big"], cwd: "/" }, io);
    await expect.poll(() => seen.length).toBe(1);
    const closing = server.close();
    release();
    expect(await answered).toBe(0);
    expect(out.join("")).toBe(`${"x".repeat(2_000_000)}\nran big\n`);
    await closing;
  });

  it("stops at once with a caller still sending its request, and leaves nothing that keeps the process up", async () => {
    const started = Date.now();
    const { stdout } = await run(
      process.execPath,
      ["--import", tsxLoader, closeFixture, join(dir, "half.sock")],
      {
        timeout: 20_000,
      },
    );
    expect(stdout).toBe("closed\n");
    // The request's own 10 s deadline must not hold the process once the socket is closed.
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 30_000);

  it("tells a caller the bot is still at work, so a long command is not taken for a stopped bot", async () => {
    const chatty = await listenForCommands(
      join(dir, "chatty.sock"),
      {
        command: async (_argv, io) => {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          io.stdout.write("done\n");
          return 0;
        },
      },
      pino({ level: "silent" }),
      100,
    );
    const { io, out } = captured();
    // Silent for 0.3 s would mean stopped: the bot's word every 0.1 s keeps the caller waiting for the whole second.
    expect(await sendCommand(chatty.path, { argv: ["link"], cwd: "/" }, io, 300)).toBe(0);
    expect(out.join("")).toBe("done\n");
    await chatty.close();
  });

  it("says when a bot has stopped answering mid-command, instead of waiting for ever", async () => {
    const { io, err } = captured();
    const answered = sendCommand(server.path, { argv: ["slow"], cwd: "/" }, io, 300);
    // The bot says it is alive every 5 s; a caller told to expect a word every 0.3 s gives up first.
    await expect(answered).rejects.toThrow(/has said nothing for 0\.3 s; see its log, or stop and start it$/);
    expect(err.join("")).toBe("Linking app…\n");
  });

  it("hands nothing to a socket in a folder others may write to: the command runs where it was typed", async () => {
    await chmod(dir, 0o777);
    expect(await send({ argv: ["list"], cwd: "/" })).toMatchObject({ code: undefined });
    expect(seen).toEqual([]);
    await chmod(dir, 0o700);
    expect(await send({ argv: ["list"], cwd: "/" })).toMatchObject({ code: 0 });
  });

  it("answers a command that failed inside the bot with a reference to its log", async () => {
    const answer = await send({ argv: ["crash"], cwd: "/" });
    expect(answer.code).toBe(1);
    expect(answer.err).toMatch(
      /^error: the running bot could not do it; see its log \(reference [A-Z0-9]+\)\n$/,
    );
  });

  it("refuses what is not a command request, runs nothing, and keeps serving", async () => {
    const lines = async (payload: string | Buffer) =>
      (await rawExchange(payload))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
    for (const bad of [
      "not json\n",
      `${JSON.stringify({ argv: ["list"], cwd: "relative/dir" })}\n`,
      `${JSON.stringify({ argv: ["list"], cwd: "/", env: { DOCKER_HOST: "tcp://evil" } })}\n`,
      `${JSON.stringify({ argv: "list", cwd: "/" })}\n`,
      `${JSON.stringify({ argv: [], cwd: "/" })}\n`,
    ]) {
      const [said, end] = await lines(bad);
      expect(said.err).toMatch(/^error: the request to the running bot was not understood/);
      expect(end).toEqual({ exitCode: 2 });
    }
    const [huge] = await lines(Buffer.alloc(100 * 1024, "a"));
    expect(huge.err).toContain("longer than 65536 bytes");
    expect(seen).toEqual([]);
    expect(await send({ argv: ["list"], cwd: "/" })).toMatchObject({ code: 0 });
  });

  it("takes 64 at once, and the one over that is told the bot is busy, not left waiting", async () => {
    const held = await holdEverySlot((socket, held) => {
      socket.write(`${JSON.stringify({ argv: ["slow"], cwd: "/" })}\n`);
      socket.once("data", () => held());
    });
    await expect(send({ argv: ["list"], cwd: "/" })).rejects.toThrow(
      /closed the connection unanswered \(busy, or stopping\); try again$/,
    );
    release();
    for (const socket of held) socket.destroy();
    await expect
      .poll(() => send({ argv: ["list"], cwd: "/" }).catch(() => undefined))
      .toMatchObject({ code: 0 });
  });

  it("gives the slot of a caller that keeps its connection open after its answer to the next caller", async () => {
    const held = await holdEverySlot((socket, held) => {
      socket.write(`${JSON.stringify({ argv: ["list"], cwd: "/" })}\n`);
      let answer = "";
      socket.on("data", (chunk) => {
        answer += String(chunk);
        if (answer.includes('"exitCode":0')) held();
      });
    });
    expect(await send({ argv: ["list"], cwd: "/" })).toMatchObject({ code: 0 });
    // Within seconds, every held one is closed: the oldest at once, the others once their callers had time to read.
    await expect
      .poll(() => held.filter((socket) => !socket.readableEnded).length, { timeout: 8_000 })
      .toBe(0);
    for (const socket of held) socket.destroy();
  }, 20_000);

  it.each([
    ["says nothing", ""],
    ["sends a byte of a request and no more", "{"],
  ])(
    "gives the slot of a connection that %s for a second to a caller, so such ones cannot lock it out",
    async (_kind, sent) => {
      const held = await holdEverySlot((socket, held) => {
        if (sent) socket.write(sent);
        held();
      });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const started = performance.now();
      expect(await send({ argv: ["list"], cwd: "/" })).toMatchObject({ code: 0 });
      expect(performance.now() - started).toBeLessThan(1_000);
      // The oldest one made room.
      await expect
        .poll(() => held.filter((socket) => socket.readableEnded || socket.destroyed).length)
        .toBe(1);
      for (const socket of held) socket.destroy();
    },
  );

  it("refuses a request with more words than it takes, saying which limit, on a line of its own", async () => {
    const answer = await rawExchange(`${JSON.stringify({ argv: Array(5000).fill("w"), cwd: "/" })}\n`);
    const [said, end] = answer
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(said.err).toMatch(
      /^error: the request to the running bot was not understood \(argv: .*4096.*\)\n$/,
    );
    expect(end).toEqual({ exitCode: 2 });
    expect(await send({ argv: ["link", ...Array(100).fill("--port 5000")], cwd: "/" })).toMatchObject({
      code: 0,
    });
  });

  it("answers undefined when nobody listens, so the command runs where it was typed", async () => {
    await server.close();
    expect(await send({ argv: ["list"], cwd: "/" })).toMatchObject({ code: undefined });
  });
});

describe("the one-shot side of the socket", () => {
  it("says plainly when the bot stops before it answers, or answers nonsense", async () => {
    const { createServer } = await import("node:net");
    for (const [reply, message] of [
      [`${JSON.stringify({ out: "half" })}\n`, "stopped before it answered"],
      ["nonsense\n", "answered something unexpected"],
      [`${JSON.stringify({ exitCode: 300 })}\n`, "answered something unexpected"],
    ] as const) {
      const path = join(dir, `fake-${message.length}-${reply.length}.sock`);
      const fake = createServer((socket) => {
        void readLines(socket, 1024, () => {
          socket.end(reply);
          return false;
        });
      });
      await new Promise<void>((resolve) => fake.listen(path, resolve));
      const { io } = captured();
      await expect(sendCommand(path, { argv: ["list"], cwd: "/" }, io)).rejects.toThrow(message);
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    }
  });
});
