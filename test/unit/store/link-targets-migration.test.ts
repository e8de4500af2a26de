import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { openStoreServices } from "../../../src/store/store-services.js";
import { scratchStore } from "../../support/scratch-store.js";

const scratch = scratchStore("amb-targets-");

const link = (id: string, protection: "mtls" | "plaintext"): Omit<LinkRecord, "targets"> => ({
  id,
  container: "app",
  alias: "app",
  sourceCluster: "clustera",
  targetCluster: "clusterb",
  ports: [5000],
  wiring: "networks",
  connections: [{ port: 5000, address: "10.0.0.12:5000" }],
  protection,
  status: "active",
  resources: [],
  createdAt: "2026-11-01T00:00:00.000Z",
  createdBy: { kind: "local", user: "tester" },
});

describe("a version 3 store, every link with one target", () => {
  it("opens with each link's target and the certificate name its ambassador already carries, and is written as version 4", async () => {
    const services = await openStoreServices({ path: scratch.path });
    await services.close();
    const current = JSON.parse(await readFile(scratch.path, "utf8"));
    const older = { ...current, version: 3, links: [link("aaa", "mtls"), link("bbb", "plaintext")] };
    await writeFile(scratch.path, JSON.stringify(older), { mode: 0o600 });
    const opened = await openStoreServices({ path: scratch.path });
    expect(opened.links.get("aaa")?.targets).toEqual([
      { cluster: "clusterb", certificate: "ambassador-aaa-target" },
    ]);
    expect(opened.links.get("bbb")?.targets).toEqual([{ cluster: "clusterb" }]);
    expect(opened.links.get("aaa")).toMatchObject(link("aaa", "mtls"));
    await opened.close();
    expect(JSON.parse(await readFile(scratch.path, "utf8")).version).toBe(4);
  });
});
