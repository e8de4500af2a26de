import type Docker from "dockerode";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { PortBindings } from "../docker/docker-host.js";
import { type LinkRecord, linkClusters } from "../domain/link.js";
import { mapBounded } from "./map-bounded.js";
import { mappingsOf } from "./mappings.js";
import { type ReadOptions, readDeadline } from "./read-deadline.js";
import type { LinkView, LiveState, PortMapping } from "./types.js";

const runningStates = new Set(["running", "paused", "restarting"]);

/** A listed container's published ports, as `docker port` shows them. */
function listedMappings(cluster: string, advertise: string, c: Docker.ContainerInfo): PortMapping[] {
  const bindings: PortBindings = {};
  for (const port of c.Ports) {
    if (!port.PublicPort) continue;
    const key = `${port.PrivatePort}/${port.Type}`;
    bindings[key] = [...(bindings[key] ?? []), { HostIp: port.IP ?? "", HostPort: String(port.PublicPort) }];
  }
  return mappingsOf(cluster, c.Names[0]?.replace(/^\//, "") ?? c.Id, advertise, bindings);
}

/** The state and published ports of every container on a host, found by ID, ID prefix or name, from one listing. */
function containerStates(cluster: string, advertise: string, containers: readonly Docker.ContainerInfo[]) {
  const byKey = new Map<string, Docker.ContainerInfo>();
  for (const c of containers) {
    byKey.set(c.Id, c);
    for (const name of c.Names) byKey.set(name.replace(/^\//, ""), c);
  }
  return (ref: string): { state: Exclude<LiveState, "unreachable">; mappings: PortMapping[] } => {
    let found = byKey.get(ref);
    if (found === undefined && /^[0-9a-f]{6,63}$/.test(ref)) {
      found = containers.find((c) => c.Id.startsWith(ref));
    }
    if (found === undefined) return { state: "missing", mappings: [] };
    return {
      state: runningStates.has(found.State) ? "running" : "stopped",
      mappings: listedMappings(cluster, advertise, found),
    };
  };
}

type Seen = { state: LiveState; mappings: PortMapping[] };

function viewOf(link: LinkRecord, seenOn: (cluster: string, ref: string) => Seen): LinkView {
  const containers = [
    { cluster: link.sourceCluster, role: "container", name: link.container, ref: link.container },
    ...link.resources
      .filter((r) => r.kind === "container")
      .map((r) => ({ cluster: r.cluster, role: r.role as string, name: r.name, ref: r.id })),
  ].map(({ ref, ...c }) => {
    const seen = seenOn(c.cluster, ref);
    // A consumer's URLs and the source ambassador's published ports: what each target is reached at.
    const shown = c.role === "web" || c.role === "source" ? seen.mappings : [];
    return { ...c, state: seen.state, ...(shown.length ? { mappings: shown } : {}) };
  });
  const bad = containers.some((c) => c.state === "missing" || c.state === "stopped");
  const status =
    link.status === "partial" ? "partial" : bad || link.status === "broken" ? "broken" : "active";
  return { link, status, containers, health: link.health };
}

/** The links with the live state of their containers: one listing per cluster, clusters at once. */
export async function readList(
  clusters: ClusterDirectory,
  options: ReadOptions,
  links: readonly LinkRecord[],
): Promise<LinkView[]> {
  const names = [...new Set(links.flatMap(linkClusters))];
  const listings = new Map<string, ReturnType<typeof containerStates>>();
  const left = readDeadline(options.deadlineMs);
  await mapBounded(names, options.concurrency, async (cluster) => {
    try {
      const containers = await clusters.host(cluster).listContainers([], { timeoutMs: left() });
      listings.set(cluster, containerStates(cluster, clusters.host(cluster).advertise, containers));
    } catch {
      // Shown as unreachable.
    }
  });
  const unreachable: Seen = { state: "unreachable", mappings: [] };
  return links.map((link) => viewOf(link, (cluster, ref) => listings.get(cluster)?.(ref) ?? unreachable));
}
