import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import type { LinkView } from "../../../src/engine/types.js";
import { describeContainers, describeLink, statusLines } from "../../../src/render/format.js";

const record: LinkRecord = {
  id: "lnk1",
  container: "app",
  alias: "helloapp",
  sourceCluster: "clustera",
  targetCluster: "clusterb",
  targets: [{ cluster: "clusterb" }],
  ports: [5000],
  wiring: "networks",
  connections: [{ port: 5000, address: "10.0.0.12:5000" }],
  consumer: { name: "worker" },
  status: "active",
  resources: [],
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: { kind: "local", user: "ops" },
};

function view(state: LinkView["containers"][number]["state"]): LinkView {
  return {
    link: record,
    status: state === "running" ? "active" : "broken",
    containers: [{ cluster: "clusterb", role: "consumer", name: "worker", state }],
  };
}

describe("status of a link with --consumer", () => {
  it("names the consumer, its state and whether it is on the link's network", () => {
    expect(describeLink(view("running"))).toBe(
      "lnk1: app clustera -> clusterb as helloapp, consumer worker (active)",
    );
    expect(statusLines(view("running"))).toContain(
      "  consumer worker on clusterb: running, on the link's network",
    );
    expect(statusLines(view("disconnected"))).toContain(
      "  consumer worker on clusterb: running, not on the link's network (repair reconnects it)",
    );
    expect(statusLines(view("stopped"))).toContain("  consumer worker on clusterb: stopped");
  });
});

describe("list's line of a link's containers", () => {
  it("says which one is cut off or off the link's network, not Docker's word for it", () => {
    const shared: LinkView = {
      link: { ...record, wiring: "shared", consumer: undefined, web: { image: "hello-web", name: "web" } },
      status: "broken",
      containers: [
        { cluster: "clustera", role: "source", name: "app-ambassador", state: "running" },
        { cluster: "clusterb", role: "target", name: "app-ambassador", state: "disconnected" },
        { cluster: "clusterb", role: "web", name: "web", state: "running" },
      ],
    };
    expect(describeContainers(shared)).toBe(
      "clustera app-ambassador running, clusterb app-ambassador cut off, clusterb web running",
    );
    expect(describeContainers(view("disconnected"))).toBe("clusterb worker off the link's network");
  });
});
