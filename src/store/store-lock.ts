import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
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

/**
 * flock(2) on the open lock file, taken by util-linux's flock(1) on a descriptor it inherits: the lock belongs to
 * the open file description, which this process keeps, so the kernel drops it when this process dies however it
 * dies, and two takers can never both get it. Resolves to false when another process holds it.
 */
function flockExclusive(handle: FileHandle): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn("flock", ["--nonblock", "--exclusive", "--conflict-exit-code", "75", "3"], {
      stdio: ["ignore", "ignore", "pipe", handle.fd],
    });
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new UserError(
              "store-lock-tool",
              "the store's lock needs the flock command; install util-linux (apt-get install util-linux)",
            )
          : error,
      );
    });
    child.on("close", (code) => {
      if (code === 0) resolve(true);
      else if (code === 75) resolve(false);
      else reject(new Error(`flock failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

async function readOwnerText(handle: FileHandle): Promise<string> {
  const { bytesRead, buffer } = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
  return buffer.subarray(0, bytesRead).toString("utf8");
}

/**
 * The holder, read from the lock file. A process that took the lock while we tried writes itself there a moment
 * later, over what a dead holder left: so text unchanged since before the attempt is waited on briefly.
 */
async function currentOwner(handle: FileHandle, before: string): Promise<LockOwner | undefined> {
  let text = await readOwnerText(handle);
  for (let wait = 0; (text === before || text === "") && wait < 25; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    text = await readOwnerText(handle);
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (typeof owner.pid === "number" && typeof owner.host === "string") {
      return { pid: owner.pid, host: owner.host, since: String(owner.since ?? "?") };
    }
  } catch {
    // The holder is writing it right now: an unknown owner.
  }
  return undefined;
}

async function openLockFile(lockPath: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(lockPath, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOOP") throw error;
    throw new UserError("store-not-a-file", `${lockPath} is a symbolic link; move it away`);
  }
  if (!(await handle.stat()).isFile()) {
    await handle.close();
    throw new UserError("store-not-a-file", `${lockPath} is not a regular file; move it away`);
  }
  return handle;
}

/** True when `lockPath` still names the file `handle` has open (nobody deleted or replaced it meanwhile). */
async function stillNamed(lockPath: string, handle: FileHandle): Promise<boolean> {
  const [named, held] = await Promise.all([stat(lockPath).catch(() => undefined), handle.stat()]);
  return named !== undefined && named.ino === held.ino && named.dev === held.dev;
}

/**
 * Takes `<store>.lock` with an OS lock that dies with this process; a second process gets a UserError naming
 * the process that holds it. The file itself stays: its presence means nothing, only the kernel's lock does.
 */
export async function acquireStoreLock(storePath: string): Promise<StoreLock> {
  const lockPath = `${storePath}.lock`;
  if (heldHere.has(lockPath)) {
    throw new UserError("store-locked", `the store ${storePath} is already open in this process`);
  }
  let handle: FileHandle | undefined;
  for (let attempt = 0; attempt < 5 && !handle; attempt++) {
    const candidate = await openLockFile(lockPath);
    try {
      const before = await readOwnerText(candidate);
      if (!(await flockExclusive(candidate))) {
        const owner = await currentOwner(candidate, before);
        const who = owner
          ? `process ${owner.pid} on ${owner.host} (since ${owner.since})`
          : "another process";
        throw new UserError(
          "store-locked",
          `the store ${storePath} is in use by ${who}; run this again once that command has finished or that bot is stopped`,
        );
      }
      // A lock on a file someone deleted in the meantime guards nothing: start again on the new one.
      if (await stillNamed(lockPath, candidate)) handle = candidate;
      else await candidate.close();
    } catch (error) {
      await candidate.close();
      throw error;
    }
  }
  if (!handle) throw new Error(`could not lock ${lockPath}: it keeps being replaced`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await handle.truncate(0);
  await handle.write(JSON.stringify(owner), 0);
  heldHere.add(lockPath);
  const held = handle;
  return {
    path: lockPath,
    async release() {
      if (!heldHere.delete(lockPath)) return;
      await held.truncate(0).catch(() => undefined);
      await held.close();
    },
  };
}
