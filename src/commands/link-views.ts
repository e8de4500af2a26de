import type { Services } from "../app-context.js";
import type { LinkView } from "../engine/types.js";
import { UserError } from "../errors.js";

/** The links with their live state, each with the health the monitor last saw (else the stored one). */
export async function linkViews(services: Services, filter?: { channel?: string }): Promise<LinkView[]> {
  const views = await services.engine.list(filter);
  return views.map((view) => {
    const health = services.health?.(view.link.id) ?? view.health;
    return health ? { ...view, health } : view;
  });
}

/** The one link with this ID (or whose container or consumer has this name); says which exist when none. */
export function findView(views: readonly LinkView[], ref: string): LinkView {
  const byId = views.find((view) => view.link.id === ref);
  if (byId) return byId;
  const matches = views.filter((view) => view.link.container === ref || view.link.web?.name === ref);
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    throw new UserError(
      "ambiguous-link",
      `"${ref}" is part of ${matches.length} links (${matches.map((view) => view.link.id).join(", ")}); name one by its link ID.`,
    );
  }
  const known = views.length
    ? ` Links: ${views
        .slice(0, 5)
        .map((view) => `${view.link.id} (${view.link.container})`)
        .join(", ")}.`
    : " There are no links.";
  throw new UserError("link-not-found", `No link with ID or container "${ref}".${known}`);
}
