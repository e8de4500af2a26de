import type Docker from "dockerode";
import type { ClusterDirectory } from "../docker/clusters.js";
import { type LinkRecord, linkClusters } from "../domain/link.js";
import { mapBounded } from "./map-bounded.js";
import { type ReadOptions, readDeadline } from "./read-deadline.js";
import type { LinkView, LiveState } from "./types.js";

const runningStates = new Set(["running", "paused", "restarting"]);

/** The state of every container on a host, found by ID, ID prefix or name, from one listing. */
function containerStates(containers: readonly Docker.ContainerInfo[]) {
  const byKey = new Map<string, string>();
  for (const c of containers) {
    byKey.set(c.Id, c.State);
    for (const name of c.Names) byKey.set(name.replace(/^\//, ""), c.State);
  }
  return (ref: string): Exclude<LiveState, "unreachable"> => {
    let state = byKey.get(ref);
    if (state === undefined && /^[0-9a-f]{6,63}$/.test(ref)) {
      state = containers.find((c) => c.Id.startsWith(ref))?.State;
    }
    if (state === undefined) return "missing";
    return runningStates.has(state) ? "running" : "stopped";
  };
}

function viewOf(link: LinkRecord, stateOn: (cluster: string, ref: string) => LiveState): LinkView {
  const containers = [
    { cluster: link.sourceCluster, role: "container", name: link.container, ref: link.container },
    ...link.resources
      .filter((r) => r.kind === "container")
      .map((r) => ({ cluster: r.cluster, role: r.role as string, name: r.name, ref: r.id })),
  ].map(({ ref, ...c }) => ({ ...c, state: stateOn(c.cluster, ref) }));
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
      listings.set(cluster, containerStates(containers));
    } catch {
      // Shown as unreachable.
    }
  });
  return links.map((link) => viewOf(link, (cluster, ref) => listings.get(cluster)?.(ref) ?? "unreachable"));
}
