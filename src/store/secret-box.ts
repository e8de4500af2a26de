import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { UserError } from "../errors.js";
import { checkPrivateFile, writePrivateFileAtomic } from "./private-files.js";
import type { SealedSecret } from "./schema.js";
import { decodeKey } from "./store-config.js";

const ivBytes = 12;
const tagBytes = 16;

/** Why a sealed value did not open: `shape` (not a 12-byte nonce and a 16-byte tag) or `auth` (wrong key, or altered). */
export class SealError extends Error {
  override readonly name = "SealError";
  constructor(
    readonly reason: "shape" | "auth",
    message: string,
  ) {
    super(message);
  }
}

function decodeField(text: string, field: string, bytes?: number): Buffer {
  const value = Buffer.from(text, "base64");
  // Buffer.from skips characters that are not base64, so only a round trip proves the field is what it says.
  if (value.toString("base64") !== text) throw new SealError("shape", `its seal's ${field} is not base64`);
  if (bytes !== undefined && value.length !== bytes) {
    throw new SealError(
      "shape",
      `its seal's ${field} is ${value.length} bytes where AES-256-GCM uses ${bytes}`,
    );
  }
  return value;
}

/** Seals and opens secrets with AES-256-GCM; each value gets a fresh 96-bit nonce and is bound to its context. */
export class SecretBox {
  readonly #key: Buffer;

  /** `origin` says where the key came from, for error messages (never the key itself). */
  constructor(
    key: Buffer,
    readonly origin: string,
  ) {
    if (key.length !== 32) throw new Error("an AES-256-GCM key is 32 bytes");
    this.#key = Buffer.from(key);
  }

  /** `context` (additional authenticated data) must be given again to open it, so values cannot be swapped. */
  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: tagBytes });
    cipher.setAAD(Buffer.from(context, "utf8"));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return {
      alg: "aes-256-gcm",
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    };
  }

  /**
   * Throws SealError("shape") for a nonce that is not 12 bytes or a tag that is not 16 (Node would accept a
   * tag cut to 4 bytes, which anyone can forge), and SealError("auth") when the key or the context is not
   * the one it was sealed with, or the value was altered.
   */
  open(sealed: SealedSecret, context: string): string {
    const iv = decodeField(sealed.iv, "nonce", ivBytes);
    const tag = decodeField(sealed.tag, "tag", tagBytes);
    const data = decodeField(sealed.data, "data");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, iv, { authTagLength: tagBytes });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
    } catch {
      throw new SealError("auth", `it does not open with the key from ${this.origin}`);
    }
  }
}

/** Where the key comes from; the store path places the generated key file beside it. */
export interface KeySource {
  storePath: string;
  key?: Buffer;
  keyFile?: string;
}

/** The key file made when no key is configured: `data/ambassador.json` → `data/ambassador.key`. */
export function defaultKeyFile(storePath: string): string {
  return join(dirname(storePath), `${basename(storePath, extname(storePath))}.key`);
}

async function readKeyFile(file: string, origin: string): Promise<Buffer> {
  const text = await readFile(file, "utf8");
  const key = decodeKey(text);
  if (!key) throw new UserError("bad-key", `${origin} does not hold a 32-byte key in base64`);
  return key;
}

/**
 * Loads the store's key: AMBASSADOR_KEY, else AMBASSADOR_KEY_FILE, else the key file beside the store; a key file
 * is generated (0600) when missing unless `mustExist` (the store already holds sealed secrets).
 * `created` is set when a key file was generated, so the user can be told once.
 */
export async function loadSecretBox(
  source: KeySource,
  options: { mustExist?: boolean } = {},
): Promise<{ box: SecretBox; created?: string }> {
  if (source.key) return { box: new SecretBox(source.key, "AMBASSADOR_KEY") };
  if (source.keyFile) {
    const origin = `AMBASSADOR_KEY_FILE (${source.keyFile})`;
    if (await checkPrivateFile(source.keyFile, { followLinks: true })) {
      return { box: new SecretBox(await readKeyFile(source.keyFile, origin), origin) };
    }
    if (options.mustExist) {
      throw new UserError(
        "missing-key",
        `${origin} does not exist, and the store ${source.storePath} holds encrypted secrets; point it at the store's key file`,
      );
    }
    return generateKey(source.keyFile, origin);
  }
  const file = defaultKeyFile(source.storePath);
  const origin = `the key file ${file}`;
  if (await checkPrivateFile(file)) return { box: new SecretBox(await readKeyFile(file, origin), origin) };
  if (options.mustExist) {
    throw new UserError(
      "missing-key",
      `the store ${source.storePath} holds encrypted secrets but its key file ${file} is missing; restore it, or set AMBASSADOR_KEY or AMBASSADOR_KEY_FILE`,
    );
  }
  return generateKey(file, origin);
}

/**
 * A new key in `file`, which must not exist yet: when another process made it meanwhile (two starting on a new store
 * at once), that one's key is the store's, and is taken.
 */
async function generateKey(file: string, origin: string): Promise<{ box: SecretBox; created?: string }> {
  const key = randomBytes(32);
  try {
    await writePrivateFileAtomic(file, `${key.toString("base64")}\n`, { exclusive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      // Made by another process meanwhile; or a link to nothing, which is no key.
      if (!(await checkPrivateFile(file, { followLinks: true }))) {
        throw new UserError(
          "missing-key",
          `${origin} is a symbolic link to nothing; point it at the store's key file`,
        );
      }
      return { box: new SecretBox(await readKeyFile(file, origin), origin) };
    }
    if (code !== "ENOENT") throw error;
    throw new UserError(
      "missing-key",
      `cannot make ${origin}: the folder ${dirname(file)} does not exist; make it (mode 0700), or point AMBASSADOR_KEY_FILE at the store's key`,
    );
  }
  return { box: new SecretBox(key, origin), created: file };
}
