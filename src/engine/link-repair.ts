import type Docker from "dockerode";
import { DockerCallError, type DockerHost, isUnreachable } from "../docker/docker-host.js";
import {
  askedWebName,
  type LinkRecord,
  type LinkResource,
  leavingTarget,
  linkClusters,
  type ResourceRole,
  renamedWeb,
  targetClusters,
} from "../domain/link.js";
import { describeError, describeErrorWithoutAddress, UserError } from "../errors.js";
import { failAttempt } from "./attempt-failure.js";
import { admittedFromAll, type EngineCore, isRegistered, newAttempt } from "./engine-core.js";
import { labelKeys } from "./labels.js";
import { buildLink, remadeParts, replacedParts } from "./link-build.js";
import { admitsOf } from "./link-parts.js";
import type { LinkPlan, LivePart, LiveParts } from "./link-plan.js";
import { urlsOf } from "./mappings.js";
import { probePath } from "./path-probe.js";
import { byRoleOrder, labelledResources, removeResources, roleOrder } from "./resource-removal.js";
import type { AmbassadorMode, RepairResult, RequestContext } from "./types.js";

/** What a repair recreated, as the audit log says it: `target app-ambassador, consumer web`. */
export function recreatedParts(result: RepairResult): string {
  return result.recreated.map((part) => `${part.role} ${part.name}`).join(", ") || "nothing to repair";
}

/** Reads from a host, turning "it does not answer" into a message that says to try again later. */
function reader(link: LinkRecord) {
  return async <T>(on: DockerHost, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      const say = (reason: string) =>
        `Cannot repair link ${link.id}: ${on.name} does not answer (${reason.replace(/\.$/, "")}); run repair again once it is back.`;
      throw new UserError(
        "cluster-unreachable",
        say(error instanceof DockerCallError ? error.reason : describeError(error)),
        say(
          error instanceof DockerCallError ? error.reasonWithoutAddress : describeErrorWithoutAddress(error),
        ),
      );
    }
  };
}

/**
 * Each stored part of the link with its live state, by cluster and role; a container joined to a network of the
 * link's (the source container, a `--consumer`) as `joined` reads it, by its name.
 */
async function readLive(
  core: EngineCore,
  link: LinkRecord,
  joined: Record<"connection" | "consumer", Promise<Docker.ContainerInspectInfo | undefined>>,
): Promise<Map<string, LiveParts>> {
  const read = reader(link);
  const look = async (resource: LinkResource): Promise<[ResourceRole, LivePart]> => {
    const on = core.clusters.host(resource.cluster);
    if (resource.kind === "network") {
      const info = await read(on, () => on.inspectNetwork(resource.id));
      return [resource.role, { resource, state: info ? "running" : "missing" }];
    }
    if (resource.kind === "connection") {
      // Connected when the container of that name runs on the network (the same consumer: one run again under its
      // name is another's); anything else is reconnected, before the path is proved.
      const info = await joined[resource.role as "connection" | "consumer"];
      const connected =
        info !== undefined &&
        (resource.role === "connection" || info.Id === resource.id) &&
        info.State.Running &&
        resource.network !== undefined &&
        resource.network in (info.NetworkSettings.Networks ?? {});
      return [resource.role, { resource, state: connected ? "running" : "missing" }];
    }
    const info = await read(on, () => on.inspectContainer(resource.id));
    const state = !info ? "missing" : info.State.Running ? "running" : "stopped";
    const mode =
      resource.role === "source" || resource.role === "target" ? link.modes?.[resource.role] : undefined;
    return [resource.role, { resource, state, info, mode: mode as AmbassadorMode | undefined }];
  };
  const found = await Promise.all(link.resources.map(async (r) => [r.cluster, ...(await look(r))] as const));
  const byCluster = new Map<string, LiveParts>();
  for (const [cluster, role, part] of found)
    byCluster.set(cluster, { ...byCluster.get(cluster), [role]: part });
  return byCluster;
}

/**
 * Objects carrying the link's label that its record does not name: what an attempt on it made before it was cut
 * short (a killed process, say). They hold the names the repair would take, and a stale ambassador may still listen.
 */
async function leftoversOf(core: EngineCore, link: LinkRecord): Promise<LinkResource[]> {
  const read = reader(link);
  const found = await Promise.all(
    linkClusters(link).map((cluster) => {
      const on = core.clusters.host(cluster);
      return read(on, () => labelledResources(on, link.id, link.resources, { storeId: core.links.storeId }));
    }),
  );
  return found.flat();
}

async function planRepair(
  core: EngineCore,
  link: LinkRecord,
  context: RequestContext,
): Promise<{ plan: LinkPlan; leftovers: LinkResource[] }> {
  if (link.status === "partial") {
    throw new UserError(
      "link-partial",
      `Link ${link.id} is only parts left (of a teardown or a link cut short), so there is nothing to repair; run teardown ${link.id} to finish removing them.`,
    );
  }
  const leaving = leavingTarget(link);
  if (leaving) {
    throw new UserError(
      "target-leaving",
      `Target ${leaving} of link ${link.id} is only partly removed, and a repair would make it again; run teardown ${link.id} --target ${leaving} to finish it, then repair ${link.id}.`,
    );
  }
  const source = core.clusters.host(link.sourceCluster);
  const targets = link.targets.map((target) => ({ ...target, host: core.clusters.host(target.cluster) }));
  // A consumer that already ran is linked on one target only (link refuses --consumer with several).
  const target = (targets[0] as (typeof targets)[number]).host;
  const consumerName = link.consumer?.name;
  const appRead = reader(link)(source, () => source.inspectContainer(link.container));
  const consumerRead = consumerName
    ? reader(link)(target, () => target.inspectContainer(consumerName))
    : Promise.resolve(undefined);
  const [app, live, consumer, leftovers] = await Promise.all([
    appRead,
    readLive(core, link, { connection: appRead, consumer: consumerRead }),
    consumerRead,
    leftoversOf(core, link),
  ]);
  if (!app) {
    // Renamed since (docker rename): the source ambassador's label names the container it was made for.
    const servedId = live.get(link.sourceCluster)?.source?.info?.Config.Labels?.[labelKeys.containerId];
    const now = servedId ? await source.inspectContainer(servedId).catch(() => undefined) : undefined;
    const renamed = now?.Name.replace(/^\//, "");
    if (renamed && renamed !== link.container) {
      throw new UserError(
        "container-renamed",
        `Container "${link.container}" on ${source.name} was renamed to ${renamed}; rename it back (docker rename ${renamed} ${link.container}), or tear link ${link.id} down and link ${renamed}.`,
      );
    }
  }
  if (!app?.State.Running) {
    throw new UserError(
      app ? "container-not-running" : "container-not-found",
      `Container "${link.container}" on ${source.name} is ${app ? app.State.Status : "gone"}; ${app ? `start it (docker start ${link.container})` : "run it again under the same name"}, then repair link ${link.id}.`,
    );
  }
  // A paused part runs and takes connections, but answers none: remaking it would hide what someone did.
  const paused = [
    ...(app.State.Paused ? [{ name: link.container, cluster: source.name }] : []),
    ...[...live.entries()].flatMap(([cluster, parts]) =>
      Object.values(parts).flatMap((part) =>
        part?.info?.State.Paused ? [{ name: part.resource.name, cluster }] : [],
      ),
    ),
  ];
  if (paused.length) {
    const names = paused.map((p) => `"${p.name}" on ${p.cluster}`).join(", ");
    const unpause = paused.map((p) => `docker unpause ${p.name}`).join("; ");
    throw new UserError(
      "container-paused",
      `Link ${link.id} does not answer while ${names} ${paused.length === 1 ? "is" : "are"} paused; unpause ${paused.length === 1 ? "it" : "them"} (${unpause}), then repair link ${link.id} if it still fails.`,
    );
  }
  if (consumerName && !consumer?.State.Running) {
    throw new UserError(
      consumer ? "consumer-not-running" : "consumer-not-found",
      `Consumer "${consumerName}" on ${target.name} is ${consumer ? consumer.State.Status : "gone"}; ${consumer ? `start it (docker start ${consumerName})` : "run it again under the same name"}, then repair link ${link.id}.`,
    );
  }
  const running = [...live.values()].every((parts) =>
    Object.values(parts).every((part) => part?.state === "running"),
  );
  const pathProblem =
    running && !leftovers.length ? await probePath(core.clusters, link, core.checkMs) : undefined;
  const plan: LinkPlan = {
    store: core.links.storeId,
    pathProblem,
    id: link.id,
    app: { name: link.container, id: app.Id, networks: Object.keys(app.NetworkSettings.Networks ?? {}) },
    alias: link.alias,
    ports: link.ports,
    wiring: link.wiring,
    // A new consumer is made under the name asked for (beside the old one as `<name>-2`, renamed once it goes).
    web: link.web ? { image: link.web.image, base: askedWebName(link.web) } : undefined,
    consumer:
      consumerName && consumer
        ? {
            name: consumerName,
            id: consumer.Id,
            networks: Object.keys(consumer.NetworkSettings.Networks ?? {}),
          }
        : undefined,
    channel: link.channel ?? context.channel,
    actor: context.actor,
    protection: link.protection ?? "plaintext",
    mode: core.mode,
    admit: await admittedFromAll(core, targetClusters(link)),
    source,
    targets: targets.map(({ host, certificate }) => ({ host, certificate, live: live.get(host.name) ?? {} })),
    target,
    live: live.get(source.name) ?? {},
    hostPorts: new Map(
      link.connections.map(({ port, address }) => [
        port,
        Number(address.slice(address.lastIndexOf(":") + 1)),
      ]),
    ),
  };
  return { plan, leftovers };
}

/**
 * Removes an interrupted attempt's leftovers before anything is made; one that cannot be removed is logged and the
 * repair goes on beside it (under another name), as `link` does.
 */
async function clearLeftovers(
  core: EngineCore,
  link: LinkRecord,
  leftovers: LinkResource[],
): Promise<LinkResource[]> {
  if (!leftovers.length) return [];
  const left = await removeResources((c) => core.clusters.host(c), [...leftovers].sort(byRoleOrder), link.id);
  for (const stuck of left) {
    core.logger?.warn(
      { link: link.id, container: stuck.name, cluster: stuck.cluster, err: stuck.error },
      "could not remove what an interrupted attempt left",
    );
  }
  return leftovers.filter((r) => !left.some((l) => l.id === r.id && l.cluster === r.cluster));
}

/**
 * Gives the containers a repair made beside the ones they replaced (`app-ambassador-2`) the names of those, once
 * they are removed, and saves the names; by cluster and role, the names taken back. Not with legacy links, which
 * name the target ambassador in its consumer. A name that cannot be taken back is logged and the new one kept.
 */
async function takeBackNames(
  core: EngineCore,
  link: LinkRecord,
  removed: readonly LinkResource[],
  made: readonly LinkResource[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (link.wiring === "legacy-links") return names;
  const renames = removed.flatMap((old) => {
    const fresh = made.find(
      (r) => r.kind === "container" && r.cluster === old.cluster && r.role === old.role,
    );
    return fresh && fresh.name !== old.name ? [{ old, fresh }] : [];
  });
  await Promise.all(
    renames.map(async ({ old, fresh }) => {
      try {
        await core.clusters.host(old.cluster).renameContainer(fresh.id, fresh.name, old.name);
        names.set(`${old.cluster}/${old.role}`, old.name);
      } catch (error) {
        core.logger?.warn(
          { link: link.id, container: fresh.name, name: old.name, err: describeError(error) },
          "could not give a remade container the name of the one it replaced",
        );
      }
    }),
  );
  if (names.size === 0) return names;
  const latest = core.links.get(link.id);
  if (latest) {
    const renamed = (r: LinkResource) => names.get(`${r.cluster}/${r.role}`) ?? r.name;
    const web = latest.resources.find((r) => r.role === "web" && r.kind === "container");
    // The repair is done and saved by ID: a record left with the old names is only out of date, never a reason to
    // undo it.
    await core.links
      .save({
        ...latest,
        resources: latest.resources.map((r) => (r.kind === "container" ? { ...r, name: renamed(r) } : r)),
        web: latest.web && web ? renamedWeb(latest.web, renamed(web)) : latest.web,
      })
      .catch((error: unknown) => {
        names.clear();
        core.logger?.warn(
          { link: link.id, err: describeError(error) },
          "could not save the names taken back",
        );
      });
  }
  return names;
}

/** Recreates what the link is missing or what runs stale, all or nothing: link, skipping the healthy parts. */
export async function repairLink(
  core: EngineCore,
  link: LinkRecord,
  context: RequestContext,
): Promise<RepairResult> {
  const gone = linkClusters(link).filter((cluster) => !isRegistered(core, cluster));
  if (gone.length) {
    throw new UserError(
      "cluster-unregistered",
      `Cannot repair link ${link.id}: ${gone.join(", ")} ${gone.length === 1 ? "is" : "are"} no longer registered; register ${gone.length === 1 ? "it" : "them"} again with clusters add, or tear the link down with teardown ${link.id}.`,
    );
  }
  const { plan, leftovers } = await planRepair(core, link, context);
  const cleared = (await clearLeftovers(core, link, leftovers)).map((r) => ({
    cluster: r.cluster,
    kind: r.kind,
    name: r.name,
  }));
  const attempt = newAttempt(core, link.id);
  try {
    const built = await buildLink(plan, attempt, core.launcher, core.authority);
    const recreated = remadeParts(built).sort(
      (a, b) => roleOrder.indexOf(a.role) - roleOrder.indexOf(b.role),
    );
    const webMappings = built.targets.flatMap((build) => build.webMappings);
    const webUrls = urlsOf(webMappings);
    const { connections } = built.source;
    const base = { linkId: link.id, connections, webUrls, cleared };
    if (recreated.length === 0) {
      if (link.status !== "active") await core.links.save({ ...link, status: "active" });
      return { ...base, status: "nothing-to-repair", recreated, replaced: [] };
    }
    const dropped = replacedParts(built);
    const source = built.source.containers.source;
    const [first] = built.targets;
    const { target, web } = first?.containers ?? {};
    await attempt.step("save link", "store", async () => {
      const latest = core.links.get(link.id) ?? link;
      await core.links.save({
        ...latest,
        resources: [...link.resources.filter((r) => !dropped.includes(r)), ...attempt.created].sort(
          byRoleOrder,
        ),
        connections,
        web: link.web && web ? renamedWeb(link.web, web.name) : link.web,
        modes: source?.mode && target?.mode ? { source: source.mode, target: target.mode } : link.modes,
        admits: source && built.source.remade.has("source") ? admitsOf(source) : link.admits,
        status: "active",
        // What the last check found was of the parts replaced: the next check says how the new ones do.
        health: undefined,
      });
    });
    const stale = dropped.filter(
      (r) =>
        r.kind === "container" &&
        [built.source, ...built.targets].some(
          (build) => build.plan.live[r.role]?.resource === r && build.plan.live[r.role]?.state !== "missing",
        ),
    );
    const left = await removeResources((c) => core.clusters.host(c), stale, link.id);
    for (const old of left) {
      core.logger?.warn(
        { link: link.id, container: old.name, err: old.error },
        "could not remove a replaced container",
      );
    }
    const removed = stale.filter((r) => !left.some((l) => l.id === r.id));
    const names = await takeBackNames(core, link, removed, attempt.created);
    return {
      ...base,
      status: "repaired",
      recreated: recreated.map((part) => ({
        ...part,
        name: names.get(`${part.cluster}/${part.role}`) ?? part.name,
      })),
      replaced: removed.map((r) => ({ cluster: r.cluster, name: r.name })),
      ...(left.length
        ? {
            left: left.map(({ cluster, name, error, errorWithoutAddress }) => ({
              cluster,
              name,
              error,
              errorWithoutAddress,
            })),
          }
        : {}),
    };
  } catch (error) {
    if (attempt.lost.length) {
      await core.links
        .update(link.id, (latest) => ({ ...latest, status: "broken" }))
        .catch((saveError: unknown) =>
          core.logger?.error(
            { err: saveError, link: link.id },
            "could not record that a failed repair broke the link",
          ),
        );
    }
    return failAttempt(attempt, error, "repair", [link.sourceCluster, ...targetClusters(link)], core.logger, {
      kept: link.resources,
    });
  }
}
