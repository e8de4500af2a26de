import type { LinkFilter, LinkView } from "../engine/types.js";
import type { Services } from "./services.js";

/** The links with their live state, each with the health the monitor last saw (else the stored one). */
export async function linkViews(services: Services, filter?: LinkFilter): Promise<LinkView[]> {
  const views = await services.engine.list(filter);
  return views.map((view) => {
    const health = services.health?.(view.link.id) ?? view.health;
    return health ? { ...view, health } : view;
  });
}
