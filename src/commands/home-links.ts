import type { LinkHealth, LinkRecord } from "../domain/link.js";
import { keptBy } from "../engine/link-filter.js";
import { isAdmin, visibleClusters, visibleLinks } from "./authorize.js";
import type { Invocation } from "./command.js";
import { linkHealth } from "./link-views.js";
import type { Services } from "./services.js";

/** What a person's Home tab may show, read from the store and the monitor alone: no host is asked. */
export interface HomeLinks {
  links: { link: LinkRecord; health?: LinkHealth }[];
  /** The clusters the Home tab may name. */
  clusters: string[];
  hiddenLinks: number;
  hiddenClusters: number;
  admin: boolean;
}

/**
 * The Home tab belongs to no channel, so it sees what `list` and `clusters` see from a channel no cluster is bound
 * to: the clusters open to every channel and the links on those alone, admins included. A link on a
 * channel-bound cluster is shown, and acted on, only in its channels.
 */
export function homeLinks(services: Services, invocation: Omit<Invocation, "channel">): HomeLinks {
  const noChannel: Invocation = { ...invocation, channel: undefined };
  const { visible, hidden } = visibleClusters(noChannel, services.clusters);
  const stored = services.links?.all() ?? [];
  const shown = stored.filter(keptBy(visibleLinks(noChannel, services.clusters)));
  return {
    links: shown.map((link) => {
      const health = linkHealth(services, link);
      return health ? { link, health } : { link };
    }),
    clusters: visible.map((summary) => summary.name),
    hiddenLinks: stored.length - shown.length,
    hiddenClusters: hidden.length,
    admin: isAdmin(invocation.actor, services.config.admins),
  };
}
