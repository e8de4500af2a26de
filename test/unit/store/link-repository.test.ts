import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { openTestStore } from "../../test-store.js";

const alice = { kind: "slack" as const, team: "T1", user: "U1" };

function link(id: string, status: LinkRecord["status"] = "active"): LinkRecord {
  return {
    id,
    container: "app",
    alias: "helloapp",
    sourceCluster: "clustera",
    targetCluster: "clusterb",
    targets: [{ cluster: "clusterb" }],
    ports: [5000],
    wiring: "networks",
    connections: [{ port: 5000, address: "10.0.0.2:32770" }],
    status,
    resources: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    createdBy: alice,
    channel: "C0123ABCD",
  };
}

describe("StoreLinkRepository", () => {
  it("saves, replaces and removes links, and writes no audit entry of its own", async () => {
    await using services = await openTestStore();
    await services.links.save(link("l1"));
    await services.links.save(link("l1", "partial"));
    await services.links.save(link("l2"));
    expect(services.links.all().map((saved) => [saved.id, saved.status])).toEqual([
      ["l1", "partial"],
      ["l2", "active"],
    ]);
    expect(services.links.get("l1")?.status).toBe("partial");
    await services.links.remove("l1");
    await services.links.remove("missing");
    expect(services.links.get("l1")).toBeUndefined();
    expect(await services.audit.entries()).toEqual([]);
  });

  it("updates a link as the writes asked before left it, and brings back none that is gone", async () => {
    await using services = await openTestStore();
    await services.links.save(link("l1"));
    const moved = services.links.save({ ...link("l1"), channel: "C2" });
    const updated = services.links.update("l1", (current) => ({ ...current, status: "broken" }));
    const unchanged = services.links.update("l1", () => undefined);
    const gone = services.links.update("missing", (current) => ({ ...current, status: "broken" }));
    await Promise.all([moved, updated, unchanged, gone]);
    expect(services.links.get("l1")).toMatchObject({ channel: "C2", status: "broken" });
    expect(services.links.all().map((saved) => saved.id)).toEqual(["l1"]);
    await services.links.remove("l1");
    await services.links.update("l1", (current) => ({ ...current, status: "active" }));
    expect(services.links.get("l1")).toBeUndefined();
  });

  it("keeps a copy, so changing the caller's object later changes nothing stored", async () => {
    await using services = await openTestStore();
    const record = link("l1");
    await services.links.save(record);
    record.status = "broken";
    expect(services.links.get("l1")?.status).toBe("active");
  });
});
