import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { type Adapter, Low } from "lowdb";
import type { z } from "zod";
import { LinkRecord } from "../domain/link.js";
import { UserError } from "../errors.js";
import {
  checkPrivateFile,
  ensurePrivateDir,
  removeStaleTemps,
  writePrivateFileAtomic,
} from "./private-files.js";
import {
  AuditedStoreData,
  emptyStoreData,
  LegacyStoreData,
  newStoreId,
  type OlderStoreData,
  SingleTargetStoreData,
  StoreData,
} from "./schema.js";
import { acquireStoreLock, type StoreLock } from "./store-lock.js";
import { storeChunks } from "./store-text.js";

/** `clusters[0].tls.key` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text || "(top level)";
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "does not match the expected shape";
  return `field ${fieldPath(issue.path)}: ${issue.message}`;
}

/** lowdb adapter: a private JSON file, checked with zod on every read and replaced atomically on write. */
export class PrivateJsonFile implements Adapter<StoreData> {
  constructor(readonly path: string) {}

  async read(): Promise<StoreData | null> {
    const stored = await this.readStored();
    if (stored && "older" in stored) {
      throw new UserError(
        "store-legacy",
        `the store ${this.path} was written by an older version; start ambassador once to upgrade it`,
      );
    }
    return stored?.current ?? null;
  }

  /** The file's content in whichever version it was written: the current one, or an older one. */
  async readStored(): Promise<{ current: StoreData } | { older: OlderStoreData } | null> {
    if (!(await checkPrivateFile(this.path))) return null;
    const text = await readFile(this.path, "utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      // Node quotes the start of the text, which may be any bytes: only what prints is shown.
      const why = (error as Error).message.replace(/[^\x20-\x7e]/g, "?");
      throw new UserError(
        "store-invalid",
        `the store ${this.path} is not valid JSON (${why}); restore it from a backup (it was left as it is)`,
      );
    }
    const version = (json as { version?: unknown } | null)?.version;
    const newest = StoreData.shape.version.value;
    if (typeof version === "number" && Number.isInteger(version) && version > newest) {
      throw new UserError(
        "store-newer",
        `the store ${this.path} was written by a newer ambassador (store version ${version}; this one reads up to ${newest}); run that version, or restore a backup made by this one`,
      );
    }
    const schema =
      version === 1
        ? LegacyStoreData
        : version === 2
          ? AuditedStoreData
          : version === 3
            ? SingleTargetStoreData
            : StoreData;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new UserError(
        "store-invalid",
        `the store ${this.path} is not valid: ${describeIssue(parsed.error)}; fix or restore the file (it was left as it is)`,
      );
    }
    return schema === StoreData
      ? { current: parsed.data as StoreData }
      : { older: parsed.data as OlderStoreData };
  }

  async write(data: StoreData): Promise<void> {
    await writePrivateFileAtomic(this.path, storeChunks(data));
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** How to open a store. */
export interface StoreOpenOptions {
  /**
   * Turns an older store into the current version (it needs the key, which the store does not hold, and moves
   * the audit log out to its own file before the store is written without it).
   */
  upgrade?: (older: OlderStoreData) => Promise<StoreData>;
  /**
   * The store's lock, already begun (acquireStoreLock) while other work went on; the store takes it over as its own,
   * and gives it back when it cannot open. Without it, the store takes its lock itself.
   */
  lock?: Promise<StoreLock>;
  /**
   * Read what is there without the lock, for a command that only reads while another process holds it: nothing is
   * written (a change throws), and a store that is missing, older or not yet named is refused, since only its writer
   * may make it current.
   */
  readOnly?: boolean;
}

/** A read-only store holds no lock: it has none to give back. */
function noLock(path: string): StoreLock {
  return { path: `${path}.lock`, release: async () => undefined };
}

/** The store: one JSON file, one writer (a lock file), every change through one serialised, atomic write. */
export class Store {
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(
    readonly path: string,
    private readonly db: Low<StoreData>,
    private readonly lock: StoreLock,
    readonly readOnly: boolean,
  ) {
    deepFreeze(db.data);
  }

  static async #openReadOnly(path: string): Promise<Store> {
    const adapter = new PrivateJsonFile(path);
    const existing = await adapter.readStored();
    if (!existing || "older" in existing || existing.current.id === undefined) {
      throw new UserError("store-unready", `the store ${path} is being made or upgraded by another process`);
    }
    const db = new Low<StoreData>(adapter, existing.current);
    return new Store(path, db, noLock(path), true);
  }

  /**
   * Opens (or creates) the store at `path`; throws UserError when it is locked, open to others, or invalid.
   * An older file goes through `upgrade` and is written back at once, under the lock.
   */
  static async open(path: string, options: StoreOpenOptions = {}): Promise<Store> {
    if (options.readOnly) return Store.#openReadOnly(path);
    let lock: StoreLock;
    try {
      await ensurePrivateDir(dirname(path)).catch(async (error: unknown) => {
        await options.lock?.then(
          (begun) => begun.release(),
          () => undefined,
        );
        throw error;
      });
      lock = await (options.lock ?? acquireStoreLock(path));
      if (lock.path !== `${path}.lock`) {
        await lock.release();
        lock = await acquireStoreLock(path);
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (diskRefused(error)) throw unwritable(path, error);
      if (code !== "EACCES" && code !== "EPERM") throw error;
      throw new UserError(
        "store-denied",
        `cannot open the store ${path}: permission denied; run this as the user it belongs to (the bot's user, when a bot runs on it)`,
      );
    }
    try {
      await removeStaleTemps(path);
      const adapter = new PrivateJsonFile(path);
      const db = new Low<StoreData>(adapter, emptyStoreData());
      const existing = await adapter.readStored();
      if (existing && "older" in existing) {
        if (!options.upgrade) await adapter.read();
        const upgraded = StoreData.safeParse(await options.upgrade?.(existing.older));
        if (!upgraded.success) {
          throw new Error(`refused to write an invalid store ${path}: ${describeIssue(upgraded.error)}`);
        }
        db.data = upgraded.data;
      } else if (existing) db.data = existing.current;
      // Written at once, in one write, when it is new, upgraded, or not yet named.
      const named = db.data.id !== undefined;
      if (!named) db.data = { ...db.data, id: newStoreId() };
      if (!existing || "older" in existing || !named) await db.write();
      return new Store(path, db, lock, false);
    } catch (error) {
      await lock.release();
      // A write the file system refused (the store made, upgraded or named); anything else is said as it is.
      throw diskRefused(error) ? unwritable(path, error) : error;
    }
  }

  /** The current content, frozen: change it only through update(). */
  get data(): Readonly<StoreData> {
    return this.db.data;
  }

  /**
   * Applies `change` to a copy of the data and writes the result; changes run one at a time in call order.
   * When `change` throws, or the result fails the schema, nothing is written and the data stays as it was;
   * a change that changes nothing writes nothing.
   */
  update<T>(change: (draft: StoreData) => T | Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      this.#assertWritable();
      const before = this.db.data;
      const draft = structuredClone(before) as StoreData;
      const result = await change(draft);
      const parsed = StoreData.safeParse(draft);
      if (!parsed.success) {
        throw new Error(`refused to write an invalid store ${this.path}: ${describeIssue(parsed.error)}`);
      }
      if (isDeepStrictEqual(parsed.data, before)) return result;
      await this.#write(parsed.data, before);
      deepFreeze(this.db.data);
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Changes the links only, for a save or a removal that must stay cheap with a thousand links: `change` gets a
   * copy of the list whose records are frozen; a record it adds or replaces is checked against the schema, and
   * nothing else is copied, checked or turned into text again (the rest is frozen since it was checked, and the
   * clusters' seals are untouched). Runs in turn with update(); writes nothing when nothing changed.
   */
  updateLinks(change: (links: LinkRecord[]) => void): Promise<void> {
    const run = this.#queue.then(async () => {
      this.#assertWritable();
      const before = this.db.data;
      const links = [...before.links];
      change(links);
      const previous = new Map(before.links.map((link) => [link.id, link]));
      let changed = links.length !== before.links.length;
      for (const [index, link] of links.entries()) {
        if (link === before.links[index]) continue;
        if (!Object.isFrozen(link)) {
          const parsed = LinkRecord.safeParse(link);
          if (!parsed.success) {
            throw new Error(
              `refused to write an invalid store ${this.path}: field links[${index}].${describeIssue(parsed.error).replace(/^field /, "")}`,
            );
          }
          const old = previous.get(link.id);
          links[index] = old && isDeepStrictEqual(old, parsed.data) ? old : deepFreeze(parsed.data);
        }
        if (links[index] !== before.links[index]) changed = true;
      }
      if (!changed) return;
      await this.#write(Object.freeze({ ...before, links: Object.freeze(links) as LinkRecord[] }), before);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #assertWritable(): void {
    if (this.#closed) throw new Error(`the store ${this.path} is closed`);
    if (this.readOnly) throw new Error(`the store ${this.path} is open read-only`);
  }

  /** Writes `next`; when the write fails, the data stays `before` and the error says which store. */
  async #write(next: StoreData, before: StoreData): Promise<void> {
    this.db.data = next;
    try {
      await this.db.write();
    } catch (error) {
      this.db.data = before;
      throw unwritable(this.path, error, "nothing of this change was kept");
    }
  }

  /** Waits for pending writes, then releases the lock. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    this.#closed = true;
    await this.lock.release();
  }
}

/** Whether the file system refused a write for want of space or of a writable disk. */
function diskRefused(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return error instanceof Error && "syscall" in error && ["ENOSPC", "EDQUOT", "EROFS"].includes(code ?? "");
}

/** A store its disk or folder will not let be written, in one line that says what to fix. */
function unwritable(path: string, error: unknown, kept = "nothing was changed"): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  const fix =
    code === "ENOSPC" || code === "EDQUOT"
      ? "free space on its disk"
      : code === "EROFS"
        ? "set AMBASSADOR_STORE to a place on a writable disk"
        : code === "EACCES" || code === "EPERM"
          ? "make its folder writable by this user"
          : "check its disk and folder";
  return Object.assign(
    new UserError(
      "store-write-failed",
      `could not write the store ${path}: ${(error as Error).message}; ${kept}: ${fix}, then try again`,
    ),
    { cause: error },
  );
}

/** Opens the store at `path` (see Store.open). */
export function openStore(options: { path: string }): Promise<Store> {
  return Store.open(options.path);
}
