import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { LinkRecord, LinkRepository } from "../../../src/domain/link.js";
import { type ContainerState, createLinkMonitor } from "../../../src/monitor/link-monitor.js";
import { openStoreServices } from "../../../src/store/store-services.js";
import { MemoryLinks } from "../../support/memory-links.js";
import { fakeTls, scratchStore } from "../../support/scratch-store.js";

const scratch = scratchStore("ambassador-monitor-race-");
const actor = { kind: "local" as const, user: "ops" };
const logger = { info() {}, warn() {}, error() {} };
const everyClusterOpen = { list: () => ["clustera", "clusterb"].map((name) => ({ name, channels: [] })) };

function link(id: string, sourceId: string): LinkRecord {
  return {
    id,
    container: "app",
    alias: "helloapp",
    sourceCluster: "clustera",
    targetCluster: "clusterb",
    targets: [{ cluster: "clusterb" }],
    ports: [5000],
    wiring: "networks",
    connections: [{ port: 5000, address: "10.0.0.5:5000" }],
    status: "active",
    resources: [
      { cluster: "clustera", kind: "container", role: "source", id: sourceId, name: "app-ambassador" },
    ],
    createdAt: "2026-01-01T00:00:00.000Z",
    createdBy: actor,
    channel: "C1",
  };
}

/** A probe whose answer for `held` waits until the test gives it; every other container runs. */
function heldProbe(held: string) {
  let give!: (state: ContainerState) => void;
  const answer = new Promise<ContainerState>((resolve) => {
    give = resolve;
  });
  let asked!: () => void;
  const reached = new Promise<void>((resolve) => {
    asked = resolve;
  });
  return {
    give,
    reached,
    probe: {
      container: (_cluster: string, id: string) => {
        if (id !== held) return Promise.resolve<ContainerState>("running");
        asked();
        return answer;
      },
      path: async () => undefined,
    },
  };
}

/** A monitor of `links` through `held`'s probe, and the alerts it posts. */
function watching(links: LinkRepository, held: ReturnType<typeof heldProbe>) {
  const posts: string[] = [];
  const monitor = createLinkMonitor({
    links,
    probe: held.probe,
    alerts: { post: async (_channel, text) => void posts.push(text) },
    clusters: everyClusterOpen,
    logger,
    intervalMs: 60_000,
  });
  return { monitor, posts };
}

describe("the health check beside commands that change the link", () => {
  it("keeps the parts a repair saved while the check ran, and checks those instead", async () => {
    const services = await openStoreServices({ path: scratch.path, key: randomBytes(32) });
    for (const name of ["clustera", "clusterb"]) {
      await services.registry.add(
        { name, host: "tcp://10.0.0.5:2376", tls: fakeTls, advertise: "10.0.0.5", channels: [] },
        actor,
      );
    }
    await services.links.save(link("L1", "old-source"));
    await services.links.save(link("L2", "other"));
    const held = heldProbe("old-source");
    const { monitor, posts } = watching(services.links, held);
    const checks = monitor.checkAll();
    await held.reached;
    // Another command writes the store, and a repair saves L1 with the ambassador it made, while the check still
    // waits on the one it replaced, which the repair removed.
    const other = services.links.save({ ...link("L2", "other"), status: "broken" });
    const repaired = services.links.save(link("L1", "new-source"));
    held.give("missing");
    const results = await checks;
    await Promise.all([other, repaired]);
    await monitor.alertsSent();
    expect(services.links.get("L1")?.resources.map((r) => r.id)).toEqual(["new-source"]);
    expect(results.find((r) => r.linkId === "L1")).toEqual({ linkId: "L1", state: "healthy", problems: [] });
    expect(posts).toEqual([]);
    await services.close();
  });

  it("saves a health change onto the record as it stands, not as the check read it", async () => {
    const services = await openStoreServices({ path: scratch.path, key: randomBytes(32) });
    await services.links.save(link("L1", "source"));
    const held = heldProbe("source");
    const { monitor } = watching(services.links, held);
    const checks = monitor.checkAll();
    await held.reached;
    // Changed while checked, with the same parts (the channel it answers in), behind another write, as the check ends.
    const other = services.links.save(link("L2", "other"));
    const moved = services.links.save({ ...link("L1", "source"), channel: "C2" });
    held.give("stopped");
    await Promise.all([checks, other, moved]);
    expect(services.links.get("L1")).toMatchObject({ channel: "C2", health: { state: "broken" } });
    await services.close();
  });

  it.each([
    ["torn down", (links: MemoryLinks) => links.remove("L1")],
    [
      "whose teardown began",
      (links: MemoryLinks) => links.save({ ...link("L1", "source"), status: "partial" }),
    ],
    [
      "one of whose targets a teardown removed in part",
      (links: MemoryLinks) =>
        links.save({ ...link("L1", "source"), targets: [{ cluster: "clusterb", leaving: true }] }),
    ],
  ])("says nothing of a link %s while it was checked", async (_what, change) => {
    const links = new MemoryLinks(undefined, [link("L1", "source")]);
    const held = heldProbe("source");
    const { monitor, posts } = watching(links, held);
    const checks = monitor.checkAll();
    await held.reached;
    await change(links);
    held.give("missing");
    expect(await checks).toEqual([]);
    await monitor.alertsSent();
    expect(posts).toEqual([]);
    expect(links.get("L1")?.health).toBeUndefined();
  });
});
