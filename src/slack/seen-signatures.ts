import { appendFile, readFile } from "node:fs/promises";
import { writePrivateFileAtomic } from "../store/private-files.js";
import { refusedFromMs } from "./signature.js";

/** Appends between two rewrites of the journal with only the signatures still within their window. */
const compactEvery = 1_000;

/** Where a signature taken is written down, after the answer, so a bot started again knows it too. */
interface Journal {
  file: string;
  /** Told once when the journal cannot be written; the signatures stay known in memory. */
  onError: (error: unknown) => void;
}

/**
 * The signatures of the requests taken, each kept while its timestamp would still be accepted: a signed request
 * sent again (one captured on its way, say) within that window is refused, so it cannot run its command twice. With
 * a journal, a bot started again within that window refuses it too.
 */
export class SeenSignatures {
  readonly #until = new Map<string, number>();
  #writes: Promise<void> = Promise.resolve();
  #failed = false;
  #appended = 0;

  /** At most this many are kept; past it, the oldest go first (only requests Slack signed are ever added). */
  constructor(
    private readonly limit = 50_000,
    private readonly journal?: Journal,
  ) {}

  /**
   * The signatures `file` holds that are still within their window, and the file rewritten with those only (mode
   * 0600); a file that cannot be read starts empty.
   */
  static async open(
    file: string,
    onError: (error: unknown) => void,
    nowMs = Date.now(),
  ): Promise<SeenSignatures> {
    const seen = new SeenSignatures(undefined, { file, onError });
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n")) {
      const [until, signature] = line.split(" ");
      const ms = Number(until);
      if (signature && Number.isFinite(ms) && ms > nowMs) seen.#until.set(signature, ms);
    }
    await writePrivateFileAtomic(file, seen.#lines()).catch(onError);
    return seen;
  }

  #lines(): string {
    return [...this.#until].map(([signature, until]) => `${until} ${signature}\n`).join("");
  }

  /** True when `signature` was taken before; else it is remembered until `timestamp` is too old to be accepted. */
  seenBefore(signature: string, timestamp: string, nowMs = Date.now()): boolean {
    for (const [seen, until] of this.#until) {
      if (until > nowMs && this.#until.size < this.limit) break;
      this.#until.delete(seen);
    }
    if (this.#until.has(signature)) return true;
    const until = refusedFromMs(timestamp);
    this.#until.set(signature, until);
    this.#write(`${until} ${signature}\n`);
    return false;
  }

  /** Resolves once every signature taken so far is written down (or could not be). */
  flushed(): Promise<void> {
    return this.#writes;
  }

  #write(line: string): void {
    const journal = this.journal;
    if (!journal) return;
    // Appended on a later turn, never on the way to the answer; every so often written anew with the live ones only.
    this.#appended += 1;
    const compact = this.#appended % compactEvery === 0;
    this.#writes = this.#writes
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() =>
        compact
          ? writePrivateFileAtomic(journal.file, this.#lines())
          : appendFile(journal.file, line, { mode: 0o600 }),
      )
      .catch((error: unknown) => {
        if (this.#failed) return;
        this.#failed = true;
        journal.onError(error);
      });
  }
}
