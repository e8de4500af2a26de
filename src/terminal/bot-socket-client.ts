import { connect } from "node:net";
import { UserError } from "../errors.js";
import { type CommandRequest, parseAnswerLine, readLines } from "./bot-socket.js";
import type { TerminalIo } from "./run-once.js";

const maxAnswerBytes = 4 * 1024 * 1024;

/**
 * Hands one command to the bot listening on `path`, writes its answer as it arrives and resolves to its exit code;
 * resolves to undefined when no bot listens there (no bot runs, or the store is held by a one-shot command).
 * The bot's deadlines bound the command (an image pull may take minutes), so nothing here times it out.
 */
export function sendCommand(
  path: string,
  request: CommandRequest,
  io: TerminalIo,
): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const fail = (message: string) => {
      socket.destroy();
      reject(new UserError("bot-socket", message));
    };
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
        else exitCode = line.exitCode;
        return !unexpected && exitCode === undefined;
      }).then(
        () => {
          socket.destroy();
          if (unexpected) fail(`the running bot answered something unexpected at ${path}`);
          else if (exitCode !== undefined) resolve(exitCode);
          else if (lines === 0) fail(unanswered);
          else fail(`the running bot at ${path} stopped before it answered; see its log`);
        },
        // A bot at its limit of connections closes a new one at once: it ends, or is reset, before a word.
        (error: Error) =>
          fail(lines === 0 ? unanswered : `the running bot at ${path} did not answer: ${error.message}`),
      );
    });
  });
}
