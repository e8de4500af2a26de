import { isDeadlinePassed, isUnreachable } from "../docker/docker-host.js";
import {
  type LinkRecord,
  type LinkResource,
  leavingTarget,
  linkClusters,
  targetClusters,
} from "../domain/link.js";
import { UserError, userErrorFrom } from "../errors.js";
import { type EngineCore, isRegistered } from "./engine-core.js";
import {
  type LeftResource,
  labelledObjects,
  labelledResources,
  listedWithLabel,
  removeResources,
  sameResource,
  whyLeft,
} from "./resource-removal.js";
import type { RepairResult, TeardownResult } from "./types.js";

/**
 * The link on its hosts as their labels show it: the IDs carrying its label on each host that answered, and what only
 * the labels show (a lost store write, say), networks first; `unlisted`, why a host could not be asked (down, or too
 * slow): what it holds is not known, so the link is not forgotten.
 */
async function labelledOnHosts(
  core: EngineCore,
  link: LinkRecord,
): Promise<{
  ids: Map<string, Set<string>>;
  extra: LinkResource[];
  unlisted?: unknown;
  /** Why each host that could not be listed was not. */
  silent: Map<string, unknown>;
}> {
  const clusters = [...new Set([...linkClusters(link), ...link.resources.map((r) => r.cluster)])].filter(
    (cluster) => isRegistered(core, cluster),
  );
  const found = await Promise.allSettled(
    clusters.map((cluster) =>
      labelledObjects(core.clusters.host(cluster), link.id, link.resources, { storeId: core.links.storeId }),
    ),
  );
  const ids = new Map<string, Set<string>>();
  const extra: LinkResource[] = [];
  let unlisted: unknown;
  const silent = new Map<string, unknown>();
  found.forEach((result, i) => {
    if (result.status === "rejected") {
      unlisted ??= result.reason;
      silent.set(clusters[i] as string, result.reason);
    } else {
      ids.set(clusters[i] as string, result.value.ids);
      extra.push(...result.value.unknown);
    }
  });
  return {
    ids,
    extra: [...extra.filter((r) => r.kind === "network"), ...extra.filter((r) => r.kind === "container")],
    unlisted,
    silent,
  };
}

/**
 * A part the record names but its host shows without the link's label, as a teardown leaves it: alone, under the
 * name its host gives it, and the one the record gave it when they differ.
 */
async function leftAlone(
  core: EngineCore,
  linkId: string,
  r: LinkResource,
): Promise<TeardownResult["left"][number]> {
  const info =
    r.kind === "container"
      ? await core.clusters
          .host(r.cluster)
          .inspectContainer(r.id)
          .catch(() => undefined)
      : undefined;
  const name = info?.Name.replace(/^\//, "") ?? r.name;
  const recorded = name === r.name ? "" : `the link's record calls it ${r.name}, but `;
  const what = r.kind === "connection" ? `its network ${r.network ?? ""} does` : "it does";
  const error = `${recorded}${what} not carry link ${linkId}'s label, so the link did not make it; left alone`;
  return { cluster: r.cluster, kind: r.kind, name, error, errorWithoutAddress: error, forGood: true };
}

/**
 * A link's parts on clusters removed from the store (`clusters remove --force`): the bot can no longer reach them,
 * so they are reported and left; they carry the link's label, so `reconcile --fix` removes them once the cluster is
 * registered again.
 */
function unregisteredParts(core: EngineCore, resources: readonly LinkResource[]): TeardownResult["left"] {
  return resources
    .filter((r) => !isRegistered(core, r.cluster))
    .map((r) => {
      const error = `${r.cluster} is no longer registered; once it is registered again, reconcile --fix removes it`;
      return {
        cluster: r.cluster,
        kind: r.kind,
        name: r.name,
        error,
        errorWithoutAddress: error,
        forGood: true as const,
      };
    });
}

/** A part as a teardown's answer names it. */
function named(r: LinkResource): { cluster: string; kind: string; name: string } {
  return { cluster: r.cluster, kind: r.kind, name: r.name };
}

/** What was left, and why, as a teardown answers it. */
function leftOf(left: readonly LeftResource[]): TeardownResult["left"] {
  return left.map(({ cluster, kind, name, error, errorWithoutAddress }) => ({
    cluster,
    kind,
    name,
    error,
    errorWithoutAddress,
  }));
}

/**
 * Removes what the link made and nothing else; keeps it `partial`, naming what is left, while a host is down (or
 * when the teardown is cut short). Parts
 * on a cluster that is no longer registered are named and left, and do not keep the link.
 */
export async function teardownLink(core: EngineCore, link: LinkRecord): Promise<TeardownResult> {
  // The labels are asked first, while the link is saved partial: only what carries the link's label goes, whatever
  // its record says.
  const listing = labelledOnHosts(core, link);
  // Partial before anything goes: a teardown cut short (a crash, a kill) leaves a link that says it is partly torn
  // down and that the next teardown finishes, never an active one with its parts detached.
  if (link.status !== "partial") await core.links.save({ ...link, status: "partial" });
  const { ids, extra, unlisted, silent } = await listing;
  const hostOf = (cluster: string) => core.clusters.host(cluster);
  const recorded = link.resources.filter((r) => isRegistered(core, r.cluster));
  const confirmed = recorded.filter((r) => listedWithLabel(r, ids.get(r.cluster) ?? new Set()));
  // A host that let the listing's deadline pass holds calls: it is asked nothing more, its parts left, and why.
  const unasked = recorded.filter((r) => isDeadlinePassed(silent.get(r.cluster)));
  const leftUnasked = unasked.map((r) => ({ ...r, ...whyLeft(silent.get(r.cluster)) }));
  // The rest of what is recorded, not listed with the label (gone, or not the link's), is asked first, each.
  const gone: LinkResource[] = [];
  const foreign: LinkResource[] = [];
  const strangers: NonNullable<TeardownResult["disconnected"]> = [];
  // One removal for all, what only the labels show too, so that each host's parts go in their order: connections and
  // containers (leaving the link's networks first), then networks.
  const leftRemoved = await removeResources(
    hostOf,
    [...recorded.filter((r) => !unasked.includes(r)), ...extra],
    link.id,
    {
      labelled: (r) => confirmed.includes(r) || extra.includes(r),
      gone,
      foreign,
      strangers,
    },
  );
  const left = [...leftRemoved, ...leftUnasked];
  const all = [...link.resources, ...extra];
  const abandoned = unregisteredParts(core, all);
  const ordered = all.filter((r) => isRegistered(core, r.cluster));
  const removed = [...ordered]
    .reverse()
    .filter((r) => ![...left, ...gone, ...foreign].some((l) => sameResource(l, r)))
    .map(named);
  if (left.length || unlisted !== undefined) {
    await core.links.save({
      ...link,
      status: "partial",
      resources: link.resources.filter((r) => left.some((l) => sameResource(l, r))),
    });
  } else {
    await core.links.remove(link.id);
  }
  if (unlisted !== undefined) {
    core.logger?.warn(
      { err: unlisted, link: link.id },
      "teardown could not list the link's labelled objects",
    );
  }
  // The link's recorded parts went, but a host could not be asked what else carries its label: the link stays
  // partly torn down, and the next teardown looks again. With parts left, the answer names them instead.
  if (unlisted !== undefined && left.length === 0) {
    const say = (why: string) =>
      `Removed what link ${link.id} records, but could not list what else carries its label (${why.replace(/\.$/, "")}); run teardown ${link.id} again.`;
    throw userErrorFrom("teardown-unlisted", say, unlisted);
  }
  return {
    linkId: link.id,
    removed,
    gone: [...gone].reverse().map(named),
    left: [
      ...leftOf(left),
      ...(await Promise.all(foreign.map((r) => leftAlone(core, link.id, r)))),
      ...abandoned,
    ],
    ...(strangers.length ? { disconnected: strangers } : {}),
    status: left.length ? "partial" : "removed",
  };
}

/** The containers of `left` their hosts still have (one that cannot be asked is taken as still there). */
async function stillThere(core: EngineCore, left: readonly LeftResource[]): Promise<LeftResource[]> {
  const there = await Promise.all(
    left.map((r) =>
      core.clusters
        .host(r.cluster)
        .inspectContainer(r.id)
        .then((info) => info !== undefined)
        .catch(() => true),
    ),
  );
  return left.filter((_, index) => there[index]);
}

/**
 * Removes one target of a link (its ambassador, consumer and network, and whatever else of the link is on its
 * cluster), then remakes the source ambassador on the same host ports without that target's certificate name and
 * egress, so the other targets keep their address and the removed target is refused. The last target takes the
 * whole link with it.
 */
export async function teardownTarget(
  core: EngineCore,
  link: LinkRecord,
  cluster: string,
  remakeSource: (next: LinkRecord) => Promise<RepairResult>,
): Promise<TeardownResult> {
  const clusters = targetClusters(link);
  if (!clusters.includes(cluster)) {
    throw new UserError(
      "not-a-target",
      `Link ${link.id} has no target ${cluster}; its targets are ${clusters.join(", ")}.${
        link.status === "broken" ? ` It is broken: run repair ${link.id} to mend it for them.` : ""
      }`,
    );
  }
  if (clusters.length === 1) return teardownLink(core, link);
  if (link.status === "partial") {
    throw new UserError(
      "link-partial",
      `Link ${link.id} is only parts left (of a teardown or a link cut short); run teardown ${link.id} to finish removing them.`,
    );
  }
  const leaving = leavingTarget(link);
  if (leaving && leaving !== cluster) {
    throw new UserError(
      "target-leaving",
      `Target ${leaving} of link ${link.id} is only partly removed; run teardown ${link.id} --target ${leaving} to finish it first.`,
    );
  }
  const registered = isRegistered(core, cluster);
  // A host that could not be asked (down, or too slow) may hold more of the link: the target is not let go then.
  let unlisted: unknown;
  const extra = registered
    ? await labelledResources(core.clusters.host(cluster), link.id, link.resources, {
        storeId: core.links.storeId,
      }).catch((error: unknown) => {
        if (!isUnreachable(error)) throw error;
        unlisted = error;
        return [];
      })
    : [];
  const hostOf = (c: string) => core.clusters.host(c);
  const onTarget = [
    ...link.resources.filter((r) => r.cluster === cluster),
    ...extra.filter((r) => r.kind === "network"),
    ...extra.filter((r) => r.kind === "container"),
  ];
  const abandoned = unregisteredParts(core, onTarget);
  // Leaving before anything of it goes: a teardown cut short leaves a link that shows it partly torn down, that no
  // repair makes whole again on that target, and that the next `teardown --target` finishes.
  const markedLeaving = {
    ...link,
    targets: link.targets.map((t) => (t.cluster === cluster ? { ...t, leaving: true as const } : t)),
  };
  if (leaving !== cluster) await core.links.save(markedLeaving);
  const alreadyGone: LinkResource[] = [];
  const foreign: LinkResource[] = [];
  const strangers: NonNullable<TeardownResult["disconnected"]> = [];
  const leftOnTarget = registered
    ? await removeResources(hostOf, onTarget, link.id, { gone: alreadyGone, foreign, strangers })
    : [];
  const wasOurs = (r: LinkResource) => !foreign.some((f) => sameResource(f, r));
  const aside = async () => ({
    left: await Promise.all(foreign.map((r) => leftAlone(core, link.id, r))),
    ...(strangers.length ? { disconnected: strangers } : {}),
  });
  const wasThere = (r: LinkResource) => !alreadyGone.some((g) => sameResource(g, r));
  if (leftOnTarget.length || unlisted !== undefined) {
    // The source ambassador stays as it is, serving the other targets, until the target's host lets its parts go.
    const goneOnTarget = onTarget.filter((r) => !leftOnTarget.some((l) => sameResource(l, r)));
    await core.links.save({
      // Neither checked nor repaired meanwhile: a repair would make the parts it removed again.
      ...markedLeaving,
      resources: link.resources.filter((r) => !goneOnTarget.some((g) => sameResource(g, r))),
    });
    if (!leftOnTarget.length) {
      const say = (why: string) =>
        `Removed what link ${link.id} records on ${cluster}, but could not list what else carries its label there (${why.replace(/\.$/, "")}); run teardown ${link.id} --target ${cluster} again.`;
      throw userErrorFrom("teardown-unlisted", say, unlisted);
    }
    const { left: alone, ...disconnected } = await aside();
    return {
      linkId: link.id,
      target: cluster,
      removed: [...goneOnTarget].reverse().filter(wasThere).filter(wasOurs).map(named),
      gone: [...alreadyGone].reverse().map(named),
      left: [...leftOf(leftOnTarget), ...alone],
      ...disconnected,
      status: "partial",
    };
  }
  const source = link.resources.filter((r) => r.role === "source");
  const targets = link.targets.filter((target) => target.cluster !== cluster);
  const first = targets[0]?.cluster ?? link.targetCluster;
  const firstWeb = link.resources.find((r) => r.role === "web" && r.cluster === first);
  // Broken until the source ambassador is remade for the other targets (a repair saves it active): a teardown cut
  // short between the two leaves a link that says so, and that `repair` mends.
  const withoutTarget = (gone: readonly LinkResource[]): LinkRecord => ({
    ...link,
    status: "broken",
    targetCluster: first,
    targets,
    web: link.web && firstWeb ? { ...link.web, name: firstWeb.name } : link.web,
    resources: link.resources.filter((r) => !gone.some((g) => sameResource(g, r))),
  });
  // Saved without the target before its certificate name leaves the source, whose part stays named: a crash before
  // it is made again leaves a link that shows its source ambassador missing, and whose repair remakes it for the
  // other targets only.
  const next = withoutTarget(onTarget);
  await core.links.save(next);
  const left = await removeResources(hostOf, source, link.id, { foreign, strangers });
  const gone = [...source, ...onTarget].filter((r) => !left.some((l) => sameResource(l, r)) && wasOurs(r));
  try {
    await remakeSource(next);
  } catch (error) {
    const say = (why: string) =>
      `Removed target ${cluster} of link ${link.id}, but its source ambassador could not be remade (${why.replace(/\.$/, "")}); run repair ${link.id}.`;
    throw userErrorFrom("source-not-remade", say, error);
  }
  // A source ambassador that could not be removed at first admits the removed target: the repair replaced it.
  const stillLeft = await stillThere(core, left);
  const { left: alone, ...disconnected } = await aside();
  return {
    linkId: link.id,
    target: cluster,
    removed: [...gone]
      .reverse()
      .filter((r) => r.role !== "source" && registered && wasThere(r))
      .map(named),
    gone: [...alreadyGone].reverse().map(named),
    left: [...leftOf(stillLeft), ...alone, ...abandoned],
    ...disconnected,
    status: stillLeft.length ? "partial" : "removed",
  };
}
