import { lstat, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { describeError, errorReference, isUserError, UserError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { CommandResult } from "./clusters-command.js";
import type { ClustersCommandRunner } from "./clusters-delegate.js";
import { ClustersRequest, readLine } from "./clusters-socket.js";

const maxRequestBytes = 64 * 1024;
const requestDeadlineMs = 10_000;
const maxConnections = 8;

/** The running bot's socket for `clusters …`; close it when the bot stops. */
export interface ClustersSocketServer {
  path: string;
  close(): Promise<void>;
}

async function answer(socket: Socket, run: ClustersCommandRunner, logger: Logger): Promise<CommandResult> {
  let request: ClustersRequest;
  try {
    const parsed = ClustersRequest.safeParse(JSON.parse(await readLine(socket, maxRequestBytes)));
    if (!parsed.success)
      return { exitCode: 2, output: "error: the request to the running bot was not understood" };
    request = parsed.data;
  } catch (error) {
    return {
      exitCode: 2,
      output: `error: the request to the running bot was not understood (${describeError(error)})`,
    };
  }
  try {
    return await run(request.argv, { cwd: request.cwd, dockerConfigDir: request.dockerConfigDir });
  } catch (error) {
    if (isUserError(error)) return { exitCode: 1, output: `error: ${error.message}` };
    const reference = errorReference();
    logger.error({ err: error, reference }, "clusters command from another process failed");
    return {
      exitCode: 1,
      output: `error: the running bot could not do it; see its log (reference ${reference})`,
    };
  }
}

/**
 * Listens on `path` for `clusters …` from the one-shot CLI while this process holds the store. The socket is
 * 0600 in the store's 0700 folder, so only the store's user can connect; it carries only the command's words
 * and working folder, and credentials files are read here, as that same user.
 */
export async function listenForClustersCommands(
  path: string,
  run: ClustersCommandRunner,
  logger: Logger,
): Promise<ClustersSocketServer> {
  // This process holds the store's lock, so a socket here was left by a holder that died.
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isSocket()) {
    throw new UserError(
      "clusters-socket",
      `${path} is in the way of the bot's socket and is not one; move it away`,
    );
  }
  await rm(path, { force: true });
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.setTimeout(requestDeadlineMs, () => socket.destroy());
    void answer(socket, run, logger).then((result) => {
      socket.setTimeout(0);
      socket.end(`${JSON.stringify(result)}\n`);
    });
  });
  server.maxConnections = maxConnections;
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
  server.on("error", (error) => logger.warn({ err: error }, "clusters socket error"));
  return {
    path,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      await closed;
      await rm(path, { force: true });
    },
  };
}
