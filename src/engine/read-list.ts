import type Docker from "dockerode";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { LinkRecord } from "../domain/link.js";
import { askClusters, type ClusterReply, type StagedReadOptions } from "./read-staged.js";
import type { LinkList, LinkView, LiveState, SilentCluster, Staged } from "./types.js";

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
      viewOf(link, (cluster, ref, network) => listings.get(cluster)?.(ref, network) ?? "unreachable"),
    );
    return { views, silent };
  };
  return {
    now: result(staged.replies, staged.silent),
    later: staged.rest?.then((rest) => result(rest.replies, rest.silent)),
  };
}
