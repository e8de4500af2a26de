import { connect } from "node:net";
import { UserError } from "../errors.js";
import { type CommandRequest, parseAnswerLine, readLines } from "./bot-socket.js";
import type { TerminalIo } from "./run-once.js";

const maxAnswerBytes = 4 * 1024 * 1024;

/**
 * Hands one command to the bot listening on `path`, writes its answer as it arrives and resolves to its exit code;
 * resolves to undefined when no bot listens there (no bot runs, or the store is held by a one-shot command).
 * `idleMs` bounds the wait between two parts of the answer; the bot's own deadlines bound the command.
 */
export function sendCommand(
  path: string,
  request: CommandRequest,
  io: TerminalIo,
  idleMs = 120_000,
): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const fail = (message: string) => {
      socket.destroy();
      reject(new UserError("bot-socket", message));
    };
    socket.setTimeout(idleMs, () =>
      fail(`the running bot did not answer within ${idleMs / 1000} s (${path}); see its log`),
    );
    let connected = false;
    socket.once("error", (error: NodeJS.ErrnoException) => {
      // Once connected, the answer's reader reports the failure.
      if (connected) return;
      socket.destroy();
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") return resolve(undefined);
      if (error.code === "EACCES") {
        return fail(`cannot reach the running bot at ${path}: run this as the user the bot runs as`);
      }
      reject(error);
    });
    socket.once("connect", () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
      let exitCode: number | undefined;
      let unexpected = false;
      readLines(socket, maxAnswerBytes, (text) => {
        const line = parseAnswerLine(text);
        if (!line) unexpected = true;
        else if ("out" in line) io.stdout.write(line.out);
        else if ("err" in line) io.stderr.write(line.err);
        else exitCode = line.exitCode;
        return !unexpected && exitCode === undefined;
      }).then(
        () => {
          socket.destroy();
          if (unexpected) fail(`the running bot answered something unexpected at ${path}`);
          else if (exitCode === undefined)
            fail(`the running bot at ${path} stopped before it answered; see its log`);
          else resolve(exitCode);
        },
        (error: Error) => fail(`the running bot at ${path} did not answer: ${error.message}`),
      );
    });
  });
}
