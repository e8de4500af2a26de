import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { homeView } from "../../../src/render/home-blocks.js";

function link(index: number): LinkRecord {
  return {
    id: `id${String(index).padStart(3, "0")}`,
    container: `app${index}`,
    alias: `alias${index}`,
    sourceCluster: "clustera",
    targetCluster: "clusterb",
    targets: [{ cluster: "clusterb" }],
    ports: [5000, 6000],
    wiring: "networks",
    connections: [],
    protection: index % 2 ? "plaintext" : "mtls",
    status: "active",
    resources: [],
    createdAt: "2026-11-26T06:00:00.000Z",
    createdBy: { kind: "local", user: "op" },
  };
}

const model = (admin: boolean, page = 1) => ({
  links: Array.from({ length: 100 }, (_, i) => ({
    link: link(i),
    health: { state: "broken" as const, since: "2026-11-26T06:01:02.345Z", lastCheck: "x", problems: [] },
  })),
  clusters: [{ name: "clustera", probe: { name: "clustera", ok: false, at: "2026-11-26T06:02:00.000Z" } }],
  admin,
  page,
  hiddenLinks: 0,
  hiddenClusters: 0,
});

describe("the Home tab's blocks", () => {
  it("keeps 100 links within a view's 100 blocks, a page of 20 at a time with More", () => {
    const view = homeView(model(true));
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain("Links (100 links)");
    expect(text).toContain("id019");
    expect(text).not.toContain("id020");
    expect(text).toContain(
      "ports 5000, 6000 · plaintext, target only · :red_circle: broken since 2026-11-26T06:01:02Z",
    );
    expect(text).toContain("Page 1 of 5");
    expect(text).toContain('"action_id":"home_page_next","value":"2"');
    expect(text).toContain("*clustera*: :red_circle: does not answer (checked 2026-11-26T06:02:00Z)");
    const last = JSON.stringify(homeView(model(true, 5)).blocks);
    expect(last).toContain("id099");
    expect(last).not.toContain("home_page_next");
    expect(last).toContain('"action_id":"home_page_prev","value":"4"');
  });

  it("gives buttons that change hosts to admins only", () => {
    const member = JSON.stringify(homeView(model(false)).blocks);
    expect(member).toContain("home_status");
    expect(member).not.toContain("home_repair");
    expect(member).not.toContain("home_teardown");
  });

  it("names every target of a fanned-out link, and says its buttons act on every host", () => {
    const fanned = { ...link(0), targets: [{ cluster: "clusterb" }, { cluster: "clusterc" }] };
    const text = JSON.stringify(
      homeView({ ...model(true), links: [{ link: fanned, health: undefined }] }).blocks,
    );
    expect(text).toContain("clustera → clusterb, clusterc as `alias0`");
    expect(text).toContain("Removes the ambassadors of `id000` on every host.");
    expect(JSON.stringify(homeView(model(true)).blocks)).toContain("clustera → clusterb as `alias0`");
    const many = {
      ...link(0),
      targets: Array.from({ length: 400 }, (_, i) => ({ cluster: `cluster-${i}` })),
    };
    const [section] = homeView({ ...model(true), links: [{ link: many, health: undefined }] }).blocks.filter(
      (block) => block.block_id === "link_id000",
    ) as { text: { text: string } }[];
    expect(section?.text.text.length).toBeLessThanOrEqual(3000);
    expect(section?.text.text).toContain("clustera → cluster-0, cluster-1");
  });
});
