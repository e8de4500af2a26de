import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createDockerClient } from "../src/docker/docker-client.js";
import { DockerodeHost } from "../src/docker/dockerode-host.js";

/** A plain HTTP server on loopback, reachable as `tcp://127.0.0.1:PORT`; stops with `await using`. */
export interface LoopbackServer extends AsyncDisposable {
  url: string;
  requests: string[];
}

export async function startLoopbackServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<LoopbackServer> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    requests,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers GET /version the way a Docker Engine 20.10 does, and 404 to everything else. */
export function engineLikeHandler(request: IncomingMessage, response: ServerResponse): void {
  if (request.url?.endsWith("/version")) {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ Version: "20.10.24", ApiVersion: "1.41", Os: "linux" }));
    return;
  }
  response.statusCode = 404;
  response.end('{"message":"page not found"}');
}

/** The bot's view of an engine at `url` (a loopback server), named `name`, each call given `callMs`. */
export function loopbackDockerHost(url: string, name = "clustera", callMs = 5_000): DockerodeHost {
  const docker = createDockerClient({ host: url }, { timeoutMs: 60_000 });
  return new DockerodeHost(docker, { name, advertise: "127.0.0.1", url, callMs, pullMs: callMs });
}
