import type { Socket } from "node:net";

// Loaded by every one-shot command before anything else, so it stays on Node's own modules.

/** Where a running bot takes commands from other processes: beside its store, in the store's 0700 folder. */
export function botSocketPath(storePath: string): string {
  return `${storePath}.sock`;
}

/** One command handed to the running bot: the words after `ambassador`, and where they were typed. */
export interface CommandRequest {
  argv: string[];
  /** The folder the command was typed in; relative paths in `clusters add` are read from it. */
  cwd: string;
  /** The Docker CLI configuration folder of the person who typed it, for `clusters add --context`. */
  dockerConfigDir?: string;
}

/**
 * One line of the bot's answer: text as the command writes it to standard output or error, that it is still at
 * work (every `aliveEveryMs` while a command runs), and last the exit code.
 */
export type AnswerLine = { out: string } | { err: string } | { alive: true } | { exitCode: number };

/** How often the bot says a command is still running; a one-shot command that hears nothing for long gives up. */
export const aliveEveryMs = 5_000;

/** A Unix socket's path has room for 107 bytes; a longer one would be cut short, somewhere else. */
export function socketPathFits(path: string): boolean {
  return Buffer.byteLength(path) <= 107;
}

/** The answer line in `text`, or undefined when it is none. */
export function parseAnswerLine(text: string): AnswerLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Object.keys(value).length !== 1) return undefined;
  const line = value as Record<string, unknown>;
  if (typeof line.out === "string") return { out: line.out };
  if (typeof line.err === "string") return { err: line.err };
  if (line.alive === true) return { alive: true };
  const code = line.exitCode;
  if (typeof code === "number" && Number.isInteger(code) && code >= 0 && code <= 255)
    return { exitCode: code };
  return undefined;
}

/**
 * Calls `onLine` with each newline-terminated message that arrives on `socket`; resolves when the socket ends,
 * rejects on a message longer than `maxBytes`. `onLine` returning false stops reading.
 */
export function readLines(
  socket: Socket,
  maxBytes: number,
  onLine: (line: string) => boolean | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      socket.off("data", onData).off("end", onEnd).off("error", finish).off("close", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      let rest = chunk;
      for (let end = rest.indexOf(0x0a); end !== -1; end = rest.indexOf(0x0a)) {
        size += end;
        if (size > maxBytes) return finish(new Error(`message longer than ${maxBytes} bytes`));
        chunks.push(rest.subarray(0, end));
        const line = Buffer.concat(chunks).toString("utf8");
        chunks = [];
        size = 0;
        rest = rest.subarray(end + 1);
        if (onLine(line) === false) return finish();
      }
      size += rest.length;
      if (size > maxBytes) return finish(new Error(`message longer than ${maxBytes} bytes`));
      if (rest.length) chunks.push(rest);
    };
    const onEnd = () =>
      finish(size > 0 ? new Error("the connection closed in the middle of a message") : undefined);
    // A socket destroyed on this side says only that it closed.
    const onClose = () => finish(new Error("the connection closed"));
    socket.on("data", onData).on("end", onEnd).on("error", finish).on("close", onClose);
  });
}

/** Reads one newline-terminated message of at most `maxBytes`; rejects a longer one or a connection that ends first. */
export async function readLine(socket: Socket, maxBytes: number): Promise<string> {
  let first: string | undefined;
  await readLines(socket, maxBytes, (line) => {
    first = line;
    return false;
  });
  if (first === undefined) throw new Error("the connection closed before a whole message");
  return first;
}
