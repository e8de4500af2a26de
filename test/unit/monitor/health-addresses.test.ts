import { describe, expect, it } from "vitest";
import { createDockerLinkProbe } from "../../../src/monitor/docker-link-probe.js";
import { createLinkMonitor } from "../../../src/monitor/link-monitor.js";
import { memoryEngine } from "../../support/memory-engine.js";

// The address:port Node's client names when nothing listens at clusterb's Docker API.
const addressAndPort = "10.0.0.13:2376";
const refused = "nothing listens at the Docker API of clusterb (connection refused)";

/** A link from clustera to clusterb made in channel C1, watched by a monitor whose alerts and log are kept. */
async function watched() {
  const lab = memoryEngine();
  const made = await lab.engine.link(
    "app",
    "clustera",
    "clusterb",
    {},
    {
      actor: { kind: "slack", team: "T1", user: "UADMIN" },
      channel: "C1",
    },
  );
  const alerts: string[] = [];
  const logged: object[] = [];
  const monitor = createLinkMonitor({
    links: lab.links,
    probe: createDockerLinkProbe(lab.clusters),
    alerts: { post: async (_channel, text) => void alerts.push(text) },
    clusters: lab.clusters,
    logger: { info() {}, warn: (object) => void logged.push(object), error() {} },
    intervalMs: 1_000,
  });
  return { lab, id: made.link.id, monitor, alerts, logged };
}

describe("a link's health names no Docker API address; the log has the full reason", () => {
  it("a cluster that cannot be reached", async () => {
    const { lab, id, monitor, alerts, logged } = await watched();
    lab.b.down();
    await monitor.checkAll();
    await monitor.alertsSent();

    const problems = lab.links.get(id)?.health?.problems ?? [];
    expect(problems).toEqual([
      expect.stringMatching(/^clusterb cannot be reached: clusterb: inspect container/),
    ]);
    expect(problems[0]).toContain(refused);
    expect(monitor.health(id)?.problems).toEqual(problems);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(refused);
    expect(JSON.stringify([problems, alerts])).not.toContain(addressAndPort);
    expect(JSON.stringify(logged)).toContain(`connect ECONNREFUSED ${addressAndPort}`);
  });

  it("a path whose probe could not reach the target's Docker API", async () => {
    const { lab, id, monitor, alerts, logged } = await watched();
    lab.b.failOn("exec in container", {
      statusCode: undefined,
      reason: `connect ECONNREFUSED ${addressAndPort}`,
      withoutAddress: refused,
    });
    await monitor.checkAll();
    await monitor.alertsSent();

    const problems = lab.links.get(id)?.health?.problems ?? [];
    expect(problems).toEqual([
      expect.stringMatching(/^the path from clusterb to app on clustera is broken: /),
    ]);
    expect(problems[0]).toContain(refused);
    expect(JSON.stringify([problems, alerts])).not.toContain(addressAndPort);
    expect(JSON.stringify(logged)).toContain(`connect ECONNREFUSED ${addressAndPort}`);
  });
});
