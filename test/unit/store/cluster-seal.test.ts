import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { SecretBox } from "../../../src/store/secret-box.js";
import { openStoreServices } from "../../../src/store/store-services.js";
import { fakeTls as tls } from "../../support/scratch-store.js";

const actor = { kind: "local" as const, user: "tester" };
const key = randomBytes(32);

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-seal-"));
  path = join(dir, "data", "ambassador.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Json = {
  version: number;
  clusters: Array<Record<string, unknown> & { tls?: Record<string, unknown>; seal?: Record<string, string> }>;
};

async function twoClusters(): Promise<void> {
  const services = await openStoreServices({ path, key });
  await services.registry.add(
    { name: "a", host: "tcp://10.0.0.5:2376", tls, advertise: "10.0.0.5", channels: ["C0123ABCD"] },
    actor,
  );
  await services.registry.add(
    { name: "b", host: "tcp://10.0.0.6:2376", tls, advertise: "10.0.0.6", channels: [] },
    actor,
  );
  await services.close();
}

async function edit(change: (json: Json) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, "utf8")) as Json;
  change(json);
  await writeFile(path, JSON.stringify(json, null, 2), { mode: 0o600 });
}

async function refusedAtStart(): Promise<UserError> {
  const error = await openStoreServices({ path, key }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).not.toContain("\n");
  return error as UserError;
}

const readd =
  "remove it (ambassador clusters remove a --force) and add it again from its credentials (ambassador clusters add a --docker-env …)";

describe("the seal of a cluster record", () => {
  it("tells a wrong key apart from altered records", async () => {
    await twoClusters();
    await expect(openStoreServices({ path, key: randomBytes(32) })).rejects.toThrow(
      `the key from AMBASSADOR_KEY is not the key the store ${path} was written with; set AMBASSADOR_KEY or AMBASSADOR_KEY_FILE to the original key`,
    );
  });

  it("refuses at start a stored tag cut to 4 bytes, naming the cluster", async () => {
    await twoClusters();
    await edit((json) => {
      const seal = json.clusters[0]?.seal as Record<string, string>;
      seal.tag = Buffer.from(seal.tag as string, "base64")
        .subarray(0, 4)
        .toString("base64");
    });
    const error = await refusedAtStart();
    expect(error.message).toBe(
      `cluster "a" in ${path} was changed outside ambassador (its seal's tag is 4 bytes where AES-256-GCM uses 16), so it is not used; ${readd}`,
    );
  });

  for (const [field, change] of [
    ["advertise address", (c: Json["clusters"][number]) => (c.advertise = "203.0.113.9")],
    ["host", (c: Json["clusters"][number]) => (c.host = "tcp://203.0.113.9:2376")],
    ["CA", (c: Json["clusters"][number]) => ((c.tls as Record<string, unknown>).ca = tls.cert)],
    ["channels", (c: Json["clusters"][number]) => (c.channels = [])],
    ["added by", (c: Json["clusters"][number]) => (c.addedBy = { kind: "local", user: "mallory" })],
  ] as const) {
    it(`refuses at start a record whose ${field} was edited in the file`, async () => {
      await twoClusters();
      await edit((json) => change(json.clusters[0] as Json["clusters"][number]));
      const error = await refusedAtStart();
      expect(error.code).toBe("cluster-altered");
      expect(error.message).toBe(
        `cluster "a" in ${path} was changed outside ambassador (its seal no longer matches its host, TLS files, advertise address, channels or who added it), so it is not used; ${readd}`,
      );
    });
  }

  it("refuses seals swapped between two records, and a record stripped of its TLS", async () => {
    await twoClusters();
    await edit((json) => {
      const [a, b] = json.clusters as [Json["clusters"][number], Json["clusters"][number]];
      [a.seal, b.seal] = [b.seal, a.seal];
    });
    const swapped = await refusedAtStart();
    expect(swapped.code).toBe("cluster-altered");
    expect(swapped.message).toMatch(/^cluster "a" .* was changed outside ambassador/);
    await rm(path);
    await twoClusters();
    await edit((json) => {
      const a = json.clusters[0] as Json["clusters"][number];
      delete a.tls;
      a.host = "tcp://127.0.0.1:2375";
    });
    expect((await refusedAtStart()).message).toMatch(/^cluster "a" .* was changed outside ambassador/);
  });

  it("lets `clusters` commands open the store to remove an altered record, then starts again", async () => {
    await twoClusters();
    await edit((json) => {
      (json.clusters[0] as Json["clusters"][number]).advertise = "203.0.113.9";
    });
    const repair = await openStoreServices({ path, key }, { allowAlteredClusters: true });
    expect(repair.notices).toEqual([expect.stringContaining('ambassador: cluster "a" in')]);
    expect(() => repair.registry.endpoint(repair.registry.require("a"))).toThrow('cluster "a" in');
    await repair.registry.remove("a", { force: true }, actor);
    await repair.close();
    const again = await openStoreServices({ path, key });
    expect(again.registry.list().map((cluster) => cluster.name)).toEqual(["b"]);
    expect(again.registry.endpoint(again.registry.require("b")).tls?.key).toBe(tls.key);
    await again.close();
  });

  it("seals a cluster without TLS too, so its socket or address cannot be changed", async () => {
    const services = await openStoreServices({ path, key });
    await services.registry.add(
      { name: "a", host: "unix:///var/run/docker.sock", advertise: "10.0.0.7", channels: [] },
      actor,
    );
    await services.registry.add(
      { name: "b", host: "unix:///run/b.sock", advertise: "10.0.0.8", channels: [] },
      actor,
    );
    await services.close();
    await edit((json) => {
      (json.clusters[0] as Json["clusters"][number]).host = "ssh://root@203.0.113.9";
    });
    expect((await refusedAtStart()).code).toBe("cluster-altered");
  });
});

describe("a store written before records were sealed whole", () => {
  async function legacyStore(sealKey: Buffer): Promise<string> {
    const box = new SecretBox(sealKey, "test");
    const record = (name: string, ip: string) => ({
      name,
      host: `tcp://${ip}:2376`,
      tls: { ca: tls.ca, cert: tls.cert, key: box.seal(tls.key, `cluster:${name}:tls-key`) },
      advertise: ip,
      channels: [],
      addedAt: "2026-01-01T00:00:00.000Z",
      addedBy: actor,
    });
    const text = `${JSON.stringify({ version: 1, clusters: [record("a", "10.0.0.5"), record("b", "10.0.0.6")], links: [], audit: [] }, null, 2)}\n`;
    await mkdir(join(dir, "data"), { recursive: true, mode: 0o700 });
    await writeFile(path, text, { mode: 0o600 });
    return text;
  }

  it("is re-sealed once with the right key, says so, and is then guarded like any other", async () => {
    await legacyStore(key);
    const first = await openStoreServices({ path, key });
    expect(first.notices).toEqual([
      `ambassador: re-sealed the 2 cluster record(s) of ${path} so that each whole record is bound to the store's key; a record changed outside ambassador is now refused.`,
    ]);
    expect(first.registry.endpoint(first.registry.require("a")).tls?.key).toBe(tls.key);
    await first.close();
    const stored = JSON.parse(await readFile(path, "utf8")) as Json;
    expect(stored.version).toBe(4);
    expect(stored.clusters[0]?.tls).toEqual({ ca: tls.ca, cert: tls.cert });
    const second = await openStoreServices({ path, key });
    expect(second.notices).toEqual([]);
    await second.close();
    await edit((json) => {
      (json.clusters[1] as Json["clusters"][number]).advertise = "203.0.113.9";
    });
    expect((await refusedAtStart()).message).toMatch(/^cluster "b" .* was changed outside ambassador/);
  });

  it("is left as it was when the key is wrong", async () => {
    const text = await legacyStore(randomBytes(32));
    expect((await refusedAtStart()).message).toMatch(
      /^cannot open cluster "a" with the key from AMBASSADOR_KEY: it is not the key the store was written with/,
    );
    expect(await readFile(path, "utf8")).toBe(text);
  });
});
