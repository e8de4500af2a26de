import { labelKeys } from "../../src/engine/labels.js";
import { createLinkEngine, type LinkEngineDeps } from "../../src/engine/link-engine.js";
import type { Engine } from "../../src/engine/types.js";
import { type MemoryClusterDirectory, type MemoryDockerHost, memoryLab } from "./memory-docker.js";
import { MemoryLinks, testAuthority } from "./memory-links.js";

export interface MemoryEngineOptions extends Partial<Omit<LinkEngineDeps, "clusters" | "links">> {
  /** How long every Docker call on either host takes (ms); default 0. */
  latencyMs?: number;
  /** Hosts another engine already drives, as a second bot with a store of its own shares them; default new ones. */
  hosts?: Pick<MemoryEngine, "clusters" | "a" | "b">;
}

/** The real link engine over the seed tutorial's two in-memory hosts (hello-app runs as `app` on clustera). */
export interface MemoryEngine {
  engine: Engine;
  clusters: MemoryClusterDirectory;
  links: MemoryLinks;
  a: MemoryDockerHost;
  b: MemoryDockerHost;
}

export function memoryEngine(options: MemoryEngineOptions = {}): MemoryEngine {
  const { latencyMs = 0, deadlines, hosts, ...deps } = options;
  const { clusters, a, b } = hosts ?? memoryLab({ latencyMs });
  const links = new MemoryLinks();
  const engine = createLinkEngine({
    clusters,
    links,
    authority: testAuthority(),
    ...deps,
    deadlines: { handshake: 50, ...deadlines },
  });
  return { engine, clusters, links, a, b };
}

/** The URL a published container port is reached at from outside its host, as `ports` shows it. */
export async function publishedUrl(
  host: MemoryDockerHost,
  container: string,
  port = "5000/tcp",
): Promise<string> {
  const info = await host.inspectContainer(container);
  const hostPort = info?.NetworkSettings.Ports?.[port]?.[0]?.HostPort;
  if (!hostPort) throw new Error(`${container} on ${host.name} publishes no ${port}`);
  return `http://${host.advertise}:${hostPort}`;
}

/** What a killed repair can leave: a container carrying the link's label (as `role`) that its record does not list. */
export function leaveUnrecorded(host: MemoryDockerHost, linkId: string, name: string, role = "target"): void {
  host.run({
    name,
    Image: "hello-app",
    Labels: { [labelKeys.link]: linkId, [labelKeys.role]: role },
  });
}
