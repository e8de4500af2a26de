import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { syntheticLink } from "../../../bench/bench-store.js";
import type { LinkRecord } from "../../../src/domain/link.js";
import { openStoreServices } from "../../../src/store/store-services.js";
import { fakeTls, scratchStore } from "../../support/scratch-store.js";

const actor = { kind: "local" as const, user: "tester" };

const scratch = scratchStore("amb-link-save-");
const key = randomBytes(32);

/** A store with a sealed cluster and a thousand links. */
async function bigStore() {
  const services = await openStoreServices({ path: scratch.path, key });
  await services.registry.add(
    { name: "clustera", host: "tcp://10.0.0.5:2376", tls: fakeTls, advertise: "10.0.0.5", channels: [] },
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
    const written = await readFile(scratch.path, "utf8");
    expect(written).toBe(`${JSON.stringify(services.store.data, null, 2)}\n`);
    const links = services.links.all();
    await services.close();

    const again = await openStoreServices({ path: scratch.path, key });
    expect(again.links.all()).toEqual(links);
    expect(again.links.get(added.id)?.status).toBe("broken");
    expect(again.clusters.list().map((cluster) => cluster.name)).toEqual(["clustera"]);
    expect(again.clusters.host("clustera").advertise).toBe("10.0.0.5");
    await again.close();
  });

  it("refuses a link that breaks the schema, naming the field, and leaves the file as it was", async () => {
    const services = await bigStore();
    const before = await stat(scratch.path);
    const bad = { ...syntheticLink(1000, "clustera", "clustera"), ports: [5000.5] } as LinkRecord;
    await expect(services.links.save(bad)).rejects.toThrow(/invalid store .*links\[1000\]\.ports\[0\]/);
    const after = await stat(scratch.path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(services.links.get(bad.id)).toBeUndefined();
    await services.close();
  });

  it("writes nothing when the link saved is the one stored", async () => {
    const services = await bigStore();
    const first = services.links.all()[0] as LinkRecord;
    const before = await stat(scratch.path);
    await services.links.save(structuredClone(first));
    const after = await stat(scratch.path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    await services.close();
  });
});
