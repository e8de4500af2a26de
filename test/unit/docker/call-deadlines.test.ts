import { describe, expect, it } from "vitest";
import { DockerCallError } from "../../../src/docker/docker-host.js";
import type { DockerodeHost } from "../../../src/docker/dockerode-host.js";
import { loopbackDockerHost, startLoopbackServer } from "../../loopback-server.js";

/** An engine whose process is paused (`kill -STOP`): it takes every request and never answers. */
const paused = () => startLoopbackServer(() => {});

describe("an engine that takes requests and never answers", () => {
  it.each([
    ["inspect image", (host: DockerodeHost) => host.inspectImage("ambassador-bot/ambassador:latest")],
    ["inspect container", (host: DockerodeHost) => host.inspectContainer("app")],
    ["list containers", (host: DockerodeHost) => host.listContainers()],
    ["list networks", (host: DockerodeHost) => host.listNetworks([])],
    ["inspect network", (host: DockerodeHost) => host.inspectNetwork("bridge")],
  ])("has %s give up at the call's deadline, naming the host", async (call, ask) => {
    await using engine = await paused();
    const host = loopbackDockerHost(engine.url, "clusterb", 300);
    const started = performance.now();
    const failed = await ask(host).catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(failed).toBeInstanceOf(DockerCallError);
    expect((failed as Error).message).toMatch(new RegExp(`^clusterb: ${call}\\b.*no answer within`));
  });
});
