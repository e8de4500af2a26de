import type { ClusterDirectory } from "../docker/clusters.js";
import { type CallOptions, type DockerHost, listedName } from "../docker/docker-host.js";
import {
  type LinkRecord,
  type LinkRepository,
  leavingTarget,
  partlyTornDown,
  sameParts,
} from "../domain/link.js";
import { describeError, describeErrorWithoutAddress } from "../errors.js";
import type { EngineLogger } from "./ambassador-launcher.js";
import { labelKeys, leftToStore, linkIdOf } from "./labels.js";
import { keptBy } from "./link-filter.js";
import { mapBounded } from "./map-bounded.js";
import { type ReadOptions, readDeadline } from "./read-deadline.js";
import { removeResource } from "./resource-removal.js";
import type { LinkFilter, ReconcileResult } from "./types.js";

export type Orphan = ReconcileResult["orphans"][number];

/** The containers and networks on a host carrying every label of `selector`, containers first, with their labels. */
export async function labelledObjects(on: DockerHost, selector: string[], options: CallOptions) {
  const [containers, networks] = await Promise.all([
    on.listContainers(selector, options),
    on.listNetworks(selector, options),
  ]);
  return [
    ...containers.map((c) => ({
      kind: "container" as const,
      id: c.Id,
      name: listedName(c),
      labels: c.Labels as Record<string, string> | undefined,
    })),
    ...networks.map((n) => ({ kind: "network" as const, id: n.Id, name: n.Name, labels: n.Labels })),
  ];
}

/** Every labelled object of every cluster, or why a cluster could not be searched. */
async function labelled(clusters: ClusterDirectory, options: ReadOptions) {
  const left = readDeadline(options.deadlineMs);
  return mapBounded(clusters.list(), options.concurrency, async ({ name: cluster }) => {
    try {
      const objects = await labelledObjects(clusters.host(cluster), [labelKeys.link], { timeoutMs: left() });
      return { cluster, objects };
    } catch (error) {
      return {
        cluster,
        error: describeError(error),
        errorWithoutAddress: describeErrorWithoutAddress(error),
      };
    }
  });
}

function brokenLinks(
  links: readonly LinkRecord[],
  present: Map<string, Set<string>>,
): ReconcileResult["broken"] {
  return links.flatMap((link) => {
    const missing = link.resources
      .filter((r) => r.kind !== "connection" && present.get(r.cluster) && !present.get(r.cluster)?.has(r.id))
      .map((r) => `${r.kind} ${r.name} on ${r.cluster}`);
    if (!missing.length) return [];
    return [{ linkId: link.id, missing, ...finishOf(link) }];
  });
}

/** For a link a teardown left partly done: the teardown that finishes it (of the target it was removing, if one). */
function finishOf(link: LinkRecord): { finish?: { target?: string } } {
  if (!partlyTornDown(link)) return {};
  return { finish: link.status === "partial" ? {} : { target: leavingTarget(link) } };
}

/**
 * Removes objects no link owns, containers before networks, each after its labels are read again; returns those it
 * removed. One a link saved or being made since the listing owns is left; one that cannot be removed is logged.
 */
export async function removeOrphans(
  clusters: ClusterDirectory,
  orphans: readonly Orphan[],
  owned: (linkId: string) => boolean,
  logger?: EngineLogger,
): Promise<Orphan[]> {
  const removed: Orphan[] = [];
  const ordered = [
    ...orphans.filter((o) => o.kind === "container"),
    ...orphans.filter((o) => o.kind === "network"),
  ];
  for (const orphan of ordered) {
    if (owned(orphan.linkId)) continue;
    try {
      const resource = { ...orphan, role: "source" as const };
      if ((await removeResource(clusters.host(orphan.cluster), resource, orphan.linkId)) === "removed")
        removed.push(orphan);
    } catch (error) {
      logger?.warn({ err: describeError(error), orphan }, "could not remove an orphan");
    }
  }
  return removed;
}

/**
 * Compares the store with the hosts' labels: objects no link owns, objects a link's record does not list, and links
 * missing parts.
 */
export async function reconcile(
  clusters: ClusterDirectory,
  links: LinkRepository,
  options: ReadOptions & {
    fix: boolean;
    /** The links it may name (and mark broken); every link still owns its objects, so none is an orphan. */
    shown?: LinkFilter;
    logger?: EngineLogger;
    busy?: (linkId: string) => boolean;
  },
): Promise<ReconcileResult> {
  const all = links.all();
  const recorded = new Map(all.map((l) => [l.id, new Set(l.resources.map((r) => r.id))]));
  const shown = all.filter(keptBy(options.shown));
  const named = new Map(shown.map((l) => [l.id, l]));
  const result: Required<ReconcileResult> = {
    orphans: [],
    broken: [],
    unlisted: [],
    removed: 0,
    unreachable: [],
    otherStores: 0,
  };
  const present = new Map<string, Set<string>>();
  // A host registered under two names lists the same objects under both: each is named, and removed, once.
  const seen = new Set<string>();
  for (const entry of await labelled(clusters, options)) {
    if (entry.error !== undefined || !entry.objects) {
      const { cluster, error = "unknown", errorWithoutAddress = error } = entry;
      result.unreachable.push({ cluster, error, errorWithoutAddress });
      continue;
    }
    present.set(entry.cluster, new Set(entry.objects.map((o) => o.id)));
    for (const { labels, ...object } of entry.objects) {
      if (seen.has(object.id)) continue;
      seen.add(object.id);
      // Another bot's store keeps the links of these: neither orphans nor this store's to remove.
      if (!leftToStore(labels, links.storeId)) {
        result.otherStores++;
        continue;
      }
      const linkId = linkIdOf(labels) ?? "";
      const ofLink = recorded.get(linkId);
      // A link being made now owns what it made so far, though the store keeps it only once it is made.
      if (!ofLink && options.busy?.(linkId)) continue;
      if (!ofLink) result.orphans.push({ cluster: entry.cluster, ...object, linkId });
      else if (!ofLink.has(object.id) && named.has(linkId)) {
        const link = named.get(linkId);
        result.unlisted.push({ cluster: entry.cluster, ...object, linkId, ...(link ? finishOf(link) : {}) });
      }
    }
  }
  result.broken = brokenLinks(shown, present);
  if (options.fix) {
    const owned = (linkId: string) => links.get(linkId) !== undefined || options.busy?.(linkId) === true;
    result.removed = (await removeOrphans(clusters, result.orphans, owned, options.logger)).length;
    for (const broken of result.broken) {
      const seen = shown.find((link) => link.id === broken.linkId);
      // Unless a repair or a teardown changed its parts since they were looked for.
      await links.update(broken.linkId, (link) =>
        link.status === "active" && seen && sameParts(link, seen) ? { ...link, status: "broken" } : undefined,
      );
    }
  }
  return result;
}
