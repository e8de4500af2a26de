import type Docker from "dockerode";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { LinkRecord } from "../domain/link.js";
import { mapBounded } from "./map-bounded.js";
import { type ReadOptions, readDeadline } from "./read-deadline.js";
import type { LinkView, LiveState } from "./types.js";

const runningStates = new Set(["running", "paused", "restarting"]);

/**
 * The state of every container on a host, found by ID, ID prefix or name, from one listing; with a network, a
 * running container that is not on it is `disconnected`.
 */
function containerStates(containers: readonly Docker.ContainerInfo[]) {
  const byKey = new Map<string, Docker.ContainerInfo>();
  for (const c of containers) {
    byKey.set(c.Id, c);
    for (const name of c.Names) byKey.set(name.replace(/^\//, ""), c);
  }
  return (ref: string, network?: string): Exclude<LiveState, "unreachable"> => {
    let found = byKey.get(ref);
    if (found === undefined && /^[0-9a-f]{6,63}$/.test(ref)) {
      found = containers.find((c) => c.Id.startsWith(ref));
    }
    if (found === undefined) return "missing";
    if (!runningStates.has(found.State)) return "stopped";
    const networks = found.NetworkSettings?.Networks ?? {};
    return network === undefined || network in networks ? "running" : "disconnected";
  };
}

type StateOn = (cluster: string, ref: string, network?: string) => LiveState;

function viewOf(link: LinkRecord, stateOn: StateOn): LinkView {
  const containers = [
    {
      cluster: link.sourceCluster,
      role: "container",
      name: link.container,
      ref: link.container,
      network: undefined as string | undefined,
    },
    ...link.resources
      .filter((r) => r.kind === "container" || r.role === "consumer")
      .map((r) => ({
        cluster: r.cluster,
        role: r.role as string,
        name: r.name,
        ref: r.id,
        network: r.network,
      })),
  ].map(({ ref, network, ...c }) => ({ ...c, state: stateOn(c.cluster, ref, network) }));
  const bad = containers.some(
    (c) => c.state === "missing" || c.state === "stopped" || c.state === "disconnected",
  );
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
  const names = [...new Set(links.flatMap((l) => [l.sourceCluster, l.targetCluster]))];
  const listings = new Map<string, ReturnType<typeof containerStates>>();
  const left = readDeadline(options.deadlineMs);
  await mapBounded(names, options.concurrency, async (cluster) => {
    try {
      const containers = await clusters.host(cluster).listContainers([], { timeoutMs: left() });
      listings.set(cluster, containerStates(containers));
    } catch {
      // Shown as unreachable.
    }
  });
  return links.map((link) =>
    viewOf(link, (cluster, ref, network) => listings.get(cluster)?.(ref, network) ?? "unreachable"),
  );
}
