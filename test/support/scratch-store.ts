import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** Client TLS material as a store keeps it: not real, but its private key says `secret`, to look for where it must not be. */
export const fakeTls = {
  ca: "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n",
  cert: "-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n",
  key: "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n",
};

/** A fresh folder for each test of the file, removed after it, and the store's path in it, as the bot lays it out. */
export function scratchStore(prefix: string): { readonly dir: string; readonly path: string } {
  const scratch = { dir: "", path: "" };
  beforeEach(async () => {
    scratch.dir = await mkdtemp(join(tmpdir(), prefix));
    scratch.path = join(scratch.dir, "data", "ambassador.json");
  });
  afterEach(async () => {
    await rm(scratch.dir, { recursive: true, force: true });
  });
  return scratch;
}
