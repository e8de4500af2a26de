import type { DockerHost } from "../docker/docker-host.js";
import type { ResourceRole } from "../domain/link.js";
import { describeError } from "../errors.js";
import type { EngineCore } from "./engine-core.js";
import { labelKeys, linkIdOf } from "./labels.js";
import { removeResource } from "./resource-removal.js";

/** An object an interrupted link left and a new link of the same container removed. */
export interface ClearedObject {
  cluster: string;
  kind: "container" | "network";
  name: string;
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
      !core.links.get(linkId) &&
      !core.making.has(linkId)
    );
  };
}

/**
 * Removes what an interrupted link of `container` left on a host, so a new link takes back their names and host
 * ports. One that cannot be removed is logged and left to `reconcile --fix`; the new link is made beside it.
 */
export async function clearInterruptedLinks(
  core: EngineCore,
  on: DockerHost,
  container: string,
  signal?: AbortSignal,
): Promise<ClearedObject[]> {
  const unowned = leftByInterruptedLink(core, container);
  const selector = [`${labelKeys.container}=${container}`];
  const [containers, networks] = await Promise.all([
    on.listContainers(selector, { signal }),
    on.listNetworks(selector, { signal }),
  ]);
  const left = [
    ...containers
      .filter((c) => unowned(c.Labels))
      .map((c) => ({
        kind: "container" as const,
        id: c.Id,
        name: c.Names[0]?.replace(/^\//, "") ?? c.Id,
        labels: c.Labels,
      })),
    ...networks
      .filter((n) => unowned(n.Labels))
      .map((n) => ({ kind: "network" as const, id: n.Id, name: n.Name, labels: n.Labels })),
  ];
  const labelled = new Set(left.map((object) => object.id));
  const removed: ClearedObject[] = [];
  // Containers first: a network with a container on it cannot go.
  for (const object of left) {
    const linkId = linkIdOf(object.labels) ?? "";
    const role = (object.labels?.[labelKeys.role] ?? "source") as ResourceRole;
    try {
      const resource = { cluster: on.name, kind: object.kind, role, id: object.id, name: object.name };
      if (await removeResource(on, resource, linkId, labelled)) {
        removed.push({ cluster: on.name, kind: object.kind, name: object.name });
      }
    } catch (error) {
      core.logger?.warn(
        { cluster: on.name, object: object.name, link: linkId, err: describeError(error) },
        "could not remove what an interrupted link left",
      );
    }
  }
  return removed;
}
