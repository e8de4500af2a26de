import type { LinkFilter, LinkList, LinkView, Staged } from "../engine/types.js";
import type { Services } from "./services.js";

/**
 * Each view with the health the monitor last saw (else the stored one); broken, though every part runs, when that
 * check found its path broken: `(active)` beside `Health: broken` would contradict it.
 */
function withHealth(services: Services, views: LinkView[]): LinkView[] {
  return views.map((view) => {
    const health = services.health?.(view.link.id) ?? view.health;
    if (!health) return view;
    const status = view.status === "active" && health.state === "broken" ? "broken" : view.status;
    return { ...view, health, status };
  });
}

/** The links with their live state and health, first from the clusters that answered in time, then all. */
export async function linkViews(services: Services, filter?: LinkFilter): Promise<Staged<LinkList>> {
  const read = await services.engine.stagedList(filter);
  const healthy = (list: LinkList) => ({ ...list, views: withHealth(services, list.views) });
  return { now: healthy(read.now), later: read.later?.then(healthy) };
}
