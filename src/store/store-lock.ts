import { unlinkSync } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { UserError } from "../errors.js";

/** Proof that this process is the store's only writer; release it when done. */
export interface StoreLock {
  path: string;
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

const heldHere = new Set<string>();

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(lockPath, "utf8")) as Partial<LockOwner>;
    if (typeof owner.pid === "number" && typeof owner.host === "string") {
      return { pid: owner.pid, host: owner.host, since: String(owner.since ?? "?") };
    }
  } catch {
    // A lock file being written right now, or garbage: treated as held by an unknown owner.
  }
  return undefined;
}

/** Takes `<store>.lock`; a second process gets a UserError naming the process that holds it. */
export async function acquireStoreLock(storePath: string): Promise<StoreLock> {
  const lockPath = `${storePath}.lock`;
  if (heldHere.has(lockPath)) {
    throw new UserError("store-locked", `the store ${storePath} is already open in this process`);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, "wx", 0o600);
      try {
        const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = await readOwner(lockPath);
      // Our own PID in a lock we do not hold is a previous run that died: in a container the bot is
      // always PID 1 on the same host name, so "that process is alive" would otherwise lock it out forever.
      const stale =
        owner && owner.host === hostname() && (owner.pid === process.pid || !processIsAlive(owner.pid));
      if (stale && attempt === 0) {
        await rm(lockPath, { force: true });
        continue;
      }
      const who = owner ? `process ${owner.pid} on ${owner.host} (since ${owner.since})` : "another process";
      throw new UserError(
        "store-locked",
        `the store ${storePath} is in use by ${who}; stop it first (if it is gone, delete ${lockPath})`,
      );
    }
  }
  heldHere.add(lockPath);
  const releaseOnExit = () => {
    try {
      unlinkSync(lockPath);
    } catch {
      // Already gone.
    }
  };
  process.once("exit", releaseOnExit);
  return {
    path: lockPath,
    async release() {
      if (!heldHere.delete(lockPath)) return;
      process.removeListener("exit", releaseOnExit);
      await rm(lockPath, { force: true });
    },
  };
}
