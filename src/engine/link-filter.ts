import { type ClusterSummary, clusterOpenTo } from "../domain/cluster.js";
import { type LinkRecord, linkClusters } from "../domain/link.js";
import type { LinkFilter } from "./types.js";

/** Whether a link is one of those `filter` keeps (no filter keeps every link). */
export function keptBy(
  filter: LinkFilter | undefined,
): (link: Pick<LinkRecord, "id" | "channel" | "sourceCluster" | "targets">) => boolean {
  return (link) =>
    (!filter?.ids || filter.ids.includes(link.id)) &&
    (!filter?.channel || link.channel === filter.channel) &&
    (!filter?.onlyOn || linkClusters(link).every((name) => filter.onlyOn?.includes(name)));
}

/**
 * The links a Slack channel may see (`undefined`: outside any channel): those on clusters open to it alone, so a
 * link on a cluster no longer registered, whose channels went with it, is seen from none.
 */
export function openTo(
  channel: string | undefined,
  clusters: readonly Pick<ClusterSummary, "name" | "channels">[],
): LinkFilter {
  return {
    onlyOn: clusters.filter((cluster) => clusterOpenTo(cluster, channel)).map((cluster) => cluster.name),
  };
}
