import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { UserError } from "../errors.js";
import { checkPrivateFile, writePrivateFileAtomic } from "./private-files.js";
import type { SealedSecret } from "./schema.js";
import { decodeKey } from "./store-config.js";

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

  /** `context` (e.g. `cluster:clustera:tls-key`) must be given again to open it, so values cannot be swapped. */
  seal(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return {
      alg: "aes-256-gcm",
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    };
  }

  /** Throws UserError("wrong-key") when the key (or the context) is not the one it was sealed with. */
  open(sealed: SealedSecret, context: string): string {
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(sealed.iv, "base64"));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw new UserError(
        "wrong-key",
        `cannot decrypt ${context} with the key from ${this.origin}: it is not the key the store was written with (or the value was altered); set AMBASSADOR_KEY or AMBASSADOR_KEY_FILE to the original key`,
      );
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
 * Loads the store's key: AMBASSADOR_KEY, else AMBASSADOR_KEY_FILE, else the key file beside the store,
 * generated (0600) when missing unless `mustExist` (the store already holds sealed secrets).
 * `created` is set when a key file was generated, so the user can be told once.
 */
export async function loadSecretBox(
  source: KeySource,
  options: { mustExist?: boolean } = {},
): Promise<{ box: SecretBox; created?: string }> {
  if (source.key) return { box: new SecretBox(source.key, "AMBASSADOR_KEY") };
  if (source.keyFile) {
    const origin = `AMBASSADOR_KEY_FILE (${source.keyFile})`;
    if (!(await checkPrivateFile(source.keyFile))) {
      throw new UserError("missing-key", `${origin} does not exist; point it at the store's key file`);
    }
    return { box: new SecretBox(await readKeyFile(source.keyFile, origin), origin) };
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
  const key = randomBytes(32);
  await writePrivateFileAtomic(file, `${key.toString("base64")}\n`);
  return { box: new SecretBox(key, origin), created: file };
}
