import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStoreServices, type StoreServices } from "../src/store/store-services.js";

/** A fresh store in a temp folder with a random key; close it with `await using`. */
export async function openTestStore(): Promise<StoreServices & AsyncDisposable & { path: string }> {
  const dir = await mkdtemp(join(tmpdir(), "amb-test-store-"));
  const path = join(dir, "data", "ambassador.json");
  const services = await openStoreServices({ path, key: randomBytes(32) });
  return Object.assign(services, {
    path,
    async [Symbol.asyncDispose]() {
      await services.close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}
