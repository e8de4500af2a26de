import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { LinkRepository } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import { UserError } from "../errors.js";
import type { AmbassadorLauncher, EngineLogger } from "./ambassador-launcher.js";
import { Attempt, type LinkStep } from "./attempt.js";
import type { AmbassadorMode, RequestContext } from "./types.js";

/** What link, repair and teardown share: the hosts, the store's links, and the engine's settings. */
export interface EngineCore {
  clusters: ClusterDirectory;
  links: LinkRepository;
  launcher: AmbassadorLauncher;
  /** Issues each mTLS link's certificates. */
  authority: LinkAuthority;
  logger?: EngineLogger;
  clock: () => Date;
  /** How long a repair's proof of a link's path may take (ms). */
  checkMs: number;
  newId: () => string;
  /** Mode every ambassador must run in unless a link asks for one; default: the fastest the host permits. */
  mode?: AmbassadorMode;
  beforeStep?: (step: LinkStep) => void | Promise<void>;
  /** IDs of links being made now: their objects exist before their record does, and are no orphans. */
  making: Set<string>;
}

/** Whether the store still names the cluster; `clusters remove --force` may leave links that use it. */
export function isRegistered(core: EngineCore, cluster: string): boolean {
  return core.clusters.list().some((summary) => summary.name === cluster);
}

/** Whether a request may act on a registered cluster it did not name (as its command layer decided). */
export function openToRequest(core: EngineCore, context: RequestContext, cluster: string): boolean {
  return (
    isRegistered(core, cluster) && (context.clusters === undefined || context.clusters.includes(cluster))
  );
}

export function newAttempt(core: EngineCore, linkId: string): Attempt {
  return new Attempt(linkId, {
    hostOf: (cluster) => core.clusters.host(cluster),
    storeId: core.links.storeId,
    beforeStep: core.beforeStep,
    silentSearchMs: core.checkMs,
  });
}

/**
 * The addresses a source ambassador admits: the target cluster's egress, by default its advertise address (a host
 * name is looked up now). Throws a UserError when there is none to admit, rather than admitting everyone.
 */
export async function admittedFrom(core: EngineCore, targetCluster: string): Promise<string[]> {
  const summary = core.clusters.list().find((cluster) => cluster.name === targetCluster);
  if (summary?.egress?.length) return summary.egress;
  const advertise = summary?.advertise ?? core.clusters.host(targetCluster).advertise;
  if (isIP(advertise) === 4) return [`${advertise}/32`];
  const found = await lookup(advertise, { all: true, family: 4 }).catch(() => []);
  if (found.length) return found.map((entry) => `${entry.address}/32`);
  throw new UserError(
    "no-egress",
    `Cannot tell which addresses ${targetCluster} connects from (its advertise address ${advertise} is not an IPv4 address that resolves); register it with --egress CIDR (ambassador clusters add ${targetCluster} … --egress 10.0.0.0/24).`,
  );
}

/** What a source ambassador serving several targets admits: the union of their egress addresses. */
export async function admittedFromAll(
  core: EngineCore,
  targetClusters: readonly string[],
): Promise<string[]> {
  const each = await Promise.all(targetClusters.map((cluster) => admittedFrom(core, cluster)));
  return [...new Set(each.flat())];
}
