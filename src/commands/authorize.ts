import type { ClusterDirectory } from "../docker/clusters.js";
import type { Actor } from "../domain/actor.js";
import { type ClusterSummary, clusterOpenTo, unknownClusterError } from "../domain/cluster.js";
import { linkClusters } from "../domain/link.js";
import { openTo } from "../engine/link-filter.js";
import type { LinkFilter } from "../engine/types.js";
import { UserError } from "../errors.js";
import type { CommandSpec, Invocation } from "./command.js";
import type { Services } from "./services.js";

/** Error codes that mean "refused", as opposed to "failed". */
export const refusalCodes = new Set(["not-admin", "channel-not-allowed"]);

export function isAdmin(actor: Actor, admins: readonly string[]): boolean {
  if (actor.kind !== "slack") return false;
  return admins.some((entry) =>
    entry.includes(":") ? entry === `${actor.team}:${actor.user}` : entry === actor.user,
  );
}

/** Refuses a command that changes hosts unless the person is an admin. */
export function assertMayRun(command: CommandSpec, invocation: Invocation, admins: readonly string[]): void {
  if (!command.mutating || invocation.trusted) return;
  if (!isAdmin(invocation.actor, admins)) {
    throw new UserError(
      "not-admin",
      `Only Ambassador admins may \`${command.name}\`. Ask an admin to run it, or to add your user ID to AMBASSADOR_ADMINS.`,
    );
  }
}

/** Whether this invocation may use (and see) a cluster: at the terminal always; else no channels means any. */
export function channelMaySee(summary: Pick<ClusterSummary, "channels">, invocation: Invocation): boolean {
  return invocation.trusted || clusterOpenTo(summary, invocation.channel);
}

/** The registered clusters this invocation may see, and the names of those it may not. */
export function visibleClusters(
  invocation: Invocation,
  clusters: ClusterDirectory,
): { visible: ClusterSummary[]; hidden: string[] } {
  const visible: ClusterSummary[] = [];
  const hidden: string[] = [];
  for (const summary of clusters.list()) {
    if (channelMaySee(summary, invocation)) visible.push(summary);
    else hidden.push(summary.name);
  }
  return { visible, hidden };
}

/**
 * The links this invocation may see, as the engine filters them: none on a cluster it may not see, and from Slack
 * none on a cluster the store no longer names (whose channels are no longer known); the terminal sees them all.
 */
export function visibleLinks(invocation: Invocation, clusters: ClusterDirectory): LinkFilter | undefined {
  return invocation.trusted ? undefined : openTo(invocation.channel, clusters.list());
}

/** Refuses a cluster name nobody registered, naming only the clusters this invocation may see. */
export function assertClustersKnown(
  clusterNames: readonly string[],
  invocation: Invocation,
  clusters: ClusterDirectory,
): void {
  const { visible, hidden } = visibleClusters(invocation, clusters);
  const shown = visible.map((summary) => summary.name);
  const unknown = clusterNames.find((name) => !shown.includes(name) && !hidden.includes(name));
  if (unknown !== undefined) throw unknownClusterError(unknown, shown, shown.length + hidden.length);
}

/**
 * Refuses unless this invocation may use every one of the clusters. The refusal names none of them, nor the channels
 * they are bound to: a cluster this channel may not see is counted, never named, even when it was typed here or
 * reached through a link's name.
 */
export function assertChannelAllowed(
  clusterNames: readonly string[],
  invocation: Invocation,
  clusters: ClusterDirectory,
): void {
  if (invocation.trusted) return;
  const known = new Map(clusters.list().map((summary) => [summary.name, summary]));
  const named = [...new Set(clusterNames)];
  if (named.some((name) => !known.has(name))) {
    // Its channels went with it: nothing on it is shown or changed from Slack.
    throw new UserError(
      "channel-not-allowed",
      "This needs a cluster that is no longer registered; act on its links from the bot's terminal (`ambassador teardown <link-id>`).",
    );
  }
  const barred = named.filter((name) => {
    const summary = known.get(name);
    return summary !== undefined && !channelMaySee(summary, invocation);
  }).length;
  if (barred) throw new UserError("channel-not-allowed", barredMessage(barred, invocation.channel));
}

function barredMessage(count: number, channel: string | undefined): string {
  const clusters = count === 1 ? "a cluster" : `${count} clusters`;
  const they = count === 1 ? "it is" : "they are";
  if (!channel) {
    return `This needs ${clusters} bound to Slack channels, so it runs only there: run it with \`/ambassador\` in a channel ${they} bound to.`;
  }
  return `This needs ${clusters} this channel may not use. Run it in a channel ${they} bound to, or ask an operator to add this channel (\`ambassador clusters add <cluster> … --channel ${channel}\`).`;
}

/** The link a reference names, once this invocation may act on it: every cluster it touches allows the channel. */
export function findAuthorised(
  services: Pick<Services, "engine" | "clusters">,
  invocation: Invocation,
  ref: string,
) {
  const link = services.engine.find(ref, visibleLinks(invocation, services.clusters));
  assertChannelAllowed(linkClusters(link), invocation, services.clusters);
  return link;
}
