import { describe, expect, it } from "vitest";
import { registerCluster } from "../../../src/store/cluster-registration.js";
import { engineLikeHandler, startLoopbackServer } from "../../loopback-server.js";
import { openTestStore } from "../../test-store.js";

const actor = { kind: "local" as const, user: "tester" };

describe("StoreClusterDirectory", () => {
  it("lists clusters without key material", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using services = await openTestStore();
    await registerCluster(
      { name: "one", source: { kind: "host", url: engine.url }, channels: ["C0123ABCD"] },
      { registry: services.registry, actor },
    );
    expect(services.clusters.list()).toEqual([
      { name: "one", host: engine.url, tls: false, advertise: "127.0.0.1", channels: ["C0123ABCD"] },
    ]);
  });

  it("reuses one host per cluster, and builds a new one when the cluster is registered again", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using services = await openTestStore();
    const request = { name: "one", source: { kind: "host" as const, url: engine.url } };
    await registerCluster(request, { registry: services.registry, actor });
    const first = services.clusters.host("one");
    expect(services.clusters.host("one")).toBe(first);
    await services.registry.remove("one", {}, actor);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await registerCluster(request, { registry: services.registry, actor });
    expect(services.clusters.host("one")).not.toBe(first);
  });

  it("names no cluster when asked for an unknown one: it cannot tell who asks", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using services = await openTestStore();
    expect(() => services.clusters.host("nope")).toThrow(
      'no cluster named "nope"; none is registered yet (ambassador clusters add)',
    );
    await registerCluster(
      { name: "one", source: { kind: "host", url: engine.url } },
      { registry: services.registry, actor },
    );
    expect(() => services.clusters.host("nope")).toThrow(
      'no cluster named "nope"; `clusters` lists the ones you may use',
    );
  });

  it("probes hosts in parallel, each within its own deadline", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using silentA = await startLoopbackServer(() => undefined);
    await using silentB = await startLoopbackServer(() => undefined);
    await using silentC = await startLoopbackServer(() => undefined);
    await using services = await openTestStore();
    await registerCluster(
      { name: "up", source: { kind: "host", url: engine.url } },
      { registry: services.registry, actor },
    );
    for (const [name, host] of [
      ["silent-a", silentA.url],
      ["silent-b", silentB.url],
      ["silent-c", silentC.url],
    ]) {
      await services.registry.add(
        { name: name as string, host: host as string, advertise: "127.0.0.1", channels: [] },
        actor,
      );
    }
    const started = Date.now();
    const probes = await services.clusters.probe(undefined, 400);
    const elapsed = Date.now() - started;
    expect(probes.map((probe) => [probe.name, probe.ok])).toEqual([
      ["silent-a", false],
      ["silent-b", false],
      ["silent-c", false],
      ["up", true],
    ]);
    expect(probes[0]?.error).toBe(`${silentA.url} did not answer within 0.4 s`);
    expect(probes[3]).toMatchObject({ version: "20.10.24" });
    expect(probes[3]?.rttMs).toBeGreaterThan(0);
    // One after another, three silent hosts would take 1.2 s.
    expect(elapsed).toBeLessThan(1_100);
  });
});
