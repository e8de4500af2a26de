import { setTimeout as sleep } from "node:timers/promises";
import tls from "node:tls";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDockerClient } from "../../src/docker/docker-client.js";
import { DockerodeHost } from "../../src/docker/dockerode-host.js";
import { lab, labEndpoint } from "../lab.js";
import { startEngines, stopEngine } from "../support/lab-engines.js";

const connect = tls.connect;
let handshakes = 0;

async function clusterA(): Promise<DockerodeHost> {
  const host = lab().clustera;
  const docker = createDockerClient(await labEndpoint(host), { timeoutMs: 10_000 });
  return new DockerodeHost(docker, {
    name: "clustera",
    advertise: host.ip,
    url: `tcp://${host.ip}:2376`,
    callMs: 5_000,
    pullMs: 5_000,
  });
}

describe("one kept-alive TLS connection per host", () => {
  beforeEach(() => {
    handshakes = 0;
    // https opens each TLS connection through tls.connect: counting its calls counts handshakes.
    (tls as { connect: typeof tls.connect }).connect = ((...args: Parameters<typeof tls.connect>) => {
      handshakes++;
      return connect(...args);
    }) as typeof tls.connect;
  });

  afterEach(() => {
    (tls as { connect: typeof tls.connect }).connect = connect;
  });

  afterAll(async () => {
    await startEngines(lab());
  });

  it("serves calls seconds apart over the one connection", async () => {
    const host = await clusterA();
    for (let i = 0; i < 3; i++) {
      await host.listContainers();
      await host.inspectContainer("no-such-container");
    }
    await sleep(6_000);
    for (let i = 0; i < 3; i++) {
      await host.listNetworks([]);
      await host.ping();
    }
    // Twelve calls: one handshake, or two when the engine closed the idle connection under load (seen in CI).
    expect(handshakes).toBeLessThanOrEqual(2);
  }, 20_000);

  it("says the host does not answer while its engine is down, and answers on a new connection once it is back", async () => {
    const host = await clusterA();
    await host.listContainers();
    await stopEngine(lab().clustera);
    const down = await host.listContainers().catch((e: unknown) => e);
    expect(String(down)).toMatch(
      /^DockerCallError: clustera: list containers: connect ECONNREFUSED 10\.213\.\d+\.2:2376$/,
    );
    await startEngines(lab());
    expect(Array.isArray(await host.listContainers())).toBe(true);
    // The first connection, the one the stopped engine refused, and a new one: the closed one is not reused.
    expect(handshakes).toBe(3);
  }, 90_000);
});
