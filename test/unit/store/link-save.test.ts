import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { syntheticLink } from "../../../bench/bench-store.js";
import type { LinkRecord } from "../../../src/domain/link.js";
import { openStoreServices } from "../../../src/store/store-services.js";

const actor = { kind: "local" as const, user: "tester" };
const tls = {
  ca: "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n",
  cert: "-----BEGIN CERTIFICATE-----\ncert\n-----END CERTIFICATE-----\n",
  key: "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n",
};

let dir: string;
let path: string;
const key = randomBytes(32);
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-link-save-"));
  path = join(dir, "data", "ambassador.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A store with a sealed cluster and a thousand links. */
async function bigStore() {
  const services = await openStoreServices({ path, key });
  await services.registry.add(
    { name: "clustera", host: "tcp://10.0.0.5:2376", tls, advertise: "10.0.0.5", channels: [] },
    actor,
  );
  await services.store.update((data) => {
    for (let i = 0; i < 1000; i++) data.links.push(syntheticLink(i, "clustera", "clustera"));
  });
  return services;
}

describe("saving a link with a thousand others in the store", () => {
  it("writes the whole store as before, and it opens again with its cluster's seal intact", async () => {
    const services = await bigStore();
    const added = syntheticLink(1000, "clustera", "clustera");
    await services.links.save(added);
    await services.links.save({ ...added, status: "broken" });
    await services.links.remove(services.links.all()[0]?.id ?? "");
    const written = await readFile(path, "utf8");
    expect(written).toBe(`${JSON.stringify(services.store.data, null, 2)}\n`);
    const links = services.links.all();
    await services.close();

    const again = await openStoreServices({ path, key });
    expect(again.links.all()).toEqual(links);
    expect(again.links.get(added.id)?.status).toBe("broken");
    expect(again.clusters.list().map((cluster) => cluster.name)).toEqual(["clustera"]);
    expect(again.clusters.host("clustera").advertise).toBe("10.0.0.5");
    await again.close();
  });

  it("refuses a link that breaks the schema, naming the field, and leaves the file as it was", async () => {
    const services = await bigStore();
    const before = await stat(path);
    const bad = { ...syntheticLink(1000, "clustera", "clustera"), ports: [5000.5] } as LinkRecord;
    await expect(services.links.save(bad)).rejects.toThrow(/invalid store .*links\[1000\]\.ports\[0\]/);
    const after = await stat(path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(services.links.get(bad.id)).toBeUndefined();
    await services.close();
  });

  it("writes nothing when the link saved is the one stored", async () => {
    const services = await bigStore();
    const first = services.links.all()[0] as LinkRecord;
    const before = await stat(path);
    await services.links.save(structuredClone(first));
    const after = await stat(path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    await services.close();
  });
});
