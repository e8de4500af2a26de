import { once } from "node:events";
import { lstat, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { isAbsolute } from "node:path";
import { z } from "zod";
import { finishedWithin } from "../deadlines.js";
import { describeError, errorReference, isUserError, UserError } from "../errors.js";
import type { Logger } from "../logger.js";
import { type AnswerLine, aliveEveryMs, readLine, socketPathFits } from "./bot-socket.js";
import { type ClustersCommandRunner, printClustersResult } from "./clusters-delegate.js";
import type { TerminalIo } from "./run-once.js";

const maxRequestBytes = 64 * 1024;
/** How long a stopping bot waits for its callers to read the end of their answers. */
const flushGraceMs = 5_000;
const requestDeadlineMs = 10_000;
// Enough for a script's commands at once. One more takes the place of the oldest that has had its answer, or has not
// sent a whole request within a second (the one-shot side writes its request as it connects); with none such, it is
// closed unanswered, which the one-shot side says.
const maxConnections = 64;
const quietMs = 1_000;
/** Most words a handed command may have: far more than any command takes, far fewer than the request's bytes allow. */
const maxWords = 4096;

const absolutePath = z.string().max(4096).refine(isAbsolute, { message: "must be an absolute path" });

/** What another process may hand the bot: the words of one command and where they were typed, nothing else. */
const CommandRequest = z
  .object({
    argv: z.array(z.string()).min(1).max(maxWords),
    cwd: absolutePath,
    dockerConfigDir: absolutePath.optional(),
  })
  .strict();
type CommandRequest = z.infer<typeof CommandRequest>;

/** How the bot runs what it is handed: `clusters …` through the store's registry, the rest as at its prompt. */
export interface HandedCommands {
  clusters?: ClustersCommandRunner;
  /** Runs one command's words, writing as `ambassador <words>` would; resolves to the exit code. */
  command(argv: string[], io: TerminalIo): Promise<number>;
}

/** The running bot's socket for commands from the one-shot CLI; close it when the bot stops. */
export interface BotSocketServer {
  path: string;
  /**
   * Stops taking commands, lets the ones running finish and answer (for at most `waitMs`, when given), then closes
   * every connection.
   */
  close(waitMs?: number): Promise<void>;
}

/** The request on `socket`, or why it is refused; the whole of it must come within the request deadline. */
async function readRequest(socket: Socket): Promise<CommandRequest | string> {
  const refusal = "error: the request to the running bot was not understood";
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`${refusal} (no whole request within ${requestDeadlineMs / 1000} s)`),
      requestDeadlineMs,
    );
  });
  const read = readLine(socket, maxRequestBytes).then(
    (line) => {
      try {
        const parsed = CommandRequest.safeParse(JSON.parse(line));
        if (parsed.success) return parsed.data;
        const [issue] = parsed.error.issues;
        return issue ? `${refusal} (${[...issue.path, issue.message].join(": ")})` : refusal;
      } catch (error) {
        return `${refusal} (${describeError(error)})`;
      }
    },
    (error: unknown) => `${refusal} (${describeError(error)})`,
  );
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(
  request: CommandRequest,
  commands: HandedCommands,
  logger: Logger,
  send: (line: AnswerLine) => void,
): Promise<number> {
  const [first, ...rest] = request.argv;
  const io: TerminalIo = {
    stdout: { write: (text: string) => send({ out: text }) },
    stderr: { write: (text: string) => send({ err: text }) },
  };
  try {
    if (first === "clusters") {
      if (!commands.clusters) throw new UserError("no-clusters", "this bot cannot change its clusters");
      const context = { cwd: request.cwd, dockerConfigDir: request.dockerConfigDir };
      return printClustersResult(await commands.clusters(rest, context), io);
    }
    return await commands.command(request.argv, io);
  } catch (error) {
    if (isUserError(error)) {
      send({ err: `error: ${error.message}\n` });
      return 1;
    }
    const reference = errorReference();
    logger.error({ err: error, reference }, "command from another process failed");
    send({ err: `error: the running bot could not do it; see its log (reference ${reference})\n` });
    return 1;
  }
}

/**
 * Listens on `path` for commands from the one-shot CLI while this process holds the store. The socket is 0600 in
 * the store's 0700 folder, so only the store's user can connect; it carries only the command's words and working
 * folder, credentials files are read here, as that same user, and the answer streams back as the command writes.
 */
export async function listenForCommands(
  path: string,
  commands: HandedCommands,
  logger: Logger,
  /** How often a running command's caller is told the bot is at work. */
  aliveMs = aliveEveryMs,
): Promise<BotSocketServer> {
  if (!socketPathFits(path)) {
    throw new UserError("bot-socket", `${path} is too long for a Unix socket; give the store a shorter path`);
  }
  // This process holds the store's lock, so a socket here was left by a holder that died.
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isSocket()) {
    throw new UserError(
      "bot-socket",
      `${path} is in the way of the bot's socket and is not one; move it away`,
    );
  }
  await rm(path, { force: true });
  /** Every connection, oldest first: when it came, whether its whole request came, whether it has its answer. */
  const open = new Map<Socket, { since: number; requested: boolean; answered: boolean }>();
  /** Closes the oldest connection not waiting on a command of its own, to make room for a new one. */
  const makeRoom = (): boolean => {
    const now = performance.now();
    for (const [socket, slot] of open) {
      // An answer still in this process's buffers is not cut short: its caller gets it whole.
      const done = slot.answered && socket.writableLength === 0;
      if (!done && (slot.requested || now - slot.since < quietMs)) continue;
      open.delete(socket);
      socket.destroy();
      return true;
    }
    return false;
  };
  /** The commands running, by the connection that handed them. */
  const running = new Map<Socket, Promise<unknown>>();
  const server = createServer((socket) => {
    if (open.size >= maxConnections && !makeRoom()) {
      socket.destroy();
      return;
    }
    const slot = { since: performance.now(), requested: false, answered: false };
    open.set(socket, slot);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
    // One who stops waiting (Ctrl-C) does not stop the command: it finishes, or rolls back, in the bot.
    const send = (line: AnswerLine) => {
      if (socket.writable) socket.write(`${JSON.stringify(line)}\n`);
    };
    void (async () => {
      const request = await readRequest(socket);
      slot.requested = true;
      if (typeof request === "string") {
        send({ err: `${request}\n` });
        return 2;
      }
      const alive = setInterval(() => send({ alive: true }), aliveMs);
      const task = run(request, commands, logger, send);
      running.set(socket, task);
      try {
        return await task;
      } finally {
        clearInterval(alive);
        running.delete(socket);
      }
    })().then((exitCode) => {
      if (socket.writable) socket.end(`${JSON.stringify({ exitCode })}\n`);
      slot.answered = true;
      // Answered: the caller has a few seconds to read the rest and close, then the slot is free for the next.
      socket.pause();
      setTimeout(() => socket.destroy(), flushGraceMs).unref();
    });
  });
  const mask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(mask);
  }
  server.on("error", (error) => logger.warn({ err: error }, "bot socket error"));
  return {
    path,
    async close(waitMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
      // Who is still sending a request gets nothing; an answer already on its way is let through.
      for (const socket of open.keys()) if (!running.has(socket) && !socket.writableEnded) socket.destroy();
      const finished = Promise.allSettled([...running.values()]);
      if (waitMs === undefined) await finished;
      else if (!(await finishedWithin(finished, waitMs))) {
        logger.warn(
          { running: running.size, waitedMs: waitMs },
          "stopping with handed commands still running",
        );
        for (const socket of running.keys()) socket.destroy();
      }
      // Every answer is ending now: its caller has a few seconds to read what is still buffered.
      await finishedWithin(
        Promise.all([...open.keys()].map((socket) => once(socket, "close").catch(() => undefined))),
        flushGraceMs,
      );
      for (const socket of open.keys()) socket.destroy();
      await closed;
    },
  };
}
