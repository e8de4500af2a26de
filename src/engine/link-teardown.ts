import { isUnreachable } from "../docker/docker-host.js";
import type { LinkRecord, LinkResource } from "../domain/link.js";
import type { EngineCore } from "./engine-core.js";
import { labelledResources, removeResources, sameResource } from "./resource-removal.js";
import type { TeardownResult } from "./types.js";

/** Everything of the link on its hosts: what the store names, then what only the labels show. */
async function everything(core: EngineCore, link: LinkRecord): Promise<LinkResource[]> {
  const clusters = [...new Set([link.sourceCluster, link.targetCluster])];
  const found = await Promise.all(
    clusters.map((cluster) =>
      labelledResources(core.clusters.host(cluster), link.id, link.resources).catch((error: unknown) => {
        if (!isUnreachable(error)) throw error;
        return [];
      }),
    ),
  );
  const extra = found.flat();
  // Containers before networks, so a network has no endpoint of ours left when it goes.
  return [
    ...link.resources,
    ...extra.filter((r) => r.kind === "network"),
    ...extra.filter((r) => r.kind === "container"),
  ];
}

/** Removes what the link made and nothing else; keeps it `partial`, naming what is left, while a host is down. */
export async function teardownLink(core: EngineCore, link: LinkRecord): Promise<TeardownResult> {
  const ordered = await everything(core, link);
  const left = await removeResources((cluster) => core.clusters.host(cluster), ordered, link.id);
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
