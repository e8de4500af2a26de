import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bindingsOf, DockerCallError, type DockerHost, listedName } from "../../src/docker/docker-host.js";
import { tlsArchive } from "../../src/engine/tls-files.js";
import { testAuthority } from "./memory-links.js";

const image = "hello-app:latest";
const testLabel = "io.ambassador.test";
const portTaken = /port is already allocated|address already in use/i;

/** Runs what the link engine relies on from a DockerHost against the host `setup` gives, real or in memory. */
export function dockerHostContract(
  name: string,
  setup: () => Promise<{ host: DockerHost; cleanup(): Promise<void> }>,
): void {
  describe(`DockerHost contract: ${name}`, () => {
    const run = randomBytes(4).toString("hex");
    const mine = `${testLabel}=${run}`;
    let host: DockerHost;
    let cleanup: () => Promise<void> = async () => undefined;
    let serial = 0;

    const unique = (what: string) => `contract-${what}-${run}-${++serial}`;
    const labels = (extra: Record<string, string> = {}) => ({ [testLabel]: run, ...extra });

    const create = async (spec: Docker.ContainerCreateOptions = {}) => {
      const containerName = spec.name ?? unique("c");
      const id = await host.createContainer({ Image: image, Labels: labels(), ...spec, name: containerName });
      return { id, name: containerName };
    };

    const started = async (spec: Docker.ContainerCreateOptions = {}) => {
      const container = await create(spec);
      await host.startContainer(container.id, container.name);
      return container;
    };

    const failure = async (call: Promise<unknown>): Promise<DockerCallError> => {
      const error = await call.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(DockerCallError);
      return error as DockerCallError;
    };

    const publishedPort = async (id: string, port = "5000/tcp") => {
      const info = await host.inspectContainer(id);
      const binding = bindingsOf(info?.NetworkSettings.Ports).find(
        (row) => `${row.containerPort}/${row.protocol}` === port && row.hostIp === "0.0.0.0",
      );
      return binding?.hostPort;
    };

    const removeMine = async () => {
      for (const container of await host.listContainers([mine])) {
        await host.removeContainer(container.Id, container.Names[0] ?? container.Id);
      }
      for (const network of await host.listNetworks([mine])) {
        await host.removeNetwork(network.Id, network.Name);
      }
    };

    beforeAll(async () => {
      ({ host, cleanup } = await setup());
    });

    afterEach(removeMine);

    afterAll(async () => {
      if (host) await removeMine();
      await cleanup();
    });

    it("answers a ping as Docker Engine 20.10 on API 1.41", async () => {
      const ping = await host.ping();
      expect(ping.apiVersion).toBe("1.41");
      expect(ping.version).toMatch(/^20\.10\./);
      expect(ping.rttMs).toBeGreaterThanOrEqual(0);
    });

    it("creates a container and finds it by ID, ID prefix and name, created but not running", async () => {
      const { id, name: containerName } = await create({
        Env: ["GREETING=hello"],
        Labels: labels({ role: "a" }),
      });
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      for (const ref of [id, id.slice(0, 12), containerName]) {
        const info = await host.inspectContainer(ref);
        expect(info?.Id, ref).toBe(id);
        expect(info?.Name).toBe(`/${containerName}`);
      }
      const info = await host.inspectContainer(id);
      expect(info?.Config.Labels).toMatchObject({ [testLabel]: run, role: "a" });
      expect(info?.Config.Env).toContain("GREETING=hello");
      expect(info?.Config.ExposedPorts).toHaveProperty(["5000/tcp"]);
      expect(info?.State).toMatchObject({ Running: false, Status: "created", Restarting: false });
      expect(info?.RestartCount).toBe(0);
    });

    it("refuses a name with the leading slash listings give it (301): names go without it", async () => {
      const { name: containerName } = await create();
      const error = await failure(host.inspectContainer(`/${containerName}`));
      expect(error.statusCode).toBe(301);
      expect(error.reason).toBe("(HTTP code 301) unexpected -");
    });

    it("lists containers, stopped ones too, that carry every label asked", async () => {
      const a = await create({ Labels: labels({ role: "a" }) });
      const b = await started({ Labels: labels({ role: "b" }) });
      const ids = async (filters: string[]) => (await host.listContainers(filters)).map((c) => c.Id).sort();
      expect(await ids([mine])).toEqual([a.id, b.id].sort());
      expect(await ids([testLabel, "role=a"])).toContain(a.id);
      expect(await ids([testLabel, "role=a"])).not.toContain(b.id);
      expect(await ids([mine, "role=b"])).toEqual([b.id]);
      expect(await ids([mine, "role=c"])).toEqual([]);
      const [listed] = await host.listContainers([mine, "role=a"]);
      expect(listed).toMatchObject({ Id: a.id, Names: [`/${a.name}`], State: "created" });
      expect(listed?.Labels).toMatchObject({ [testLabel]: run, role: "a" });
    });

    it("starts a container and publishes a port Docker picks", async () => {
      const { id } = await started({
        ExposedPorts: { "5000/tcp": {} },
        HostConfig: { PortBindings: { "5000/tcp": [{ HostPort: "" }] } },
      });
      const info = await host.inspectContainer(id);
      expect(info?.State).toMatchObject({ Running: true, Status: "running", Restarting: false });
      const port = await publishedPort(id);
      expect(port).toBeGreaterThan(0);
      const [listed] = await host.listContainers([mine]);
      expect(listed?.State).toBe("running");
      expect(listed?.Ports.filter((p) => p.IP === "0.0.0.0")).toEqual([
        { IP: "0.0.0.0", PrivatePort: 5000, PublicPort: port, Type: "tcp" },
      ]);
    });

    it("publishes every exposed port of the image with PublishAllPorts", async () => {
      const { id } = await started({ HostConfig: { PublishAllPorts: true } });
      expect(await publishedPort(id)).toBeGreaterThan(0);
    });

    it("refuses a fixed host port that is taken with 'port is already allocated', and frees it on removal", async () => {
      const first = await started({ HostConfig: { PortBindings: { "5000/tcp": [{ HostPort: "" }] } } });
      const port = String(await publishedPort(first.id));
      const second = await create({ HostConfig: { PortBindings: { "5000/tcp": [{ HostPort: port }] } } });
      const error = await failure(host.startContainer(second.id, second.name));
      expect(error.statusCode).toBe(500);
      expect(error.reason).toMatch(portTaken);
      expect((await host.inspectContainer(second.id))?.State.Running).toBe(false);

      expect(await host.removeContainer(first.id, first.name)).toBe(true);
      await host.startContainer(second.id, second.name);
      expect(String(await publishedPort(second.id))).toBe(port);
    });

    it("refuses a second container under a taken name with 409 Conflict", async () => {
      const first = await create();
      const error = await failure(host.createContainer({ Image: image, name: first.name, Labels: labels() }));
      expect(error.statusCode).toBe(409);
      expect(error.reason).toContain(
        `Conflict. The container name "/${first.name}" is already in use by container "${first.id}"`,
      );
      expect(error.cluster).toBe(host.name);
      expect(error.action).toBe("create container");
      expect(error.context).toEqual({ container: first.name, image });
    });

    it("renames a container, and refuses a name another container has with 409 Conflict", async () => {
      const first = await create();
      const second = await create();
      const error = await failure(host.renameContainer(second.id, second.name, first.name));
      expect(error.statusCode).toBe(409);
      expect(error.reason).toContain(`The container name "/${first.name}" is already in use`);
      expect(error.action).toBe("rename container");
      const renamed = unique("renamed");
      await host.renameContainer(second.id, second.name, renamed);
      expect((await host.inspectContainer(renamed))?.Id).toBe(second.id);
    });

    it("lists a container a legacy link names under the linker's alias too, sorted; listedName is its own name", async () => {
      const linked = await started();
      const linker = await create({ HostConfig: { Links: [`${linked.name}:db`] } });
      // Renamed to sort after the alias, as a `docker rename` may.
      const renamed = `${linker.name}z`;
      await host.renameContainer(linked.id, linked.name, renamed);
      const [listed] = (await host.listContainers([mine])).filter((c) => c.Id === linked.id);
      expect(listed?.Names).toEqual([`/${linker.name}/db`, `/${renamed}`]);
      expect(listedName(listed as Docker.ContainerInfo)).toBe(renamed);
    });

    it("refuses an image that is not there with 404", async () => {
      const missing = unique("no-such-image");
      const error = await failure(
        host.createContainer({ Image: missing, name: unique("c"), Labels: labels() }),
      );
      expect(error.statusCode).toBe(404);
      expect(error.reason).toMatch(new RegExp(`^No such image: ${missing}`));
    });

    it("removes a running container, then says false when it is gone", async () => {
      const { id, name: containerName } = await started();
      expect(await host.removeContainer(id, containerName)).toBe(true);
      expect(await host.removeContainer(id, containerName)).toBe(false);
      expect(await host.inspectContainer(id)).toBeUndefined();
      expect(await host.listContainers([mine])).toEqual([]);
    });

    it("inspects a missing container as undefined", async () => {
      expect(await host.inspectContainer(unique("missing"))).toBeUndefined();
    });

    it("reads the logs of a container as text", async () => {
      const { id, name: containerName } = await started();
      expect(typeof (await host.containerLogs(id, containerName))).toBe("string");
    });

    it("follows an ambassador's output until it says it forwards", async () => {
      const { id, name: containerName } = await started({
        Image: "ambassador-bot/ambassador:latest",
        Env: ["AMBASSADOR_MODE=relay", "HELLO_PORT_5000_TCP=tcp://127.0.0.1:5000"],
      });
      const followed = await host.followLogs(id, containerName, (text) => /^ambassador: ready$/m.test(text));
      expect(followed.ended).toBe(false);
      expect(followed.text).toMatch(/^ambassador: mode relay$/m);
    });

    it("gives a container made with OpenStdin what is written on its input before it starts", async () => {
      const credentials = await testAuthority().issue(`c${run}`, ["peer"]);
      const { id, name: containerName } = await create({
        Image: "ambassador-bot/ambassador:latest",
        OpenStdin: true,
        StdinOnce: true,
        Env: [
          "AMBASSADOR_MODE=tls",
          "AMBASSADOR_TLS_ROLE=server",
          "AMBASSADOR_TLS_PEER=peer",
          "AMBASSADOR_TLS_FILES=stdin",
          "AMBASSADOR_TLS_WAIT=5",
          "HELLO_PORT_5000_TCP=tcp://127.0.0.1:5000",
        ],
      });
      await host.writeStdin(id, containerName, await tlsArchive(credentials.ca, credentials.source));
      await host.startContainer(id, containerName);
      const followed = await host.followLogs(id, containerName, (text) => /^ambassador: ready$/m.test(text), {
        timeoutMs: 10_000,
      });
      expect(followed.ended).toBe(false);
      expect(followed.text).toMatch(/^ambassador: ready$/m);
    });

    it("ends a follow when the container stops, with all it said", async () => {
      const { id, name: containerName } = await started({ Image: "ambassador-bot/ambassador:latest" });
      const followed = await host.followLogs(id, containerName, () => false, { timeoutMs: 10_000 });
      expect(followed).toEqual({ ended: true, text: expect.stringMatching(/no <NAME>_PORT_<p>_TCP/) });
    });

    it("creates a network, connects containers with aliases, disconnects and removes it", async () => {
      const networkName = unique("net");
      const networkId = await host.createNetwork(networkName, labels({ role: "net" }));
      expect(networkId).toMatch(/^[0-9a-f]{64}$/);
      const duplicate = await failure(host.createNetwork(networkName, labels()));
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.reason).toMatch(/already exists/);
      expect((await host.listNetworks([mine, "role=net"])).map((n) => n.Name)).toEqual([networkName]);

      const inside = await started({
        HostConfig: { NetworkMode: networkName },
        NetworkingConfig: { EndpointsConfig: { [networkName]: { Aliases: ["alias-a"] } } },
      });
      const outside = await started();
      await host.connectNetwork(networkName, outside.id, ["alias-b"]);

      const network = await host.inspectNetwork(networkName);
      expect(network).toMatchObject({ Id: networkId, Name: networkName, Labels: labels({ role: "net" }) });
      expect(Object.keys(network?.Containers ?? {}).sort()).toEqual([inside.id, outside.id].sort());
      expect((await host.inspectNetwork(networkId))?.Name).toBe(networkName);
      const aliases = async (id: string) =>
        (await host.inspectContainer(id))?.NetworkSettings.Networks[networkName]?.Aliases;
      expect(await aliases(inside.id)).toContain("alias-a");
      expect(await aliases(outside.id)).toContain("alias-b");

      const again = await failure(host.connectNetwork(networkName, outside.id, ["alias-b"]));
      expect(again.statusCode).toBe(403);
      expect(again.reason).toMatch(/already exists in network/);

      expect(await host.disconnectNetwork(networkName, outside.id)).toBe(true);
      expect(Object.keys((await host.inspectNetwork(networkName))?.Containers ?? {})).toEqual([inside.id]);
      expect(Object.keys((await host.inspectContainer(outside.id))?.NetworkSettings.Networks ?? {})).toEqual([
        "bridge",
      ]);

      const busy = await failure(host.removeNetwork(networkId, networkName));
      expect(busy.statusCode).toBe(403);
      expect(busy.reason).toMatch(/has active endpoints/);

      expect(await host.removeContainer(inside.id, inside.name)).toBe(true);
      expect(await host.removeNetwork(networkId, networkName)).toBe(true);
      expect(await host.removeNetwork(networkId, networkName)).toBe(false);
      expect(await host.inspectNetwork(networkName)).toBeUndefined();
    });

    it("says false when disconnecting a container that is not connected", async () => {
      const networkName = unique("net");
      await host.createNetwork(networkName, labels());
      const { id } = await started();
      expect(await host.disconnectNetwork(networkName, id)).toBe(false);
    });

    it("says false when disconnecting a container that is gone", async () => {
      const networkName = unique("net");
      await host.createNetwork(networkName, labels());
      expect(await host.disconnectNetwork(networkName, unique("gone"))).toBe(false);
    });

    it("says false when disconnecting from a network that is gone", async () => {
      const { id } = await started();
      expect(await host.disconnectNetwork(unique("gone"), id)).toBe(false);
    });

    it("refuses connecting a container that is not there with 404, and a running one to no network", async () => {
      const networkName = unique("net");
      await host.createNetwork(networkName, labels());
      expect((await failure(host.connectNetwork(networkName, unique("gone")))).statusCode).toBe(404);
      const { id } = await started();
      expect((await failure(host.connectNetwork(unique("gone"), id))).unreachable).toBe(false);
    });

    it("knows which images it has", async () => {
      expect(await host.inspectImage(image)).toBeDefined();
      expect(await host.inspectImage(image.replace(/:latest$/, ""))).toBeDefined();
      expect(await host.inspectImage(unique("no-such-image"))).toBeUndefined();
    });

    it("gives up at a call's deadline as an unreachable host", async () => {
      // A pull from a registry that cannot be reached takes the Engine seconds, so the deadline always comes first.
      const error = await failure(host.pullImage("registry.invalid/nothing:1", { timeoutMs: 1 }));
      expect(error.unreachable).toBe(true);
      expect(error.reason).toBe("no answer within 0 s to pull image");
      expect(error.action).toBe("pull image");
    });

    it("gives up at once when its signal was already aborted", async () => {
      const error = await failure(host.listContainers([mine], { signal: AbortSignal.abort() }));
      expect(error.unreachable).toBe(true);
      expect(error.reason).toBe("cancelled");
    });
  });
}
