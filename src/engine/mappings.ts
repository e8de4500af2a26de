import type Docker from "dockerode";
import { bindingsOf, type DockerHost, type PortBindings } from "../docker/docker-host.js";
import type { LinkRecord } from "../domain/link.js";
import { namespaceOwner } from "./namespace-owner.js";
import type { Connection, PortMapping } from "./types.js";

const wildcard = new Set(["0.0.0.0", "::", ""]);

/** `5000/tcp -> 10.0.0.12:32770`, as `docker port` prints a binding. */
export function formatMapping(mapping: PortMapping): string {
  const host = mapping.hostIp.includes(":") ? `[${mapping.hostIp}]` : mapping.hostIp;
  return `${mapping.containerPort}/${mapping.protocol} -> ${host}:${mapping.hostPort}`;
}

/** One row per binding, with the advertise address for a wildcard; identical rows once. */
export function mappingsOf(
  cluster: string,
  container: string,
  advertise: string,
  ports: PortBindings | undefined,
): PortMapping[] {
  const seen = new Set<string>();
  const rows: PortMapping[] = [];
  for (const binding of bindingsOf(ports)) {
    const hostIp = wildcard.has(binding.hostIp) ? advertise : binding.hostIp;
    const protocol = binding.protocol as PortMapping["protocol"];
    const key = `${binding.containerPort}/${protocol} ${hostIp}:${binding.hostPort}`;
    if (seen.has(key) || !binding.hostPort) continue;
    seen.add(key);
    const host = hostIp.includes(":") ? `[${hostIp}]` : hostIp;
    rows.push({
      cluster,
      container,
      containerPort: binding.containerPort,
      protocol,
      hostIp,
      hostPort: binding.hostPort,
      url: protocol === "tcp" ? `http://${host}:${binding.hostPort}` : undefined,
    });
  }
  return rows;
}

/** The prefix of a link's variables: `helloapp` → `HELLOAPP`. */
export function envName(alias: string): string {
  return alias.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** The environment variables a legacy `--link` gives a consumer, pointing at `alias`. */
export function linkEnvironment(alias: string, ports: number[]): string[] {
  const prefix = envName(alias);
  const env = ports.flatMap((port) => [
    `${prefix}_PORT_${port}_TCP=tcp://${alias}:${port}`,
    `${prefix}_PORT_${port}_TCP_ADDR=${alias}`,
    `${prefix}_PORT_${port}_TCP_PORT=${port}`,
    `${prefix}_PORT_${port}_TCP_PROTO=tcp`,
  ]);
  if (ports[0] !== undefined) env.push(`${prefix}_PORT=tcp://${alias}:${ports[0]}`);
  return env;
}

/** The variables that tell a target ambassador where the source ambassador listens. */
export function targetEnvironment(alias: string, connections: readonly Connection[]): string[] {
  return connections.map((c) => `${envName(alias)}_PORT_${c.port}_TCP=tcp://${c.address}`);
}

/**
 * The source ambassador's mappings as a link's answer shows them: with no URL on an mTLS link, whose port answers
 * only the target's certificate, never a browser.
 */
export function sourceRows(
  mappings: readonly PortMapping[],
  protection: LinkRecord["protection"],
): PortMapping[] {
  return protection === "mtls" ? mappings.map(({ url: _url, ...row }) => row) : [...mappings];
}

/** The URLs of a container's published TCP ports. */
export function urlsOf(mappings: readonly PortMapping[]): string[] {
  return mappings.flatMap((m) => (m.url ? [m.url] : []));
}

/**
 * Where a container's ports are published: its own, or, for one running in another container's network namespace
 * (`container:<id>`), that container's, which publishes them.
 */
export async function portsOf(
  on: DockerHost,
  info: Docker.ContainerInspectInfo | undefined,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<PortBindings | undefined> {
  const owner = namespaceOwner(info?.HostConfig.NetworkMode);
  if (!owner) return info?.NetworkSettings.Ports;
  return (await on.inspectContainer(owner, options))?.NetworkSettings.Ports;
}

/** A container's published ports as `docker port` shows them; none when it is gone. */
export async function publishedPorts(
  on: DockerHost,
  container: { id: string; name: string },
  signal?: AbortSignal,
): Promise<PortMapping[]> {
  const info = await on.inspectContainer(container.id, { signal });
  return mappingsOf(on.name, container.name, on.advertise, await portsOf(on, info, { signal }));
}

/** host:port other hosts use to reach the source ambassador, one per carried port; throws when one is missing. */
export function connectionsOf(
  source: DockerHost,
  ambassador: string,
  ports: readonly number[],
  mappings: readonly PortMapping[],
): Connection[] {
  return ports.map((port) => {
    const mapping = mappings.find((m) => m.containerPort === port && m.protocol === "tcp");
    if (!mapping) throw new Error(`ambassador ${ambassador} publishes no host port for ${port}/tcp`);
    return { port, address: `${source.advertise}:${mapping.hostPort}` };
  });
}
