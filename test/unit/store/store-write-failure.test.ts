import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { syntheticLink } from "../../../bench/bench-store.js";
import { UserError } from "../../../src/errors.js";
import { StoreLinkRepository } from "../../../src/store/link-repository.js";
import { Store } from "../../../src/store/store.js";
import { scratchStore } from "../../support/scratch-store.js";

/** The next step of a store write to fail, as a full disk or a dying device would make it fail. */
const failing = vi.hoisted(() => ({ next: undefined as "write" | "rename" | undefined }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs/promises")>();
  const diskFull = () =>
    Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC", syscall: "write" });
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      // The store's own temp file: the lock file, opened first, is never written in pieces.
      if (failing.next === "write" && String(args[0]).endsWith(".tmp")) {
        failing.next = undefined;
        // Half the pieces reach the file, then the disk is full.
        handle.writev = async (buffers) => {
          await fs.writeFile(handle, Buffer.concat(buffers.slice(0, buffers.length / 2) as Uint8Array[]));
          throw diskFull();
        };
      }
      return handle;
    },
    rename: async (...args: Parameters<typeof fs.rename>) => {
      if (failing.next === "rename") {
        failing.next = undefined;
        throw Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" });
      }
      return fs.rename(...args);
    },
  };
});

const scratch = scratchStore("amb-store-fail-");
afterEach(() => {
  failing.next = undefined;
});

describe("a save whose write fails", () => {
  for (const step of ["write", "rename"] as const) {
    it(`at its ${step} leaves the old store in the file and in memory, no temp file, and the next save works`, async () => {
      const store = await Store.open(scratch.path);
      await store.update((data) => {
        for (let i = 0; i < 100; i++) data.links.push(syntheticLink(i, "clustera", "clusterb"));
      });
      const links = new StoreLinkRepository(store);
      const before = await readFile(scratch.path, "utf8");
      const added = syntheticLink(100, "clustera", "clusterb");

      failing.next = step;
      await expect(links.save(added)).rejects.toThrow(`could not write the store ${scratch.path}:`);
      expect(failing.next).toBeUndefined();
      expect(await readFile(scratch.path, "utf8")).toBe(before);
      expect(await readdir(join(scratch.dir, "data"))).toEqual(["ambassador.json", "ambassador.json.lock"]);
      expect(links.get(added.id)).toBeUndefined();

      await links.save(added);
      await store.close();
      const again = await Store.open(scratch.path);
      expect(again.data.links.map((link) => link.id)).toContain(added.id);
      expect(again.data.links).toHaveLength(101);
      await again.close();
    });
  }

  it("when the store is opened and named, refuses in one line that says to free space, and leaves the file as it was", async () => {
    const first = await Store.open(scratch.path);
    await first.close();
    const { id: _, ...nameless } = JSON.parse(await readFile(scratch.path, "utf8"));
    await writeFile(scratch.path, JSON.stringify(nameless), { mode: 0o600 });
    const before = await readFile(scratch.path, "utf8");
    failing.next = "write";
    const refused = await Store.open(scratch.path).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as Error).message).toBe(
      `could not write the store ${scratch.path}: ENOSPC: no space left on device; nothing was changed: free space on its disk, then try again`,
    );
    expect(await readFile(scratch.path, "utf8")).toBe(before);
    const again = await Store.open(scratch.path);
    expect(again.data.id).toMatch(/^[0-9a-f]{12}$/);
    await again.close();
  });
});
