import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerClient } from "../../src/docker/docker-client.js";
import { lab, labDocker, labEndpoint, removeTestObjects, runToCompletion, testLabel } from "../lab.js";

describe("the lab", () => {
  let hostA: Docker;
  let hostB: Docker;

  beforeAll(async () => {
    hostA = await labDocker(lab().clustera);
    hostB = await labDocker(lab().clusterb);
  });

  afterAll(async () => {
    await removeTestObjects(hostA, hostB);
  });

  it("runs two Docker Engines that answer over TLS", async () => {
    const [a, b] = await Promise.all([hostA.version(), hostB.version()]);
    expect(a.ApiVersion).toBe("1.41");
    expect(b.ApiVersion).toBe("1.41");
    const [infoA, infoB] = await Promise.all([hostA.info(), hostB.info()]);
    expect(infoA.DockerRootDir).not.toBe(infoB.DockerRootDir);
  });

  it("carries traffic from host B to hello-app on host A through a published socat relay", async () => {
    const network = await hostA.createNetwork({ Name: "smoke-net", Labels: { [testLabel]: "1" } });
    const app = await hostA.createContainer({
      Image: "hello-app:latest",
      name: "smoke-app",
      Labels: { [testLabel]: "1" },
      HostConfig: { NetworkMode: network.id },
    });
    await app.start();
    const relay = await hostA.createContainer({
      Image: "ambassador-lab/toolbox:latest",
      name: "smoke-relay",
      Cmd: ["socat", "TCP-LISTEN:5000,fork,reuseaddr", "TCP:smoke-app:5000"],
      Labels: { [testLabel]: "1" },
      ExposedPorts: { "5000/tcp": {} },
      HostConfig: { NetworkMode: network.id, PortBindings: { "5000/tcp": [{ HostPort: "" }] } },
    });
    await relay.start();
    const published = (await relay.inspect()).NetworkSettings.Ports["5000/tcp"]?.[0]?.HostPort;
    expect(published).toMatch(/^\d+$/);

    const body = await runToCompletion(hostB, "ambassador-lab/toolbox:latest", [
      "timeout",
      "10",
      "wget",
      "-q",
      "-O",
      "-",
      `http://${lab().clustera.ip}:${published}/`,
    ]);
    expect(body).toContain("Hello World!");
  });

  it("refuses a client without a client certificate", async () => {
    const endpoint = await labEndpoint(lab().clustera);
    const anonymous = createDockerClient({
      host: endpoint.host,
      tls: { ca: endpoint.tls?.ca ?? "", cert: "", key: "" },
    });
    await expect(anonymous.version()).rejects.toThrow();
  });

  it("refuses a client certificate signed by another host's CA", async () => {
    const a = await labEndpoint(lab().clustera);
    const b = await labEndpoint(lab().clusterb);
    const stranger = createDockerClient({
      host: a.host,
      tls: { ca: a.tls?.ca ?? "", cert: b.tls?.cert ?? "", key: b.tls?.key ?? "" },
    });
    await expect(stranger.version()).rejects.toThrow();
  });
});
