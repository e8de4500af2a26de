import { createHmac } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import { isUserError, UserError } from "../errors.js";
import { readUserFile } from "./user-files.js";

/** The keys `known_hosts` lists for one host: the ones to accept, and the ones marked @revoked. */
export interface KnownHostKeys {
  keys: { type: string; blob: Buffer }[];
  revoked: Buffer[];
}

/** The user's OpenSSH known_hosts file. */
export function defaultKnownHostsFile(home = homedir()): string {
  return join(home, ".ssh", "known_hosts");
}

/** `host` for port 22, `[host]:port` otherwise: how OpenSSH names a host in known_hosts. */
export function knownHostName(hostname: string, port: number): string {
  return port === 22 ? hostname : `[${hostname}]:${port}`;
}

function globMatches(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(name);
}

function hashedMatches(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split("|");
  if (magic !== "1" || !salt || !hash) return false;
  return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
}

function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith("|")) return hashedMatches(patterns, name);
  let matched = false;
  for (const pattern of patterns.split(",")) {
    if (pattern.startsWith("!")) {
      if (globMatches(pattern.slice(1), name)) return false;
    } else if (globMatches(pattern, name)) matched = true;
  }
  return matched;
}

/** The keys listed for `name` (see knownHostName) in the text of a known_hosts file. */
export function findKnownHostKeys(text: string, name: string): KnownHostKeys {
  const found: KnownHostKeys = { keys: [], revoked: [] };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith("@") ? fields.shift() : undefined;
    const [patterns, type, key] = fields;
    if (!patterns || !type || !key || !patternsMatch(patterns, name)) continue;
    // A @cert-authority line vouches for host certificates, which this client does not check: not a host key.
    if (marker === "@cert-authority") continue;
    const blob = Buffer.from(key, "base64");
    if (marker === "@revoked") found.revoked.push(blob);
    else found.keys.push({ type, blob });
  }
  return found;
}

/** Reads the keys for `name` from a known_hosts file; a missing file lists none. */
export async function readKnownHostKeys(file: string, name: string): Promise<KnownHostKeys> {
  try {
    return findKnownHostKeys(await readUserFile(file, "the known_hosts file", 4 * 1024 * 1024), name);
  } catch (error) {
    if (isUserError(error) && error.code === "missing-file") return { keys: [], revoked: [] };
    throw error;
  }
}

/** Why a host key is refused, as one line that says what to do; undefined when the key is the one listed. */
export function refuseHostKey(
  known: KnownHostKeys,
  presented: Buffer,
  where: { url: string; name: string; file: string },
): UserError | undefined {
  if (known.revoked.some((blob) => blob.equals(presented))) {
    return new UserError(
      "ssh-host-key-revoked",
      `the SSH host key of ${where.url} is marked @revoked in ${where.file}; the host must get a new key`,
      `the SSH host key of the Docker host is marked @revoked in ${where.file}; the host must get a new key`,
    );
  }
  if (known.keys.some((key) => key.blob.equals(presented))) return undefined;
  if (known.keys.length === 0) {
    return new UserError(
      "ssh-host-unknown",
      `${where.name} is not in ${where.file}, so its SSH host key cannot be checked; connect once with ssh (or add the output of ssh-keyscan after checking its fingerprint) and try again`,
      `the Docker host is not in ${where.file}, so its SSH host key cannot be checked; connect once with ssh and try again`,
    );
  }
  return new UserError(
    "ssh-host-key-changed",
    `the SSH host key of ${where.url} is not the one ${where.file} lists for ${where.name}: someone may be in the middle; if the host was reinstalled, check its new key, then run ssh-keygen -R '${where.name}' and connect once with ssh`,
    `the SSH host key of the Docker host is not the one ${where.file} lists for it: someone may be in the middle; the bot's terminal says what to do`,
  );
}
