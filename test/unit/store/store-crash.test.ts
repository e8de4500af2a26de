import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { syntheticLink } from "../../../bench/bench-store.js";
import { Store } from "../../../src/store/store.js";
import { spawnLines } from "../../support/child-lines.js";
import { scratchStore } from "../../support/scratch-store.js";

const saver = new URL("../../fixtures/saving-store.ts", import.meta.url).pathname;

const scratch = scratchStore("amb-store-crash-");

describe("a writer killed in the middle of its saves", () => {
  it("leaves a whole store every time: the links it had saved, in order, and the next one at most", async () => {
    const seeded = await Store.open(scratch.path);
    await seeded.update((data) => {
      for (let i = 0; i < 1000; i++) data.links.push(syntheticLink(i, "clustera", "clusterb"));
    });
    await seeded.close();
    for (let kill = 0; kill < 10; kill++) {
      const writer = spawnLines(process.execPath, ["--import", "tsx", saver, scratch.path]);
      await writer.next((line) => line === "saving");
      const saving = writer.lines.length;
      await writer.next((line) => line.startsWith("saved"), saving);
      // Somewhere in the next save: its text, its write, its flush or its rename.
      await new Promise((resolve) => setTimeout(resolve, kill));
      writer.child.kill("SIGKILL");
      await writer.exited;
      const saved = Number(writer.lines.findLast((line) => line.startsWith("saved"))?.split(" ")[1]);

      const store = await Store.open(scratch.path);
      const count = store.data.links.length;
      expect([saved, saved + 1]).toContain(count);
      expect(store.data.links.map((link) => link.container)).toEqual(
        Array.from({ length: count }, (_, i) => `bench-app-${i}`),
      );
      expect(await readFile(scratch.path, "utf8")).toBe(`${JSON.stringify(store.data, null, 2)}\n`);
      await store.close();
    }
  }, 120_000);
});
