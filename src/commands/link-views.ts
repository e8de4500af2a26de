import { type LinkHealth, type LinkRecord, partlyTornDown } from "../domain/link.js";
import type { LinkFilter, LinkList, LinkView, Staged } from "../engine/types.js";
import type { Services } from "./services.js";

/**
 * The health the monitor last saw of a link (else the one stored with it); none for a link of which only parts are
 * left, which nothing checks: an old `healthy` would be said of a link that no longer carries anything.
 */
export function linkHealth(
  services: Pick<Services, "health">,
  link: Pick<LinkRecord, "id" | "status" | "targets" | "health">,
): LinkHealth | undefined {
  // The monitor checks no such link.
  if (partlyTornDown(link)) return undefined;
  return services.health?.(link.id) ?? link.health;
}

/**
 * Each view with its health (linkHealth); broken, though every part runs, when the last check found its path broken:
 * `(active)` beside `Health: broken` would contradict it.
 */
function withHealth(services: Services, views: LinkView[]): LinkView[] {
  return views.map((view) => {
    // A view carries the health stored with its link; none is shown of a link that is only parts.
    const { health: _stored, ...rest } = view;
    const health = linkHealth(services, view.link);
    if (!health) return rest;
    const status = view.status === "active" && health.state === "broken" ? "broken" : view.status;
    return { ...rest, health, status };
  });
}

/** The links with their live state and health, first from the clusters that answered in time, then all. */
export async function linkViews(services: Services, filter?: LinkFilter): Promise<Staged<LinkList>> {
  const read = await services.engine.stagedList(filter);
  const healthy = (list: LinkList) => ({ ...list, views: withHealth(services, list.views) });
  return { now: healthy(read.now), later: read.later?.then(healthy) };
}
