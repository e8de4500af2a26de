import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { emptyStoreData } from "../../../src/store/schema.js";
import { Store } from "../../../src/store/store.js";

const run = promisify(execFile);
const fixture = new URL("../../fixtures/open-store.ts", import.meta.url).pathname;
const tsx = new URL("../../../node_modules/.bin/tsx", import.meta.url).pathname;

let dir: string;
let path: string;
const opened: Store[] = [];

async function open(file = path): Promise<Store> {
  const store = await Store.open(file);
  opened.push(store);
  return store;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-store-"));
  path = join(dir, "data", "ambassador.json");
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await rm(dir, { recursive: true, force: true });
});

const local = { kind: "local" as const, user: "tester" };

function link(id: string): LinkRecord {
  return {
    id,
    container: "app",
    alias: "app",
    sourceCluster: "a",
    targetCluster: "b",
    targets: [{ cluster: "b" }],
    ports: [5000],
    wiring: "networks",
    connections: [],
    status: "active",
    resources: [],
    createdAt: new Date(0).toISOString(),
    createdBy: local,
  };
}

describe("Store", () => {
  it("creates the store file 0600 in a 0700 folder, holding an empty store", async () => {
    await open();
    expect((await stat(join(dir, "data"))).mode & 0o777).toBe(0o700);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      ...emptyStoreData(),
      id: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
  });

  it("removes the temp files of writes cut short by a kill, and nothing else beside the store", async () => {
    await (await open()).close();
    const data = join(dir, "data");
    await writeFile(join(data, ".ambassador.json.4242.tmp"), "{", { mode: 0o600 });
    await writeFile(join(data, ".ambassador.json.notes.tmp"), "mine", { mode: 0o600 });
    await open();
    expect((await readdir(data)).sort()).toEqual([
      ".ambassador.json.notes.tmp",
      "ambassador.json",
      "ambassador.json.lock",
    ]);
  });

  it("names a store that has no ID once, and keeps that name across reopens", async () => {
    const { id: _, ...nameless } = emptyStoreData();
    await run("mkdir", ["-m", "700", join(dir, "data")]);
    await writeFile(path, JSON.stringify(nameless), { mode: 0o600 });
    const store = await open();
    const id = store.data.id;
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(JSON.parse(await readFile(path, "utf8")).id).toBe(id);
    await store.close();
    const written = (await stat(path)).mtimeMs;
    const again = await open();
    expect(again.data.id).toBe(id);
    expect((await stat(path)).mtimeMs).toBe(written);
  });

  it("keeps what was written across a reopen", async () => {
    const store = await open();
    await store.update((data) => {
      data.links.push(link("test-write"));
    });
    await store.close();
    const again = await open();
    expect(again.data.links.map((entry) => entry.id)).toEqual(["test-write"]);
  });

  it("loses none of 200 concurrent updates", async () => {
    const store = await open();
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        store.update(async (data) => {
          await new Promise((resolve) => setImmediate(resolve));
          data.links.push(link(String(index)));
        }),
      ),
    );
    expect(store.data.links).toHaveLength(200);
    await store.close();
    const reread = JSON.parse(await readFile(path, "utf8"));
    const targets = reread.links.map((entry: { id: string }) => Number(entry.id));
    expect(targets.sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("writes by replacing the file, stays 0600 and leaves no temp file", async () => {
    const store = await open();
    const before = (await stat(path)).ino;
    await store.update((data) => {
      data.links.push(link("a"));
    });
    const after = await stat(path);
    expect(after.ino).not.toBe(before);
    expect(after.mode & 0o777).toBe(0o600);
    expect((await readdir(join(dir, "data"))).sort()).toEqual(["ambassador.json", "ambassador.json.lock"]);
  });

  it("leaves data and file unchanged when a change throws", async () => {
    const store = await open();
    const bytes = await readFile(path, "utf8");
    await expect(
      store.update((data) => {
        data.links.push(link("half"));
        throw new Error("change failed halfway");
      }),
    ).rejects.toThrow("change failed halfway");
    expect(store.data.links).toHaveLength(0);
    expect(await readFile(path, "utf8")).toBe(bytes);
  });

  it("refuses to write data that fails the schema, naming the field", async () => {
    const store = await open();
    await expect(
      store.update((data) => {
        (data.clusters as unknown[]).push({ name: "Bad Name" });
      }),
    ).rejects.toThrow(/clusters\[0\]\.name/);
    expect(store.data.clusters).toHaveLength(0);
  });

  it("does not rewrite the file for a change that changes nothing", async () => {
    const store = await open();
    await store.update((data) => {
      data.links.push(link("kept"));
    });
    const before = await stat(path);
    await store.update((data) => {
      data.links.splice(0, 1, link("kept"));
    });
    expect((await stat(path)).ino).toBe(before.ino);
    expect(store.data.links.map((entry) => entry.id)).toEqual(["kept"]);
  });

  it("hands out frozen data, so nothing changes it behind the write path", async () => {
    const store = await open();
    expect(() => {
      (store.data.clusters as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it("refuses a file that is not JSON, naming the file, and leaves it as it was", async () => {
    await open().then((store) => store.close());
    await writeFile(path, "{ not json", { mode: 0o600 });
    await expect(Store.open(path)).rejects.toThrow(`the store ${path} is not valid JSON`);
    expect(await readFile(path, "utf8")).toBe("{ not json");
  });

  it("shows only printable text of a store that is random bytes, and names a newer store's version", async () => {
    await open().then((store) => store.close());
    await writeFile(path, Buffer.from([0x7b, 0x01, 0x1b, 0x5b, 0x32, 0x4a, 0xff, 0x0a]), { mode: 0o600 });
    const refusal = (await Store.open(path).catch((error: Error) => error)) as Error;
    expect(refusal.message).toMatch(/^the store .* is not valid JSON \([\x20-\x7e]*\); restore it/);
    await writeFile(path, JSON.stringify({ ...emptyStoreData(), version: 99 }), { mode: 0o600 });
    await expect(Store.open(path)).rejects.toThrow(
      `the store ${path} was written by a newer ambassador (store version 99; this one reads up to 4); run that version, or restore a backup made by this one`,
    );
  });

  it("refuses a file that fails the schema, naming the file and the field", async () => {
    await open().then((store) => store.close());
    const broken = { ...emptyStoreData(), clusters: [{ name: "clustera", host: 42 }] };
    await writeFile(path, JSON.stringify(broken), { mode: 0o600 });
    const error = await Store.open(path).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain("field clusters[0].host");
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(broken);
  });

  it("refuses a store file other users can read, with the chmod that fixes it", async () => {
    await open().then((store) => store.close());
    await chmod(path, 0o644);
    await expect(Store.open(path)).rejects.toThrow(`fix it with: chmod 600 ${path}`);
  });

  it("refuses a store folder other users can enter, with the chmod that fixes it", async () => {
    await open().then((store) => store.close());
    await chmod(join(dir, "data"), 0o755);
    await expect(Store.open(path)).rejects.toThrow(`fix it with: chmod 700 ${join(dir, "data")}`);
  });

  it("in a folder shared on purpose (sticky, as /tmp), says to keep the store in a folder of its own, not to close it", async () => {
    const shared = join(dir, "shared");
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const error = await Store.open(join(shared, "store.json")).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      `${shared} is open to other users (mode 1777) and holds cluster credentials; keep the store in a folder of its own, such as AMBASSADOR_STORE=${join(shared, "ambassador", "ambassador.json")}`,
    );
  });

  it("refuses a store that is a symbolic link, and leaves the file it names alone", async () => {
    await open().then((store) => store.close());
    const elsewhere = join(dir, "elsewhere.json");
    await writeFile(elsewhere, await readFile(path), { mode: 0o600 });
    await rm(path);
    await symlink(elsewhere, path);
    await expect(Store.open(path)).rejects.toThrow(
      `${path} is not a regular file (a symbolic link, say); move it away`,
    );
  });

  it("refuses a second open in the same process while the first holds the store", async () => {
    await open();
    await expect(Store.open(path)).rejects.toThrow("already open in this process");
  });

  it("refuses a second process while this one holds the store, and lets it in once closed", async () => {
    const store = await open();
    const second = await run(tsx, [fixture, path]);
    expect(second.stdout.trim()).toMatch(/^refused: the store .* is in use by process \d+/);
    expect(second.stdout).toContain(`is in use by process ${process.pid} on ${hostname()}`);
    expect(second.stdout.trim()).toMatch(
      /; run this again once that command has finished or that bot is stopped$/,
    );
    await store.close();
    const third = await run(tsx, [fixture, path]);
    expect(third.stdout.trim()).toBe("opened");
  }, 60_000);

  it("opens read-only beside its writer: reads what the writer last wrote, writes nothing, takes no lock", async () => {
    const writer = await open();
    await writer.updateLinks((links) => links.push(link("l1")));
    const reader = await Store.open(path, { readOnly: true });
    expect(reader.data.links.map((each) => each.id)).toEqual(["l1"]);
    await expect(reader.updateLinks((links) => links.push(link("l2")))).rejects.toThrow(
      `the store ${path} is open read-only`,
    );
    await expect(reader.update((data) => void data.clusters.push())).rejects.toThrow("open read-only");
    await reader.close();
    // The writer still holds its lock, and kept its change alone.
    await expect(run(tsx, [fixture, path])).resolves.toMatchObject({
      stdout: expect.stringMatching(/^refused/),
    });
    await writer.updateLinks((links) => links.push(link("l3")));
    expect(JSON.parse(await readFile(path, "utf8")).links.map((each: LinkRecord) => each.id)).toEqual([
      "l1",
      "l3",
    ]);
  }, 60_000);

  it("refuses read-only a store that is missing or older, which only its writer may make current", async () => {
    await expect(Store.open(path, { readOnly: true })).rejects.toThrow("being made or upgraded");
    await mkdir(join(dir, "data"), { mode: 0o700 });
    await writeFile(path, JSON.stringify({ version: 1, clusters: [], links: [], audit: [] }), {
      mode: 0o600,
    });
    await expect(Store.open(path, { readOnly: true })).rejects.toThrow("being made or upgraded");
    // Left as it was.
    expect(JSON.parse(await readFile(path, "utf8")).version).toBe(1);
  });
});
