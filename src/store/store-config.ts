import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";
import { storePathOf } from "./store-path.js";

/** Where the store lives and where its encryption key comes from. */
export interface StoreConfig {
  /** Absolute path of the store's JSON file. */
  path: string;
  /** The 32-byte key from AMBASSADOR_KEY, when set. */
  key?: Buffer;
  /** Absolute path of AMBASSADOR_KEY_FILE, when set. */
  keyFile?: string;
}

const nonEmpty = z.string().trim().min(1, "is set but empty; give it a value, or unset it").optional();

const StoreEnvironment = z
  .object({
    AMBASSADOR_STORE: nonEmpty,
    AMBASSADOR_KEY: nonEmpty.refine((value) => value === undefined || decodeKey(value) !== undefined, {
      message: "must be 32 bytes in base64 (make one with: openssl rand -base64 32)",
    }),
    AMBASSADOR_KEY_FILE: nonEmpty,
  })
  .refine((env) => !(env.AMBASSADOR_KEY && env.AMBASSADOR_KEY_FILE), {
    message: "set only one of AMBASSADOR_KEY and AMBASSADOR_KEY_FILE",
    path: ["AMBASSADOR_KEY_FILE"],
  });

/** A base64 text that decodes to exactly 32 bytes, or undefined. */
export function decodeKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, "base64");
  return key.length === 32 ? key : undefined;
}

/** Whether `path` is a folder; one that cannot be looked at is left to opening the store, which says why. */
function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** Reads AMBASSADOR_STORE, AMBASSADOR_KEY and AMBASSADOR_KEY_FILE once; a bad value names the variable. */
export function loadStoreConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): StoreConfig {
  const parsed = StoreEnvironment.safeParse(env);
  const path = storePathOf(env, cwd);
  // A blank AMBASSADOR_STORE names no path and fails the parse, which says so.
  if (!parsed.success || path === undefined) {
    const issue = parsed.error?.issues[0];
    const variable = issue?.path.join(".") || "environment";
    throw new UserError("bad-config", `${variable}: ${issue?.message ?? "invalid value"}`);
  }
  if (isFolder(path)) {
    throw new UserError(
      "bad-config",
      `AMBASSADOR_STORE: ${path} is a folder; name the store's file in it, such as ${join(path, "ambassador.json")}`,
    );
  }
  const values = parsed.data;
  return {
    path,
    key: values.AMBASSADOR_KEY ? decodeKey(values.AMBASSADOR_KEY) : undefined,
    keyFile: values.AMBASSADOR_KEY_FILE ? resolve(cwd, values.AMBASSADOR_KEY_FILE) : undefined,
  };
}
