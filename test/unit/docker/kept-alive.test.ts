import type { Socket } from "node:net";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createDockerClient } from "../../../src/docker/docker-client.js";
import { DockerCallError } from "../../../src/docker/docker-host.js";
import type { DockerodeHost } from "../../../src/docker/dockerode-host.js";
import { loopbackDockerHost, startLoopbackServer } from "../../loopback-server.js";

/** An engine that answers on a kept-alive connection once, then drops that connection as the next request arrives. */
async function engineDroppingItsConnection() {
  const seen = new WeakSet<object>();
  return startLoopbackServer((request, response) => {
    const socket = request.socket;
    if (seen.has(socket)) {
      socket.destroy();
      return;
    }
    seen.add(socket);
    response.setHeader("content-type", "application/json");
    response.end(request.method === "GET" ? "[]" : '{"Id":"abc"}');
  });
}

const hostAt = (url: string) => loopbackDockerHost(url);

describe("a connection the engine closes while it is kept alive", () => {
  it("costs a read nothing: it is asked again on a new connection", async () => {
    await using engine = await engineDroppingItsConnection();
    const host = hostAt(engine.url);
    expect(await host.listContainers()).toEqual([]);
    expect(await host.listContainers()).toEqual([]);
    expect(engine.requests.filter((r) => r.startsWith("GET /v1.41/containers/json"))).toHaveLength(3);
  });

  it("fails a change with a line naming the host, the call and that the connection closed, and never sends it twice", async () => {
    await using engine = await engineDroppingItsConnection();
    const host = hostAt(engine.url);
    await host.listContainers();
    const failed = await host.createContainer({ name: "web", Image: "hello-web" }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DockerCallError);
    expect((failed as DockerCallError).unreachable).toBe(true);
    expect((failed as Error).message).toBe(
      "clustera: create container (container web, image hello-web): the connection closed before Docker answered; it may or may not have been done: check before trying again",
    );
    expect(engine.requests.filter((r) => r.startsWith("POST"))).toHaveLength(1);
  });
});

describe("a client's pool of kept-alive connections", () => {
  it("formats as one short line with connections open, since docker-modem formats it for every request", async () => {
    await using engine = await startLoopbackServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end("[]");
    });
    const docker = createDockerClient({ host: engine.url }, { timeoutMs: 5_000 });
    await Promise.all(Array.from({ length: 10 }, () => docker.listContainers()));
    const pool = (docker.modem as unknown as { agent: object }).agent;
    expect(inspect({ agent: pool }, { showHidden: true, depth: null })).toBe(
      `{ agent: [Docker connections to ${new URL(engine.url).host}] }`,
    );
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An engine whose logs say "ready" and go on streaming; it counts the connections it was opened. */
async function streamingEngine() {
  const connections = new Set<Socket>();
  const server = await startLoopbackServer((request, response) => {
    connections.add(request.socket);
    if (request.url?.includes("/logs")) {
      response.setHeader("content-type", "application/vnd.docker.raw-stream");
      const line = Buffer.from("ready\n");
      response.write(Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, line.length]), line]));
      return;
    }
    response.setHeader("content-type", "application/json");
    response.end(request.url?.startsWith("/_ping") ? "OK" : "[]");
  });
  return Object.assign(server, { connections });
}

const burst = (host: DockerodeHost) => Promise.all([1, 2, 3].map(() => host.listContainers()));

describe("a host's kept-alive connections", () => {
  it("are opened again once streams took some, so the next burst of calls opens none", async () => {
    await using engine = await streamingEngine();
    const host = hostAt(engine.url);
    await burst(host);
    expect(engine.connections.size).toBe(3);
    // Two readiness waits, each on a connection of the pool that it closes once it read enough.
    const ready = (text: string) => text.includes("ready");
    await Promise.all([host.followLogs("a", "a", ready), host.followLogs("b", "b", ready)]);
    await sleep(1_300);
    const opened = engine.connections.size;
    expect(opened).toBe(5);
    await burst(host);
    expect(engine.connections.size).toBe(opened);
  });
});
