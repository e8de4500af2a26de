import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { ProbeKilled } from "../../../src/engine/path-probe.js";
import { type ContainerState, createLinkMonitor } from "../../../src/monitor/link-monitor.js";
import { MemoryLinks } from "../../support/memory-links.js";

const logger = { info() {}, warn() {}, error() {} };
const link: LinkRecord = {
  id: "L1",
  container: "app",
  alias: "helloapp",
  sourceCluster: "clustera",
  targetCluster: "clusterb",
  targets: [{ cluster: "clusterb" }],
  ports: [5000],
  wiring: "shared",
  connections: [{ port: 5000, address: "10.0.0.5:5000" }],
  status: "active",
  resources: [{ cluster: "clusterb", kind: "container", role: "target", id: "tgt", name: "app-ambassador" }],
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: { kind: "local", user: "ops" },
  channel: "C1",
};

describe("a path probe killed with its ambassador", () => {
  it("is named by the ambassador's state once its host marked it stopped, not as a broken path", async () => {
    let looks = 0;
    const monitor = createLinkMonitor({
      links: new MemoryLinks(undefined, [link]),
      probe: {
        // Running at the first two looks (before the probe, and as it was killed), stopped a moment later.
        container: async (): Promise<ContainerState> => {
          looks += 1;
          return looks > 2 ? "stopped" : "running";
        },
        path: async () => {
          throw new ProbeKilled("target ambassador on clusterb: probe exited 137");
        },
      },
      alerts: { post: async () => undefined },
      clusters: { list: () => ["clustera", "clusterb"].map((name) => ({ name, channels: [] })) },
      logger,
      intervalMs: 60_000,
    });
    const [result] = await monitor.checkAll();
    expect(result?.state).toBe("broken");
    expect(result?.problems.join("\n")).toMatch(/app-ambassador on clusterb is stopped/);
    expect(result?.problems.join("\n")).not.toContain("probe exited");
  });
});
