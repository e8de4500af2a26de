import { randomBytes } from "node:crypto";
import { type FileHandle, link, lstat, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { UserError } from "../errors.js";

/** Mode bits by which users other than the owner may use a file or folder. */
export const openToOthers = 0o077;

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/**
 * Creates the folder 0700 when missing; refuses one that other users can enter or read. A folder this user does not
 * own, or one shared on purpose (sticky, as /tmp), is not to be closed: the store goes in a folder of its own.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  if (!info.isDirectory()) throw new UserError("store-not-a-folder", `${dir} is not a folder; move it away`);
  if (info.mode & openToOthers) {
    const shared = info.mode & 0o1000 || info.uid !== process.getuid?.() || dirname(dir) === dir;
    const fix = shared
      ? `keep the store in a folder of its own, such as AMBASSADOR_STORE=${join(dir, "ambassador", "ambassador.json")}`
      : `fix it with: chmod 700 ${dir}`;
    throw new UserError(
      "store-permissions",
      `${dir} is open to other users (mode ${octal(info.mode)}) and holds cluster credentials; ${fix}`,
    );
  }
}

/** False when the file does not exist; refuses a file that other users can read or write. */
export async function checkPrivateFile(
  file: string,
  /** Follows a symbolic link: for a file the user named (a mounted secret often is one), not the store's own. */
  options: { followLinks?: boolean } = {},
): Promise<boolean> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await (options.followLinks ? stat : lstat)(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  if (!info.isFile()) {
    throw new UserError(
      "store-not-a-file",
      `${file} is not a regular file (a symbolic link, say); move it away`,
    );
  }
  if (info.mode & openToOthers) {
    throw new UserError(
      "store-permissions",
      `${file} is open to other users (mode ${octal(info.mode)}) and holds cluster credentials; fix it with: chmod 600 ${file}`,
    );
  }
  return true;
}

/** The temp file a write of `file` by process `pid` goes through. */
function tempOf(file: string, pid: number | string): string {
  return join(dirname(file), `.${basename(file)}.${pid}.tmp`);
}

/**
 * Removes the temp files that writes of `file` by processes killed mid-write left beside it; only while holding
 * the store's lock, when no other process writes it.
 */
export async function removeStaleTemps(file: string): Promise<void> {
  const pattern = new RegExp(`^\\.${basename(file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.tmp$`);
  const names = await readdir(dirname(file)).catch(() => []);
  await Promise.all(
    names.flatMap((name) => {
      const pid = pattern.exec(name)?.[1];
      return pid ? [rm(tempOf(file, pid), { force: true })] : [];
    }),
  );
}

/**
 * Writes a 0600 temp file beside the target (from a string, or from pieces written in order with one vectored
 * write), flushes it, and renames it over the target, so a reader or a crash sees either the old content or
 * the new, never a mix; then flushes the folder, so the new name survives a power loss once this resolves. lowdb's
 * TextFile (steno) also renames, but it creates the temp file with the process umask (0644 as a rule), which
 * would leave the store readable by all.
 */
export async function writePrivateFileAtomic(
  file: string,
  content: string | readonly Uint8Array[],
  /** Only when `file` does not exist yet: put in place by link(2), which fails with EEXIST rather than replace it. */
  options: { exclusive?: boolean } = {},
): Promise<void> {
  // One writer per file and process, except for a file made only once, which writers may race to make.
  const temp = tempOf(
    file,
    options.exclusive ? `${process.pid}-${randomBytes(6).toString("hex")}` : process.pid,
  );
  await rm(temp, { force: true });
  try {
    await createFlushed(temp, content);
    if (options.exclusive) await linkOrCreate(temp, file, content);
    else await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const folder = await open(dirname(file), "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** Creates `file` (mode 0600; EEXIST when it exists), writes `content` and flushes it to disk. */
async function createFlushed(file: string, content: string | readonly Uint8Array[]): Promise<void> {
  const handle = await open(file, "wx", 0o600);
  try {
    if (typeof content === "string") await handle.writeFile(content, "utf8");
    else await writeAll(handle, content, file);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** File systems without hard links (vfat, some network and FUSE mounts) refuse link(2) with one of these. */
const noHardLinks = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * Puts `temp` in place as `file` only if `file` does not exist (EEXIST otherwise); where the file system has no
 * hard links, writes `file` itself, created exclusively, which a crash may leave half-written.
 */
async function linkOrCreate(
  temp: string,
  file: string,
  content: string | readonly Uint8Array[],
): Promise<void> {
  try {
    await link(temp, file);
  } catch (error) {
    if (!noHardLinks.has((error as NodeJS.ErrnoException).code ?? "")) throw error;
    await createFlushed(file, content);
  } finally {
    await rm(temp, { force: true });
  }
}

async function writeAll(handle: FileHandle, chunks: readonly Uint8Array[], path: string): Promise<void> {
  const size = chunks.reduce((total, chunk) => total + chunk.byteLength, 0);
  const { bytesWritten } = await handle.writev(chunks as Uint8Array[], 0);
  if (bytesWritten !== size) throw new Error(`wrote ${bytesWritten} of ${size} bytes of ${path}`);
}
