import type { ClusterSummary } from "../domain/cluster.js";
import { type LinkRecord, linkClusters } from "../domain/link.js";
import { keptBy, openTo } from "../engine/link-filter.js";

/** The clusters as the alerts need them: their names and the channels each is bound to. */
export type ClusterChannels = readonly Pick<ClusterSummary, "name" | "channels">[];

/**
 * The channels an alert about a link goes to: only those that may see every cluster of the link, as `list` there
 * would show it. The channel it was made in while that may still see it; else each channel one of its clusters is
 * bound to that may; else none, and the alert stays in the log (a cluster no longer registered is seen from none).
 */
export function alertChannels(
  link: Pick<LinkRecord, "id" | "channel" | "sourceCluster" | "targets">,
  clusters: ClusterChannels,
): string[] {
  const seenFrom = (channel: string) => keptBy(openTo(channel, clusters))(link);
  if (link.channel && seenFrom(link.channel)) return [link.channel];
  const ends = new Set(linkClusters(link));
  const bound = clusters.filter((cluster) => ends.has(cluster.name)).flatMap((cluster) => cluster.channels);
  return [...new Set(bound)].filter(seenFrom);
}
