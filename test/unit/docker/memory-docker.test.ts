import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { DockerCallError } from "../../../src/docker/docker-host.js";
import { UserError } from "../../../src/errors.js";
import { dockerHostContract } from "../../support/docker-host-contract.js";
import { MemoryClusterDirectory, MemoryDockerHost, memoryLab } from "../../support/memory-docker.js";

dockerHostContract("MemoryDockerHost", async () => ({
  host: new MemoryDockerHost({ name: "clustera", advertise: "10.0.0.12" }),
  cleanup: async () => undefined,
}));

async function rejection(call: Promise<unknown>): Promise<DockerCallError> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DockerCallError);
  return error as DockerCallError;
}

describe("MemoryDockerHost faults", () => {
  it("refuses every call while down, as a host nothing listens on, until it is up again", async () => {
    const { a, clusters } = memoryLab();
    a.down();
    const error = await rejection(a.inspectContainer("app"));
    expect(error).toMatchObject({
      cluster: "clustera",
      action: "inspect container",
      context: { container: "app" },
      reason: "connect ECONNREFUSED 10.0.0.12:2376",
      statusCode: undefined,
      unreachable: true,
    });
    expect(error.message).toBe(
      "clustera: inspect container (container app): connect ECONNREFUSED 10.0.0.12:2376",
    );
    await expect(a.ping()).rejects.toThrow("nothing listens at tcp://10.0.0.12:2376 (connection refused)");
    expect(await clusters.probe()).toEqual([
      {
        name: "clustera",
        ok: false,
        error: "nothing listens at tcp://10.0.0.12:2376 (connection refused)",
      },
      { name: "clusterb", ok: true, version: "20.10.24", rttMs: 0.1 },
    ]);
    a.up();
    expect((await a.inspectContainer("app"))?.State.Running).toBe(true);
  });

  it("lets a hung call run to its deadline, or until its signal aborts it, and logs how each ended", async () => {
    const host = new MemoryDockerHost({ name: "clustera", advertise: "10.0.0.12", callMs: 100 });
    host.hang();
    const timedOut = await rejection(host.listContainers());
    expect(timedOut).toMatchObject({
      reason: "no answer within 0.1 s to list containers",
      unreachable: true,
    });

    const controller = new AbortController();
    const pending = rejection(
      host.startContainer("x", "amb", { signal: controller.signal, timeoutMs: 10_000 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    expect(await pending).toMatchObject({ reason: "cancelled", unreachable: true });

    expect(host.calls).toEqual([
      { action: "list containers", ref: "", context: {}, outcome: "timed out" },
      { action: "start container", ref: "amb", context: { container: "amb" }, outcome: "cancelled" },
    ]);
    await expect(host.ping({ timeoutMs: 250 })).rejects.toThrow(
      new UserError(
        "timeout",
        "tcp://10.0.0.12:2376 did not answer within 0.3 s",
        "the Docker API of clustera did not answer within 0.3 s",
      ),
    );
  });

  it("fails the next call of an action as asked, then answers again", async () => {
    const { a } = memoryLab();
    const taken = "Bind for 0.0.0.0:5000 failed: port is already allocated";
    a.failOn("start container", { reason: taken });
    a.failOn("inspect container");
    a.failOn("remove container", { statusCode: undefined, reason: "socket hang up" });

    const id = await a.createContainer({ Image: "hello-app", name: "web" });
    expect(await rejection(a.startContainer(id, "web"))).toMatchObject({ statusCode: 500, reason: taken });
    await a.startContainer(id, "web");
    expect(await rejection(a.inspectContainer("web"))).toMatchObject({
      statusCode: 500,
      reason: "injected failure of inspect container",
    });
    expect((await a.inspectContainer("web"))?.State.Running).toBe(true);
    expect(await rejection(a.removeContainer(id, "web"))).toMatchObject({
      unreachable: true,
      reason: "socket hang up",
    });
    expect(await a.removeContainer(id, "web")).toBe(true);
    expect(a.calls.map((call) => `${call.action} ${call.outcome}`)).toEqual([
      "create container ok",
      "start container failed",
      "start container ok",
      "inspect container failed",
      "inspect container ok",
      "remove container failed",
      "remove container ok",
    ]);
  });

  it("lets containers stop, get killed or vanish outside the bot", async () => {
    const { a } = memoryLab();
    a.stop("app");
    const stopped = await a.inspectContainer("app");
    expect(stopped?.State).toMatchObject({ Running: false, Status: "exited", ExitCode: 137 });
    expect(stopped?.NetworkSettings.Ports).toEqual({});
    const [listed] = await a.listContainers();
    expect(listed).toMatchObject({
      State: "exited",
      Status: expect.stringMatching(/^Exited \(137\) /),
      Ports: [],
    });

    a.removeExternally("app");
    expect(await a.inspectContainer("app")).toBeUndefined();

    const id = a.run({ Image: "hello-app", name: "app" });
    a.kill(id.slice(0, 12));
    expect((await a.inspectContainer("app"))?.State).toMatchObject({ Running: false, ExitCode: 137 });
    expect(a.calls.map((call) => call.action)).toEqual([
      "inspect container",
      "list containers",
      "inspect container",
      "inspect container",
    ]);
  });
});

describe("MemoryDockerHost as Docker Engine 20.10", () => {
  it("picks host ports from 32768 up, skipping those taken, and frees them with the container", async () => {
    const host = new MemoryDockerHost({ name: "clustera", advertise: "10.0.0.12" });
    const publish = (name: string, hostPort: string) =>
      host.run({
        Image: "hello-app",
        name,
        HostConfig: { PortBindings: { "5000/tcp": [{ HostPort: hostPort }] } },
      });
    const port = async (id: string) =>
      (await host.inspectContainer(id))?.NetworkSettings.Ports["5000/tcp"]?.map((b) => b.HostPort);
    const fixed = publish("fixed", "32769");
    const first = publish("first", "");
    const second = publish("second", "");
    expect(await port(fixed)).toEqual(["32769"]);
    expect(await port(first)).toEqual(["32768"]);
    expect(await port(second)).toEqual(["32770"]);
    host.removeExternally("first");
    expect(await port(publish("third", ""))).toEqual(["32768"]);
  });

  it("keeps a stopped container's networks but drops its endpoints, so the network can go", async () => {
    const host = new MemoryDockerHost({ name: "clustera", advertise: "10.0.0.12" });
    const networkId = await host.createNetwork("links", {});
    const id = host.run({ Image: "hello-app", name: "app", HostConfig: { NetworkMode: "links" } });
    const running = await host.inspectContainer(id);
    expect(running?.NetworkSettings.Networks.links).toMatchObject({
      NetworkID: networkId,
      IPAddress: "172.20.0.2",
      Aliases: [id.slice(0, 12)],
    });
    expect((await host.inspectNetwork("links"))?.Containers?.[id]).toMatchObject({
      Name: "app",
      IPv4Address: "172.20.0.2/16",
    });
    host.stop("app");
    expect((await host.inspectContainer(id))?.NetworkSettings.Networks.links?.IPAddress).toBe("");
    expect((await host.inspectNetwork("links"))?.Containers).toEqual({});
    expect(await host.removeNetwork(networkId, "links")).toBe(true);
    expect(await rejection(host.startContainer(id, "app"))).toMatchObject({ statusCode: 404 });
  });

  it("refuses network-scoped aliases on the default bridge with 400", async () => {
    const { a } = memoryLab();
    expect(await rejection(a.connectNetwork("bridge", "app", ["web"]))).toMatchObject({
      statusCode: 400,
      reason: "network-scoped alias is supported only for containers in user defined networks",
    });
  });

  it("answers 304 to starting a running container", async () => {
    const { a } = memoryLab();
    expect(await rejection(a.startContainer("app", "app"))).toMatchObject({ statusCode: 304 });
  });

  it("cannot pull without a registry unless the image is pullable", async () => {
    const { a } = memoryLab();
    expect(await rejection(a.pullImage("redis"))).toMatchObject({
      statusCode: 500,
      action: "pull image",
      reason: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host',
    });
    a.defineImage("redis", "plain", { exposedPorts: ["6379/tcp"], present: false, pullable: true });
    expect(await a.inspectImage("redis:latest")).toBeUndefined();
    await a.pullImage("redis");
    expect(await a.inspectImage("redis")).toBeDefined();
  });
});

describe("ambassador images on a MemoryDockerHost", () => {
  const route = "HELLOAPP_PORT_5000_TCP=tcp://10.0.0.12:32768";
  const ambassador = (mode: string, hostConfig: Docker.HostConfig = {}): Docker.ContainerCreateOptions => ({
    Image: "ambassador-bot/ambassador:latest",
    name: `amb-${mode}`,
    Env: [route, `AMBASSADOR_MODE=${mode}`],
    ExposedPorts: { "5000/tcp": {} },
    HostConfig: { RestartPolicy: { Name: "unless-stopped" }, ...hostConfig },
  });

  it("says its mode, its routes and that it is ready", async () => {
    const { a } = memoryLab();
    const relay = a.run(ambassador("relay"));
    expect(await a.containerLogs(relay, "amb-relay")).toBe(
      "ambassador: mode relay\nambassador: :5000 -> 10.0.0.12:32768\nambassador: ready\n",
    );
    const kernel = a.run(ambassador("kernel", { CapAdd: ["NET_ADMIN"] }));
    expect(await a.containerLogs(kernel, "amb-kernel")).toMatch(/^ambassador: mode kernel\n/);
    const auto = a.run(ambassador("auto"));
    expect(await a.containerLogs(auto, "amb-auto")).toMatch(/^ambassador: mode relay\n/);
  });

  it("cannot run kernel mode where NET_ADMIN is refused: it exits, and its restart policy restarts it", async () => {
    const { a } = memoryLab();
    a.refuseKernel = true;
    const id = a.run(ambassador("kernel", { CapAdd: ["NET_ADMIN"] }));
    const info = await a.inspectContainer(id);
    expect(info?.State).toMatchObject({ Running: true, Restarting: true, Status: "restarting", ExitCode: 3 });
    expect(info?.RestartCount).toBe(1);
    expect((await a.containerLogs(id, "amb-kernel")).trim().split("\n").at(-1)).toBe(
      "ambassador: kernel mode needs NET_ADMIN and net.ipv4.ip_forward=1",
    );

    const once = a.run({ ...ambassador("kernel"), name: "amb-once", HostConfig: {} });
    expect((await a.inspectContainer(once))?.State).toMatchObject({
      Running: false,
      Status: "exited",
      ExitCode: 3,
    });
  });

  it("runs foreign ambassadors and apps without a word", async () => {
    const { a } = memoryLab();
    const foreign = a.run({ Image: "svendowideit/ambassador", name: "foreign", Env: [route] });
    expect((await a.inspectContainer(foreign))?.State.Running).toBe(true);
    expect(await a.containerLogs(foreign, "foreign")).toBe("");
    expect(await a.containerLogs("app", "app")).toBe("");
  });
});

describe("MemoryClusterDirectory and memoryLab", () => {
  it("runs hello-app as app on clustera only, exposing 5000/tcp", async () => {
    const { a, b } = memoryLab();
    const app = await a.inspectContainer("app");
    expect(app?.State.Running).toBe(true);
    expect(app?.Config).toMatchObject({ Image: "hello-app", ExposedPorts: { "5000/tcp": {} } });
    expect(await b.inspectContainer("app")).toBeUndefined();
  });

  it("lists the clusters, sets their channels and hands out their hosts", () => {
    const { clusters, a } = memoryLab();
    clusters.setChannels("clustera", ["C1"]);
    expect(clusters.list()).toEqual([
      { name: "clustera", host: "tcp://10.0.0.12:2376", tls: true, advertise: "10.0.0.12", channels: ["C1"] },
      { name: "clusterb", host: "tcp://10.0.0.13:2376", tls: true, advertise: "10.0.0.13", channels: [] },
    ]);
    expect(clusters.host("clustera")).toBe(a);
  });

  it("names no cluster when asked for an unknown one, as the store's directory does", () => {
    const { clusters } = memoryLab();
    const unknown = (directory: MemoryClusterDirectory, name: string) => {
      try {
        directory.host(name);
      } catch (error) {
        return error;
      }
    };
    expect(unknown(clusters, "clusterc")).toEqual(
      new UserError("unknown-cluster", 'no cluster named "clusterc"; `clusters` lists the ones you may use'),
    );
    expect(unknown(new MemoryClusterDirectory(), "x")).toMatchObject({
      code: "unknown-cluster",
      message: 'no cluster named "x"; none is registered yet (ambassador clusters add)',
    });
  });
});
