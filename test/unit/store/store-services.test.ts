import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStoreServices } from "../../../src/store/store-services.js";
import { fakeTls as tls } from "../../support/scratch-store.js";

const actor = { kind: "local" as const, user: "tester" };

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-services-"));
  path = join(dir, "data", "ambassador.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storeWithSealedKey(key?: Buffer): Promise<void> {
  const services = await openStoreServices({ path, key });
  await services.registry.add(
    { name: "a", host: "tcp://10.0.0.5:2376", tls, advertise: "10.0.0.5", channels: [] },
    actor,
  );
  await services.close();
}

/** The store, its key in `keyFile`, opens again with a cluster sealed by that key. */
async function storeWithSealedKeyFile(keyFile: string): Promise<void> {
  const services = await openStoreServices({ path, keyFile });
  await services.registry.add(
    { name: "a", host: "tcp://10.0.0.5:2376", tls, advertise: "10.0.0.5", channels: [] },
    actor,
  );
  await services.close();
  const again = await openStoreServices({ path, keyFile });
  expect(again.registry.list().map((cluster) => cluster.name)).toEqual(["a"]);
  await again.close();
}

describe("openStoreServices", () => {
  it("tells the user once that it generated a key, and keeps private keys out of the file", async () => {
    const first = await openStoreServices({ path });
    expect(first.notices).toEqual([
      expect.stringContaining(
        `generated the store's encryption key in ${join(path, "..", "ambassador.key")}`,
      ),
    ]);
    await first.registry.add(
      { name: "a", host: "tcp://10.0.0.5:2376", tls, advertise: "10.0.0.5", channels: [] },
      actor,
    );
    await first.close();
    expect(await readFile(path, "utf8")).not.toContain("PRIVATE KEY");
    const second = await openStoreServices({ path });
    expect(second.notices).toEqual([]);
    expect(second.registry.endpoint(second.registry.require("a")).tls?.key).toBe(tls.key);
    await second.close();
  });

  it("refuses a wrong key at open, naming where the key came from, and releases the store", async () => {
    await storeWithSealedKey(randomBytes(32));
    await expect(openStoreServices({ path, key: randomBytes(32) })).rejects.toThrow(
      `the key from AMBASSADOR_KEY is not the key the store ${path} was written with`,
    );
    await expect(openStoreServices({ path, key: randomBytes(32) })).rejects.toThrow("is not the key");
  });

  it("makes a new store's missing AMBASSADOR_KEY_FILE, and leaves nothing on disk when it cannot", async () => {
    const keyFile = join(dir, "keys", "store.key");
    await expect(openStoreServices({ path, keyFile })).rejects.toThrow(
      `cannot make AMBASSADOR_KEY_FILE (${keyFile}): the folder ${join(dir, "keys")} does not exist; make it (mode 0700), or point AMBASSADOR_KEY_FILE at the store's key`,
    );
    expect(await readdir(dir)).toEqual([]);
    await mkdir(join(dir, "keys"), { mode: 0o700 });
    const services = await openStoreServices({ path, keyFile });
    expect(services.notices[0]).toContain(`generated the store's encryption key in ${keyFile} (mode 0600)`);
    await services.close();
    await storeWithSealedKeyFile(keyFile);
  });

  it("refuses to generate a new key for a store holding only its link CA, and leaves no key file", async () => {
    const services = await openStoreServices({ path });
    await services.authority.issue("3f9a2c1b7e40", ["ambassador-3f9a2c1b7e40-target-b"]);
    await services.close();
    const keyFile = join(path, "..", "ambassador.key");
    await rm(keyFile);
    await expect(openStoreServices({ path })).rejects.toThrow(
      `the store ${path} holds encrypted secrets but its key file ${keyFile} is missing`,
    );
    expect(await readdir(join(path, ".."))).not.toContain("ambassador.key");
  });

  it("refuses to generate a new key for a store whose key file was lost", async () => {
    await storeWithSealedKey();
    await rm(join(path, "..", "ambassador.key"));
    await expect(openStoreServices({ path })).rejects.toThrow(
      `the store ${path} holds encrypted secrets but its key file ${join(path, "..", "ambassador.key")} is missing`,
    );
  });
});
