import { constants, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import { isUserError, UserError } from "../errors.js";

/** The most a credentials file (a PEM file, a docker.env, a context's meta.json) may hold. */
export const userFileLimit = 64 * 1024;

function describeSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function kind(info: Stats): string {
  if (info.isFIFO()) return "a FIFO";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  return "not a regular file";
}

function refuseOdd(info: Stats, path: string, what: string, limit: number): void {
  if (info.isDirectory()) throw new UserError("unreadable-file", `${what} ${path} is a folder, not a file`);
  if (!info.isFile()) {
    throw new UserError(
      "unreadable-file",
      `${what} ${path} is ${kind(info)}, not a regular file; point at the file itself`,
    );
  }
  if (info.size > limit) {
    throw new UserError(
      "file-too-large",
      `${what} ${path} is ${describeSize(info.size)}, more than the ${describeSize(limit)} such a file can be: is it the right file?`,
    );
  }
}

function explain(error: unknown, path: string, what: string): UserError {
  if (isUserError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new UserError("missing-file", `${what} ${path} does not exist`);
  if (code === "EACCES" || code === "EPERM") {
    return new UserError("unreadable-file", `${what} ${path} cannot be read (permission denied)`);
  }
  if (code === "ENOTDIR") return new UserError("missing-file", `${what} ${path} does not exist`);
  return new UserError(
    "unreadable-file",
    `${what} ${path} cannot be read (${code ?? (error as Error).message})`,
  );
}

/**
 * Reads a file a person pointed us at: a regular file of at most `limit` bytes, checked before it is opened
 * and again on the open handle, so a FIFO, a device or a huge file is refused at once instead of hanging
 * or filling memory. Any refusal is a one-line UserError naming the file.
 */
export async function readUserFile(path: string, what: string, limit = userFileLimit): Promise<string> {
  try {
    refuseOdd(await stat(path), path, what, limit);
    // O_NONBLOCK: a FIFO swapped in after the check must not block the open.
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    try {
      refuseOdd(await handle.stat(), path, what, limit);
      const buffer = Buffer.alloc(limit + 1);
      let length = 0;
      while (length <= limit) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      if (length > limit) {
        throw new UserError(
          "file-too-large",
          `${what} ${path} is more than the ${describeSize(limit)} such a file can be: is it the right file?`,
        );
      }
      return buffer.subarray(0, length).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw explain(error, path, what);
  }
}
