import { isUnreachable } from "../docker/docker-host.js";
import type { LinkRecord, LinkResource } from "../domain/link.js";
import type { EngineCore } from "./engine-core.js";
import { labelledResources, removeResources, sameResource } from "./resource-removal.js";
import type { TeardownResult } from "./types.js";

/**
 * Everything of the link on its hosts: what the store names, then what only the labels show; and, per host that
 * answered, the IDs carrying the link's label, so removal needs no inspect of each.
 */
async function everything(
  core: EngineCore,
  link: LinkRecord,
): Promise<{ resources: LinkResource[]; labelled: Map<string, Set<string>> }> {
  const clusters = [...new Set([link.sourceCluster, link.targetCluster])];
  const labelled = new Map<string, Set<string>>();
  const found = await Promise.all(
    clusters.map(async (cluster) => {
      const ids = new Set<string>();
      try {
        const extra = await labelledResources(core.clusters.host(cluster), link.id, link.resources, ids);
        labelled.set(cluster, ids);
        return extra;
      } catch (error) {
        if (!isUnreachable(error)) throw error;
        return [];
      }
    }),
  );
  const extra = found.flat();
  return {
    resources: [
      ...link.resources,
      ...extra.filter((r) => r.kind === "network"),
      ...extra.filter((r) => r.kind === "container"),
    ],
    labelled,
  };
}

/** Removes what the link made and nothing else; keeps it `partial`, naming what is left, while a host is down. */
export async function teardownLink(core: EngineCore, link: LinkRecord): Promise<TeardownResult> {
  const { resources: ordered, labelled } = await everything(core, link);
  const left = await removeResources((cluster) => core.clusters.host(cluster), ordered, link.id, labelled);
  const removed = [...ordered]
    .reverse()
    .filter((r) => !left.some((l) => sameResource(l, r)))
    .map((r) => ({ cluster: r.cluster, kind: r.kind, name: r.name }));
  if (left.length) {
    await core.links.save({
      ...link,
      status: "partial",
      resources: link.resources.filter((r) => left.some((l) => sameResource(l, r))),
    });
  } else {
    await core.links.remove(link.id);
  }
  return {
    linkId: link.id,
    removed,
    left: left.map((l) => ({ cluster: l.cluster, kind: l.kind, name: l.name, error: l.error })),
    status: left.length ? "partial" : "removed",
  };
}
