import { constants } from "node:fs";
import { type FileHandle, lstat, open, readFile, rename } from "node:fs/promises";
import { AuditEntry, type AuditLog } from "../domain/audit.js";
import { hiddenCharacters } from "../domain/hidden-text.js";
import { auditEntry } from "./audit.js";

/** The audit log's file for the store at `storePath`. */
export function auditFilePath(storePath: string): string {
  return `${storePath}.audit.jsonl`;
}

/** How the audit file rotates, and who hears of a line that could not be written. */
export interface AuditFileOptions {
  /** The file is rotated before a line would take it past this size; default 10 MiB. */
  maxBytes?: number;
  /** Rotated files kept (`.1` the newest); default 5. */
  keep?: number;
  /** Told of every batch that could not be written, with its entries, so they reach the log instead. */
  onWriteError?: (error: Error, entries: readonly AuditEntry[]) => void;
}

interface Pending {
  entry: AuditEntry;
  done: () => void;
}

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, "0");
}

/**
 * Hidden characters (DEL and the C1 controls a terminal takes as escape sequences among them), and those that break a
 * line where JSON does not: written as escapes, so a line read in a terminal shows what was typed.
 */
const misleading = new RegExp(`[${hiddenCharacters}\\p{Zl}\\p{Zp}]`, "gu");

/** `\uXXXX` for each UTF-16 unit of `char`, as JSON writes a character outside the first plane. */
function escaped(char: string): string {
  let text = "";
  for (let i = 0; i < char.length; i++) text += `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`;
  return text;
}

/** One entry as a line of the file: JSON, with the characters above escaped (JSON.parse reads them back). */
export function auditLine(entry: AuditEntry): string {
  return `${JSON.stringify(entry).replace(misleading, escaped)}\n`;
}

/** What to do about a write the system refused, by its error code; nothing where the reason says it already. */
export function auditFix(code: string | undefined, path: string): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `; check that this user may write it and its folder (ls -l), and that it is not immutable (lsattr ${path})`;
    case "ENOSPC":
    case "EDQUOT":
      return "; free space on its disk";
    case "EROFS":
      return "; its file system is read-only: set AMBASSADOR_STORE to a writable place";
    default:
      return "";
  }
}

/**
 * The audit log as an append-only JSON-lines file (mode 0600), one self-contained line per event, rotated by
 * size. `record` only queues: the lines are written in the background on a later turn of the event loop, in
 * batches, so a request's answer never waits for the disk. A failed write is reported, never thrown.
 */
export class FileAuditLog implements AuditLog {
  readonly maxBytes: number;
  readonly keep: number;
  #pending: Pending[] = [];
  #chain: Promise<void> = Promise.resolve();
  #scheduled = false;
  /** Bytes in the current file, learned at the first write after a start or a failure. */
  #size: number | undefined;

  constructor(
    readonly path: string,
    private readonly options: AuditFileOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.keep = options.keep ?? 5;
  }

  /** Queues the entry, stamped now; resolves once it is written, or reported as not written. */
  record(entry: Omit<AuditEntry, "at">): Promise<void> {
    return new Promise((done) => {
      this.#pending.push({ entry: auditEntry(entry), done });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        void this.#drain();
      });
    });
  }

  /** Waits until every entry recorded so far is written (or reported). */
  flush(): Promise<void> {
    return this.#drain();
  }

  /** Every entry still kept, oldest first: the rotated files, then the current one. */
  async entries(): Promise<AuditEntry[]> {
    await this.flush();
    const entries: AuditEntry[] = [];
    for (const file of this.#files()) entries.push(...parsedEntries(await readIfExists(file)));
    return entries;
  }

  /**
   * The last megabyte of entries, oldest first: of the current file, and of the last rotated one when the current
   * is shorter (a rotation may have just moved a change's start there).
   */
  async recent(): Promise<AuditEntry[]> {
    await this.flush();
    const current = await readTail(this.path, recentBytes);
    const before = current.whole ? await readTail(`${this.path}.1`, recentBytes - current.bytes) : undefined;
    return [before ? wholeLines(before) : "", wholeLines(current)].flatMap(parsedEntries);
  }

  /**
   * Writes complete entries at once, after those already queued, and throws when they cannot be written: for
   * moving an older store's audit log here, which must not lose a line.
   */
  async append(entries: readonly AuditEntry[]): Promise<void> {
    await this.flush();
    const run = this.#chain.then(() => this.#write(entries));
    this.#chain = run.catch(() => undefined);
    await run;
  }

  /**
   * Whether the entry is in the file or a rotated one, however its characters were escaped when it was written: lines
   * with its time stamp (ASCII, never escaped) are read back and compared as the entry they hold.
   */
  async contains(entry: AuditEntry): Promise<boolean> {
    await this.flush();
    // Compared in the schema's order of fields, whatever order a line has them in.
    const canonical = (value: unknown) => {
      const parsed = AuditEntry.safeParse(value);
      return parsed.success ? JSON.stringify(parsed.data) : undefined;
    };
    const wanted = canonical(entry);
    if (wanted === undefined) return false;
    const stamp = `"at":${JSON.stringify(entry.at)}`;
    for (const file of this.#files()) {
      for (const line of (await readIfExists(file)).split("\n")) {
        if (line.includes(stamp) && canonical(safeJson(line)) === wanted) return true;
      }
    }
    return false;
  }

  #files(): string[] {
    const rotated = Array.from({ length: this.keep }, (_, i) => `${this.path}.${this.keep - i}`);
    return [...rotated, this.path];
  }

  #drain(): Promise<void> {
    const run = this.#chain.then(async () => {
      const batch = this.#pending;
      if (batch.length === 0) return;
      this.#pending = [];
      try {
        await this.#write(batch.map((item) => item.entry));
      } catch (error) {
        this.options.onWriteError?.(
          error as Error,
          batch.map((item) => item.entry),
        );
      } finally {
        for (const item of batch) item.done();
      }
    });
    this.#chain = run.catch(() => undefined);
    return this.#chain;
  }

  async #write(entries: readonly AuditEntry[]): Promise<void> {
    try {
      let size = this.#size ?? (await this.#currentSize());
      let chunk: string[] = [];
      for (const entry of entries) {
        const line = auditLine(entry);
        const bytes = Buffer.byteLength(line);
        if (size > 0 && size + bytes > this.maxBytes) {
          await this.#appendToFile(chunk.join(""));
          await this.#rotate();
          size = 0;
          chunk = [];
        }
        chunk.push(line);
        size += bytes;
      }
      await this.#appendToFile(chunk.join(""));
      this.#size = size;
    } catch (error) {
      this.#size = undefined;
      const fix = auditFix((error as NodeJS.ErrnoException).code, this.path);
      throw new Error(`could not write the audit log ${this.path}: ${(error as Error).message}${fix}`, {
        cause: error,
      });
    }
  }

  /** The current file's size, after checking it is private; a torn last line is closed first. */
  async #currentSize(): Promise<number> {
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      // Not followed: a symbolic link put in its place would have the log written into whatever it names.
      info = await lstat(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
    if (!info.isFile()) {
      throw new Error(`${this.path} is not a regular file (a symbolic link, say); move it away`);
    }
    if (info.mode & 0o077) {
      throw new Error(
        `it is open to other users (mode ${octal(info.mode)}); fix it with: chmod 600 ${this.path}`,
      );
    }
    if (info.size > 0) {
      const handle = await open(this.path, "r");
      try {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, info.size - 1);
        if (last.toString() !== "\n") {
          await this.#appendToFile("\n");
          return info.size + 1;
        }
      } finally {
        await handle.close();
      }
    }
    return info.size;
  }

  async #appendToFile(text: string): Promise<void> {
    if (!text) return;
    const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = constants;
    const handle = await open(this.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  async #rotate(): Promise<void> {
    for (let i = this.keep - 1; i >= 1; i--)
      await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    await rename(this.path, `${this.path}.1`);
  }
}

/** How much of the current file `recent` reads: far more than one run's unfinished changes need. */
const recentBytes = 1024 * 1024;

/** The entries of the lines of `text` that are entries. */
function parsedEntries(text: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const parsed = AuditEntry.safeParse(safeJson(line));
    if (parsed.success) entries.push(parsed.data);
  }
  return entries;
}

interface Tail {
  text: string;
  /** How many bytes were read. */
  bytes: number;
  /** The whole file was read. */
  whole: boolean;
  /** The first byte read begins a line. */
  atLineStart: boolean;
}

/** The last `bytes` of a file (all of it, `whole`, when it is no longer), or nothing when there is none. */
async function readTail(file: string, bytes: number): Promise<Tail> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { text: "", bytes: 0, whole: true, atLineStart: true };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, bytes);
    // One byte more before the tail, to know whether it begins a line.
    const from = size - length;
    const buffer = Buffer.alloc(length + (from > 0 ? 1 : 0));
    await handle.read(buffer, 0, buffer.length, from > 0 ? from - 1 : 0);
    const atLineStart = from === 0 || buffer[0] === 0x0a;
    const text = buffer.subarray(from > 0 ? 1 : 0).toString("utf8");
    return { text, bytes: length, whole: from === 0, atLineStart };
  } finally {
    await handle.close();
  }
}

/** The lines of a tail that are whole: without the first when the tail began inside it. */
function wholeLines(tail: Tail): string {
  return tail.atLineStart ? tail.text : tail.text.slice(tail.text.indexOf("\n") + 1);
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
