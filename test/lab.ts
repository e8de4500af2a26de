import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type Docker from "dockerode";
import { inject } from "vitest";
import { createDockerClient, type DockerEndpoint } from "../src/docker/docker-client.js";
import { demuxLogs } from "../src/docker/dockerode-host.js";

export interface LabHost {
  name: "clustera" | "clusterb" | "clusterc";
  ip: string;
  envFile: string;
  socket: string;
  netns: string;
  pidfile: string;
}

/** The three Docker Engines the integration tests run against. */
export interface LabInfo {
  id: string;
  dir: string;
  bridgeIp: string;
  clustera: LabHost;
  clusterb: LabHost;
  clusterc: LabHost;
}

declare module "vitest" {
  export interface ProvidedContext {
    lab: LabInfo;
  }
}

export const testLabel = "ambassador.test";

export function lab(): LabInfo {
  return inject("lab");
}

export async function labEndpoint(host: LabHost): Promise<DockerEndpoint> {
  const certs = dirname(host.envFile);
  const read = (file: string) => readFile(join(certs, file), "utf8");
  return {
    host: `tcp://${host.ip}:2376`,
    tls: { ca: await read("ca.pem"), cert: await read("cert.pem"), key: await read("key.pem") },
  };
}

/** A dockerode client for a lab host, over TLS with the host's client certificate. */
export async function labDocker(host: LabHost): Promise<Docker> {
  return createDockerClient(await labEndpoint(host), { timeoutMs: 30_000 });
}

/** Removes every container and network a test made (by the test label) on both lab hosts. */
export async function removeTestObjects(...clients: Docker[]): Promise<void> {
  for (const docker of clients) {
    const filters = JSON.stringify({ label: [testLabel] });
    for (const info of await docker.listContainers({ all: true, filters })) {
      await docker.getContainer(info.Id).remove({ force: true });
    }
    for (const info of await docker.listNetworks({ filters })) {
      await docker.getNetwork(info.Id).remove();
    }
  }
}

/** Runs a command in a throwaway container and returns its output once it exits. */
export async function runToCompletion(
  docker: Docker,
  image: string,
  cmd: string[],
  timeoutMs = 20_000,
): Promise<string> {
  const container = await docker.createContainer({ Image: image, Cmd: cmd, Labels: { [testLabel]: "1" } });
  try {
    await container.start();
    const deadline = AbortSignal.timeout(timeoutMs);
    await container.wait({ abortSignal: deadline });
    const logs = await container.logs({ stdout: true, stderr: true });
    return demuxLogs(logs);
  } finally {
    await container.remove({ force: true });
  }
}
