import { statSync } from "node:fs";
import { dirname } from "node:path";
import { handToRunningBot } from "./hand-off.js";
import type { MainIo } from "./run-here.js";
import { openToOthers } from "./store/private-files.js";
import { acquireStoreLock, type StoreLock } from "./store/store-lock.js";
import { storePathOf } from "./store/store-path.js";

export type { MainIo } from "./run-here.js";

const usage = `usage:
  ambassador                         start the bot (Slack when SLACK_* is set, else a prompt)
  ambassador <command> [arguments]   run one command and exit; "ambassador help" lists them
  ambassador clusters add|list|remove|test ...   manage the registered Docker hosts`;

type RunHere = typeof import("./run-here.js");

/**
 * The command-line entry point; resolves to the exit code (or never, while a bot runs). A command goes to the bot
 * running on the same store when there is one, before anything else is loaded, so it starts at once and uses the
 * bot's open connections; otherwise the rest of the program is loaded (`load`: the built one, else its modules)
 * and runs it here.
 */
export async function main(
  args: readonly string[],
  io: MainIo,
  load: () => Promise<RunHere> = () => import("./run-here.js"),
): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.length === 0) return (await load()).runHere(args, io);
  const answered = await handToRunningBot(args, io);
  if (answered !== undefined) return answered;
  // Not for `clusters`, which may ask a new host a while before it opens the store.
  const storeLock = io.backend || args[0] === "clusters" ? undefined : beginStoreLock(io.env);
  try {
    const { runHere } = await load();
    return await runHere(args, storeLock ? { ...io, storeLock } : io);
  } finally {
    // Given back when the command did not take it (it answered without opening the store); else the store did.
    await storeLock?.then(
      (lock) => lock.release(),
      () => undefined,
    );
  }
}

/**
 * The lock of a store that exists in a folder of this user's that only it can open, begun before the rest of a
 * one-shot command loads: flock(1) runs while it does. Anything else (no store yet, a folder open to others) is
 * left to the store, which says what is wrong before it makes a lock file. The lock's refusal (another process holds
 * the store) is the store's to report when it opens.
 */
function beginStoreLock(env: NodeJS.ProcessEnv): Promise<StoreLock> | undefined {
  let path: string | undefined;
  try {
    path = storePathOf(env);
    if (path === undefined || !statSync(path, { throwIfNoEntry: false })?.isFile()) return undefined;
    const folder = statSync(dirname(path));
    if (folder.mode & openToOthers || folder.uid !== process.getuid?.()) return undefined;
  } catch {
    return undefined;
  }
  const lock = acquireStoreLock(path);
  lock.catch(() => undefined);
  return lock;
}
