import { spawn } from "node:child_process";
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  readSync,
  statSync,
  writeSync,
} from "node:fs";
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
function flockExclusive(fd: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn("flock", ["--nonblock", "--exclusive", "--conflict-exit-code", "75", "3"], {
      stdio: ["ignore", "ignore", "pipe", fd],
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

function readOwnerText(fd: number): string {
  const buffer = Buffer.alloc(1024);
  return buffer.subarray(0, readSync(fd, buffer, 0, 1024, 0)).toString("utf8");
}

/**
 * The holder, read from the lock file. A process that took the lock while we tried writes itself there a moment
 * later, over what a dead holder left: so text unchanged since before the attempt is waited on briefly.
 */
async function currentOwner(fd: number, before: string): Promise<LockOwner | undefined> {
  let text = readOwnerText(fd);
  for (let wait = 0; (text === before || text === "") && wait < 25; wait++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    text = readOwnerText(fd);
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

function openLockFile(lockPath: string): number {
  let fd: number;
  try {
    fd = openSync(lockPath, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOOP") throw error;
    throw new UserError("store-not-a-file", `${lockPath} is a symbolic link; move it away`);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new UserError("store-not-a-file", `${lockPath} is not a regular file; move it away`);
  }
  return fd;
}

/** True when `lockPath` still names the file `fd` has open (nobody deleted or replaced it meanwhile). */
function stillNamed(lockPath: string, fd: number): boolean {
  const named = statSync(lockPath, { throwIfNoEntry: false });
  const held = fstatSync(fd);
  return named !== undefined && named.ino === held.ino && named.dev === held.dev;
}

/**
 * Takes `<store>.lock` with an OS lock that dies with this process; a second process gets a UserError naming
 * the process that holds it. The file itself stays: its presence means nothing, only the kernel's lock does.
 * Everything up to the start of flock(1) happens before this returns, so work done meanwhile (loading the rest of
 * a one-shot command) overlaps the wait.
 */
export async function acquireStoreLock(storePath: string): Promise<StoreLock> {
  const lockPath = `${storePath}.lock`;
  if (heldHere.has(lockPath)) {
    throw new UserError("store-locked", `the store ${storePath} is already open in this process`);
  }
  let fd: number | undefined;
  for (let attempt = 0; attempt < 5 && fd === undefined; attempt++) {
    const candidate = openLockFile(lockPath);
    try {
      const before = readOwnerText(candidate);
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
      if (stillNamed(lockPath, candidate)) fd = candidate;
      else closeSync(candidate);
    } catch (error) {
      closeSync(candidate);
      throw error;
    }
  }
  if (fd === undefined) throw new Error(`could not lock ${lockPath}: it keeps being replaced`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const held = fd;
  try {
    ftruncateSync(held, 0);
    writeSync(held, JSON.stringify(owner), 0);
  } catch (error) {
    closeSync(held);
    throw error;
  }
  heldHere.add(lockPath);
  let released = false;
  return {
    path: lockPath,
    async release() {
      // Once: a second call must not let go of a later lock on the same file, nor close a descriptor reused since.
      if (released) return;
      released = true;
      heldHere.delete(lockPath);
      try {
        ftruncateSync(held, 0);
      } catch {
        // Its owner's name stays in it: the kernel's lock, dropped below, is what counts.
      }
      closeSync(held);
    },
  };
}
