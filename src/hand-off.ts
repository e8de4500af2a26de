import { changesLinks } from "./commands/changes-links.js";
import { dockerConfigDir } from "./docker/docker-context.js";
import { describeError } from "./errors.js";
import { storePathOf } from "./store/store-path.js";
import { botSocketPath } from "./terminal/bot-socket.js";
import { sendCommand } from "./terminal/bot-socket-client.js";
import type { TerminalIo } from "./terminal/run-once.js";

/**
 * Hands a one-shot command to the bot that holds the store, and resolves to its exit code once its answer is
 * printed; undefined when no bot takes commands there, so the command runs in this process.
 */
export async function handToRunningBot(
  args: readonly string[],
  io: TerminalIo & { env: NodeJS.ProcessEnv },
  storePath?: string,
): Promise<number | undefined> {
  let store: string | undefined;
  try {
    store = storePath ?? storePathOf(io.env);
  } catch {
    // No working folder to resolve it from: the command, run here, says so.
    return undefined;
  }
  if (store === undefined) return undefined;
  // Ctrl-C stops the waiting, not the command: the bot finishes it (or rolls it back) and audits it all the same.
  const leave = () => {
    const see = changesLinks.has(args[0] ?? "") ? " (`list` shows the links as they are)" : "";
    io.stderr.write(`\nStopped waiting; the running bot finishes \`${args[0]}\` all the same${see}.\n`);
    process.exit(130);
  };
  process.once("SIGINT", leave);
  process.once("SIGTERM", leave);
  try {
    return await sendCommand(
      botSocketPath(store),
      { argv: [...args], cwd: process.cwd(), dockerConfigDir: dockerConfigDir(io.env) },
      io,
    );
  } catch (error) {
    io.stderr.write(`error: ${describeError(error)}\n`);
    return 1;
  } finally {
    process.off("SIGINT", leave);
    process.off("SIGTERM", leave);
  }
}
