import { lstatSync, statSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import { UserError } from "../errors.js";
import {
  aliveEveryMs,
  type CommandRequest,
  parseAnswerLine,
  readLines,
  socketPathFits,
} from "./bot-socket.js";
import type { TerminalIo } from "./run-once.js";

const maxAnswerBytes = 4 * 1024 * 1024;

/**
 * Whether `path` is a bot's socket this process may trust with a command: a socket in a folder no one else may
 * write to, both owned by this user (root trusts any user's). Anything else is left alone, and the command runs
 * here, where opening the store says what is wrong with its folder.
 */
export function trustedSocket(path: string): boolean {
  if (!socketPathFits(path)) return false;
  try {
    const folder = statSync(dirname(path));
    const socket = lstatSync(path);
    const me = process.geteuid?.() ?? -1;
    const owner = (uid: number) => uid === me || me === 0;
    return (
      folder.isDirectory() &&
      (folder.mode & 0o022) === 0 &&
      owner(folder.uid) &&
      socket.isSocket() &&
      socket.uid === folder.uid
    );
  } catch {
    return false;
  }
}

/**
 * Hands one command to the bot listening on `path`, writes its answer as it arrives and resolves to its exit code;
 * resolves to undefined when no bot listens there (no bot runs, or the store is held by a one-shot command). The
 * bot's deadlines bound the command (an image pull may take minutes); the bot says it is alive meanwhile, and
 * `silentMs` without a word means it stopped.
 */
export function sendCommand(
  path: string,
  request: CommandRequest,
  io: TerminalIo,
  silentMs = 6 * aliveEveryMs,
): Promise<number | undefined> {
  if (!trustedSocket(path)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const fail = (message: string) => {
      socket.destroy();
      reject(new UserError("bot-socket", message));
    };
    socket.setTimeout(silentMs, () =>
      fail(
        `the running bot at ${path} has said nothing for ${silentMs / 1000} s; see its log, or stop and start it`,
      ),
    );
    let connected = false;
    socket.once("error", (error: NodeJS.ErrnoException) => {
      // Once connected, the answer's reader reports the failure.
      if (connected) return;
      socket.destroy();
      // Another user's socket never gets here: `trustedSocket` leaves it alone, and opening the store says whose it is.
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") return resolve(undefined);
      reject(error);
    });
    const unanswered = `the running bot at ${path} closed the connection unanswered (busy, or stopping); try again`;
    socket.once("connect", () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
      let exitCode: number | undefined;
      let unexpected = false;
      let lines = 0;
      readLines(socket, maxAnswerBytes, (text) => {
        lines++;
        const line = parseAnswerLine(text);
        if (!line) unexpected = true;
        else if ("out" in line) io.stdout.write(line.out);
        else if ("err" in line) io.stderr.write(line.err);
        else if ("exitCode" in line) exitCode = line.exitCode;
        return !unexpected && exitCode === undefined;
      }).then(
        () => {
          socket.destroy();
          if (unexpected) fail(`the running bot answered something unexpected at ${path}`);
          else if (exitCode !== undefined) resolve(exitCode);
          else if (lines === 0) fail(unanswered);
          else
            fail(
              `the running bot at ${path} stopped before it answered; see its log, and run \`reconcile\` to name what it may have left half-done`,
            );
        },
        // A bot at its limit of connections closes a new one at once: it ends, or is reset, before a word.
        (error: Error) =>
          fail(lines === 0 ? unanswered : `the running bot at ${path} did not answer: ${error.message}`),
      );
    });
  });
}
