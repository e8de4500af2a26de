import type { DockerHost } from "../docker/docker-host.js";
import type { EngineCore } from "./engine-core.js";
import { labelKeys, linkIdOf } from "./labels.js";
import { labelledObjects, type Orphan, removeOrphans } from "./reconcile.js";

/** An object an interrupted link left and a new link of the same container removed. */
export interface ClearedObject {
  cluster: string;
  kind: "container" | "network";
  name: string;
}

/** Whether a link is the store's or being made now: what it made is no one's leftover. */
function owned(core: Pick<EngineCore, "links" | "making">, linkId: string): boolean {
  return core.links.get(linkId) !== undefined || core.making.has(linkId);
}

/**
 * Whether an object's labels say an interrupted link of `container` left it (a process killed before it saved the
 * link or rolled it back): an object labelled with this store and the container's name, of a link the store never
 * kept and nobody is making.
 */
export function leftByInterruptedLink(
  core: Pick<EngineCore, "links" | "making">,
  container: string,
): (labels: Record<string, string> | undefined | null) => boolean {
  return (labels) => {
    const linkId = linkIdOf(labels);
    return (
      linkId !== undefined &&
      labels?.[labelKeys.container] === container &&
      // This store's own only: objects from before stores named themselves may be another bot's live link.
      core.links.storeId !== undefined &&
      labels?.[labelKeys.store] === core.links.storeId &&
      !owned(core, linkId)
    );
  };
}

/**
 * Removes what an interrupted link of `container` left on a host, so a new link takes back their names and host
 * ports, as `reconcile --fix` removes orphans. One that cannot be removed is logged and left to `reconcile --fix`;
 * the new link is made beside it.
 */
export async function clearInterruptedLinks(
  core: EngineCore,
  on: DockerHost,
  container: string,
  signal?: AbortSignal,
): Promise<{ cleared: ClearedObject[]; spans: string[] }> {
  const unowned = leftByInterruptedLink(core, container);
  const objects = (await labelledObjects(on, [`${labelKeys.container}=${container}`], { signal })).filter(
    (object) => unowned(object.labels),
  );
  const orphans: Orphan[] = objects.map(({ labels, ...object }) => ({
    cluster: on.name,
    ...object,
    linkId: linkIdOf(labels) ?? "",
  }));
  const removed = await removeOrphans(core.clusters, orphans, (linkId) => owned(core, linkId), core.logger);
  // Where the interrupted links also made parts, as their labels say (older versions' say nothing).
  const spans = objects.flatMap((object) => object.labels?.[labelKeys.clusters]?.split(",") ?? []);
  return {
    cleared: removed.map(({ cluster, kind, name }) => ({ cluster, kind, name })),
    spans: [...new Set(spans)],
  };
}
