import type Docker from "dockerode";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { LinkRecord } from "../domain/link.js";
import { askClusters, type ClusterReply, type StagedReadOptions } from "./read-staged.js";
import type { LinkList, LinkView, LiveState, SilentCluster, Staged } from "./types.js";

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

/**
 * The links with the live state of their containers: one listing per cluster, clusters at once; first with the
 * clusters that answered within the answer time, then (`later`) with all of them.
 */
export async function readList(
  clusters: ClusterDirectory,
  options: StagedReadOptions,
  links: readonly LinkRecord[],
): Promise<Staged<LinkList>> {
  const names = [...new Set(links.flatMap((l) => [l.sourceCluster, l.targetCluster]))];
  const staged = await askClusters(names, options, async (cluster, timeoutMs) =>
    containerStates(await clusters.host(cluster).listContainers([], { timeoutMs })),
  );
  const result = (replies: ClusterReply<ReturnType<typeof containerStates>>[], silent: SilentCluster[]) => {
    const listings = new Map(replies.flatMap((reply) => (reply.ok ? [[reply.cluster, reply.value]] : [])));
    const views = links.map((link) =>
      viewOf(link, (cluster, ref) => listings.get(cluster)?.(ref) ?? "unreachable"),
    );
    return { views, silent };
  };
  return {
    now: result(staged.replies, staged.silent),
    later: staged.rest?.then((rest) => result(rest.replies, rest.silent)),
  };
}
