import type Docker from "dockerode";
import { type DockerHost, listedName } from "../docker/docker-host.js";
import { type LinkRecord, renamedWeb } from "../domain/link.js";
import { targetCertificateName } from "../domain/pki.js";
import { Alias, maxLinkPorts, Port } from "../domain/values.js";
import { describeError, isUserError, UserError } from "../errors.js";
import type { Attempt } from "./attempt.js";
import { failAttempt } from "./attempt-failure.js";
import { closeNames } from "./close-names.js";
import { admittedFromAll, type EngineCore, newAttempt, openToRequest } from "./engine-core.js";
import { webImageFix } from "./image-check.js";
import { type ClearedObject, clearInterruptedLinks, leftByInterruptedLink } from "./interrupted-links.js";
import { linkIdOf } from "./labels.js";
import { buildLink } from "./link-build.js";
import { describeExisting, sameLink } from "./link-existing.js";
import { admitsOf } from "./link-parts.js";
import type { LinkPlan } from "./link-plan.js";
import { envName, sourceRows, urlsOf } from "./mappings.js";
import { namespaceOwner } from "./namespace-owner.js";
import { byRoleOrder } from "./resource-removal.js";
import type { LinkOptions, LinkResult, RequestContext, TargetResult } from "./types.js";

/** The end of a "no such container" line: the host's names close to `ref`, else `otherwise`. */
async function missingHint(
  on: DockerHost,
  ref: string,
  signal: AbortSignal,
  otherwise: string,
): Promise<string> {
  const names = (await on.listContainers([], { signal })).map(listedName);
  const close = closeNames(ref, names);
  return close.length ? ` Did you mean ${close.map((n) => `"${n}"`).join(" or ")}?` : ` ${otherwise}`;
}

async function findSourceContainer(on: DockerHost, ref: string, signal: AbortSignal) {
  const info = await on.inspectContainer(ref, { signal });
  if (info) return info;
  const hint = await missingHint(on, ref, signal, "Check the name with `ports` or `docker ps` on that host.");
  throw new UserError("container-not-found", `No container "${ref}" on ${on.name}.${hint}`);
}

/**
 * The consumer `--consumer` names on the target cluster, refused before anything is made unless it runs and is
 * not one of the bot's own containers.
 */
async function findConsumer(on: DockerHost, ref: string, signal: AbortSignal) {
  const info = await on.inspectContainer(ref, { signal });
  if (!info) {
    const hint = await missingHint(
      on,
      ref,
      signal,
      "Start it first, or pass --web IMAGE to start a new consumer.",
    );
    throw new UserError(
      "consumer-not-found",
      `No container "${ref}" on ${on.name} to use as the consumer.${hint}`,
    );
  }
  const name = info.Name.replace(/^\//, "");
  if (linkIdOf(info.Config.Labels)) {
    // Which link is not said: it may be on a cluster the person asking may not see.
    throw new UserError(
      "consumer-is-ours",
      `Container "${name}" on ${on.name} is part of a link the bot made; pass a container of your own to --consumer.`,
    );
  }
  if (!info.State.Running) {
    throw new UserError(
      "consumer-not-running",
      `Consumer "${name}" on ${on.name} is ${info.State.Status}, not running; start it first (docker start ${name}).`,
    );
  }
  const cannotJoin = networkModeRefusal(info.HostConfig.NetworkMode);
  if (cannotJoin) {
    throw new UserError(
      "consumer-cannot-join",
      `Consumer "${name}" on ${on.name} ${cannotJoin}, so it cannot join the link's network; run it on a bridge or a network of your own (docker run --network bridge …).`,
    );
  }
  return { name, id: info.Id, networks: Object.keys(info.NetworkSettings.Networks ?? {}) };
}

/** Why Docker would not connect a container in this network mode to another network; undefined when it would. */
function networkModeRefusal(mode: string | undefined): string | undefined {
  if (mode === "host") return "runs in the host's network (--network host)";
  if (mode === "none") return "has no network (--network none)";
  const owner = namespaceOwner(mode);
  return owner ? `runs in the network namespace of container ${owner}` : undefined;
}

/** The names Docker's /etc/hosts gives every container for itself, ahead of any the link adds. */
const containerOwnNames = new Set([
  "localhost",
  "ip6-localhost",
  "ip6-loopback",
  "ip6-localnet",
  "ip6-mcastprefix",
  "ip6-allnodes",
  "ip6-allrouters",
]);

/** The alias and ports a link carries: as asked, else the container's name and every TCP port it exposes. */
function carried(info: Docker.ContainerInspectInfo, on: DockerHost, options: LinkOptions) {
  const name = info.Name.replace(/^\//, "");
  const alias = options.alias ?? name;
  if (!Alias.safeParse(alias).success) {
    throw new UserError(
      "invalid-alias",
      `The container's name "${alias}" is not a valid alias; pass --alias with letters, digits and dashes (a DNS label).`,
    );
  }
  // The ambassador takes no route from a variable named like Docker's copies of a linked container's environment.
  if (/_ENV(_|$)/.test(envName(alias))) {
    throw new UserError(
      "invalid-alias",
      `The alias "${alias}" names its variables as Docker names copies of a container's environment (${envName(alias)}_PORT_…); pass another with --alias.`,
    );
  }
  if (containerOwnNames.has(alias.toLowerCase())) {
    throw new UserError(
      "invalid-alias",
      `The alias "${alias}" is a name every container's /etc/hosts gives to the container itself, so the consumer would reach itself, not the link; pass another with --alias.`,
    );
  }
  const exposed = Object.keys(info.Config.ExposedPorts ?? {})
    .filter((key) => key.endsWith("/tcp"))
    .map((key) => Number(key.split("/")[0]));
  const ports = [...new Set(options.ports?.length ? options.ports : exposed)]
    .filter((port) => Port.safeParse(port).success)
    .sort((a, b) => a - b);
  if (ports.length === 0) {
    throw new UserError(
      "no-ports",
      `Container "${name}" on ${on.name} exposes no TCP port; pass the port(s) to carry with --port.`,
    );
  }
  if (ports.length > maxLinkPorts) {
    throw new UserError(
      "too-many-ports",
      options.ports?.length
        ? `${ports.length} ports were given with --port; a link carries at most ${maxLinkPorts}: split them across links.`
        : `Container "${name}" on ${on.name} exposes ${ports.length} TCP ports; a link carries at most ${maxLinkPorts}: pass the ones to carry with --port.`,
    );
  }
  return { name, alias, ports };
}

/**
 * How a link is wired: as asked with `--legacy-links`; else `shared` for an mTLS link that starts its consumer
 * (`--web`) from a source container on the default bridge: no network is made, the consumer runs in its target
 * ambassador's network namespace, which nothing else reaches; else a network of the link's own on each side.
 */
function wiringOf(options: LinkOptions, info: Docker.ContainerInspectInfo): LinkRecord["wiring"] {
  if (options.legacyLinks) return "legacy-links";
  const onBridge = "bridge" in (info.NetworkSettings.Networks ?? {});
  return options.web && !options.plaintext && !options.consumer && onBridge ? "shared" : "networks";
}

/** Makes a new link (or returns the identical one that exists), all or nothing on every host it touches. */
export async function createLink(
  core: EngineCore,
  containerRef: string,
  sourceCluster: string,
  targetClusters: readonly string[],
  options: LinkOptions,
  context: RequestContext,
  /** The source container as its host described it just before, when nothing can have changed it since. */
  inspected?: Docker.ContainerInspectInfo,
): Promise<LinkResult> {
  const source = core.clusters.host(sourceCluster);
  const targets = targetClusters.map((cluster) => core.clusters.host(cluster));
  const attempt = newAttempt(core, core.newId());
  core.making.add(attempt.linkId);
  try {
    return await attemptLink(core, attempt, source, targets, containerRef, options, context, inspected);
  } finally {
    core.making.delete(attempt.linkId);
  }
}

async function attemptLink(
  core: EngineCore,
  attempt: Attempt,
  source: DockerHost,
  targets: DockerHost[],
  containerRef: string,
  options: LinkOptions,
  context: RequestContext,
  inspected: Docker.ContainerInspectInfo | undefined,
): Promise<LinkResult> {
  const sourceCluster = source.name;
  const targetClusters = targets.map((target) => target.name);
  if (options.consumer && (options.legacyLinks || options.web || targets.length > 1)) {
    throw new UserError(
      "invalid-consumer",
      options.web
        ? "--consumer and --web are mutually exclusive: --web starts a new consumer, --consumer links one that runs; pass one."
        : options.legacyLinks
          ? "--consumer cannot be used with --legacy-links: a Docker link is set only when a container is created, and the consumer already runs; drop --legacy-links."
          : "--consumer links one running container on one target cluster; name a single target cluster, or use --web to start a consumer on each.",
    );
  }
  const consumerRef = options.consumer;
  const target = targets[0] as DockerHost;
  let plan: LinkPlan | undefined;
  try {
    const [info, consumer] = await attempt.all([
      attempt.step(
        "inspect container",
        source.name,
        (signal) =>
          inspected ? Promise.resolve(inspected) : findSourceContainer(source, containerRef, signal),
        { makesNothing: true },
      ),
      consumerRef
        ? attempt.step(
            "inspect consumer",
            target.name,
            (signal) => findConsumer(target, consumerRef, signal),
            { makesNothing: true },
          )
        : Promise.resolve(undefined),
    ]);
    if (linkIdOf(info.Config.Labels)) {
      // Which link is not said: it may be on a cluster the person asking may not see.
      throw new UserError(
        "container-is-ours",
        `Container "${info.Name.replace(/^\//, "")}" on ${source.name} is part of a link the bot made; link the container it serves instead.`,
      );
    }
    const { name, alias, ports } = carried(info, source, options);
    const wiring = wiringOf(options, info);
    const web = options.web ? { image: options.web, base: options.webName ?? "web" } : undefined;
    const protection = options.plaintext ? "plaintext" : "mtls";
    const wanted = {
      container: name,
      alias,
      sourceCluster,
      targetClusters,
      ports,
      wiring,
      web,
      consumer: consumer?.name,
      protection,
    } as const;
    const existing = core.links.all().find((record) => sameLink(record, wanted));
    if (existing) return await describeExisting(core, existing);
    // A link of it cut short while torn down holds its names and host ports: a new one would take others.
    const unfinished = core.links
      .all()
      .find(
        (record) =>
          record.status === "partial" && record.container === name && record.sourceCluster === sourceCluster,
      );
    if (unfinished) {
      throw new UserError(
        "link-partial",
        `Link ${unfinished.id} of "${name}" on ${source.name} is only parts left (of a teardown or a link cut short); run teardown ${unfinished.id} to finish removing them, then link again.`,
      );
    }
    if (!info.State.Running) {
      throw new UserError(
        "container-not-running",
        `Container "${name}" on ${source.name} is ${info.State.Status}, not running; start it first (docker start ${name}).`,
      );
    }
    const linkId = attempt.linkId;
    plan = {
      id: linkId,
      store: core.links.storeId,
      app: { name, id: info.Id, networks: Object.keys(info.NetworkSettings.Networks ?? {}) },
      alias,
      ports,
      wiring,
      web,
      consumer,
      channel: context.channel,
      actor: context.actor,
      protection,
      mode: options.mode ?? core.mode,
      admit: await admittedFromAll(core, targetClusters),
      source,
      targets: targets.map((host) => ({
        host,
        certificate: protection === "mtls" ? targetCertificateName(linkId, host.name) : undefined,
        live: {},
      })),
      target: targets[0] as DockerHost,
      live: {},
      interrupted: leftByInterruptedLink(core, name),
    };
    return await makeLink(core, attempt, plan, context);
  } catch (error) {
    if (isUserError(error) && attempt.created.length === 0) throw error;
    const made = plan;
    return failAttempt(attempt, error, "link", [source.name, ...targetClusters], core.logger, {
      keep: async (left) => {
        if (made) await core.links.save(recordOf(core, made, "partial", left));
      },
    });
  }
}

async function makeLink(
  core: EngineCore,
  attempt: Attempt,
  plan: LinkPlan,
  context: RequestContext,
): Promise<LinkResult> {
  const ambassador = { image: core.launcher.image, what: "ambassador" } as const;
  const web = plan.web ? [{ image: plan.web.image, what: "web" as const, fix: webImageFix }] : [];
  const hosts = [...new Set([plan.source, ...plan.targets.map((target) => target.host)])];
  const cleared: ClearedObject[][] = hosts.map(() => []);
  const spans = new Set<string>();
  const built = await buildLink(plan, attempt, core.launcher, core.authority, (images) =>
    attempt.all([
      images.ensure(plan.source, [ambassador]),
      ...plan.targets.map((target) => images.ensure(target.host, [ambassador, ...web])),
      ...hosts.map((on, i) =>
        attempt.step(
          "clear what an interrupted link left",
          on.name,
          async (signal) => {
            const found = await clearInterruptedLinks(core, on, plan.app.name, signal);
            cleared[i] = found.cleared;
            for (const cluster of found.spans) spans.add(cluster);
          },
          // It removes other links' objects only.
          { makesNothing: true },
        ),
      ),
    ]),
  );
  const source = built.source.containers.source;
  const targets = built.targets.map((build) => {
    const { target, web: consumer } = build.containers;
    if (!target?.mode) throw new Error("a new link has no target ambassador");
    return { build, target: { ...target, mode: target.mode }, consumer };
  });
  const first = targets[0];
  if (!source?.mode || !first) throw new Error("a new link has no ambassador");
  const { connections, sourceMappings } = built.source;
  const record = recordOf(core, plan, "active", attempt.created, {
    connections,
    web:
      plan.web && first.consumer
        ? renamedWeb({ image: plan.web.image, name: plan.web.base }, first.consumer.name)
        : undefined,
    modes: { source: source.mode, target: first.target.mode },
    protection: plan.protection,
    admits: admitsOf(source),
  });
  await attempt.step("save link", "store", () => core.links.save(record));
  // Once the link is saved: a crash meanwhile leaves none of its own parts looking like an interrupted link's.
  const elsewhere = await clearElsewhere(core, plan.app.name, context, hosts, spans);
  cleared.push(elsewhere.cleared);
  const answers: TargetResult[] = targets.map(({ build, target }) => ({
    cluster: build.plan.target.name,
    ambassador: { cluster: build.plan.target.name, name: target.name, id: target.id, mode: target.mode },
    mappings: build.webMappings,
    webUrls: urlsOf(build.webMappings),
  }));
  return {
    link: record,
    existing: false,
    source: { cluster: plan.source.name, name: source.name, id: source.id, mode: source.mode },
    target: (answers[0] as TargetResult).ambassador,
    targets: answers,
    connections,
    mappings: [
      ...sourceRows(sourceMappings, plan.protection),
      ...answers.flatMap((answer) => answer.mappings),
    ],
    webUrls: answers.flatMap((answer) => answer.webUrls),
    timings: attempt.timings,
    tookMs: attempt.elapsedMs,
    ...(cleared.flat().length ? { cleared: cleared.flat() } : {}),
    ...(elsewhere.silent.length ? { unclearedOn: elsewhere.silent } : {}),
    ...silentPortsOf(source.warnings, plan.ports),
    ...renamedWebsOf(plan, targets),
  };
}

/** How long a cluster the new link does not use is given to list and remove what an interrupted link left there. */
const elsewhereMs = 5_000;

/**
 * What interrupted links of the container left on clusters this link does not use, which their labels name: removed
 * too, so no part of them holds a name or a host port. Only on clusters the request may act on (from Slack, those
 * open to its channel: the answer names what it removed); a cluster it may not, or one that does not answer, is
 * left to `reconcile --fix`.
 */
async function clearElsewhere(
  core: EngineCore,
  container: string,
  context: RequestContext,
  hosts: readonly DockerHost[],
  spans: ReadonlySet<string>,
): Promise<{ cleared: ClearedObject[]; silent: string[] }> {
  const others = [...spans].filter(
    (cluster) => openToRequest(core, context, cluster) && !hosts.some((host) => host.name === cluster),
  );
  const each = await Promise.all(
    others.map(async (cluster) => {
      try {
        const host = core.clusters.host(cluster);
        const found = await clearInterruptedLinks(core, host, container, AbortSignal.timeout(elsewhereMs));
        return { cleared: found.cleared, silent: [] };
      } catch (error) {
        core.logger?.warn(
          { cluster, err: describeError(error) },
          "could not clear what an interrupted link left; reconcile --fix removes it",
        );
        return { cleared: [], silent: [cluster] };
      }
    }),
  );
  return { cleared: each.flatMap((e) => e.cleared), silent: each.flatMap((e) => e.silent) };
}

/** The consumers that did not get the name asked for, which a container of the target cluster had. */
function renamedWebsOf(
  plan: LinkPlan,
  targets: readonly { build: { plan: LinkPlan }; consumer?: { name: string } }[],
): Pick<LinkResult, "renamedWebs"> {
  const asked = plan.web?.base;
  const renamed = targets.flatMap(({ build, consumer }) =>
    asked && consumer && consumer.name !== asked
      ? [{ cluster: build.plan.target.name, asked, name: consumer.name }]
      : [],
  );
  return renamed.length ? { renamedWebs: renamed } : {};
}

/**
 * The link's ports a new source ambassador warned that nothing answers on, as it says it: `… at <host>:<port>`. Of
 * the others it was told of (Docker's link variables name every port the container exposes) nothing is said.
 */
function silentPortsOf(
  warnings: readonly string[] = [],
  carried: readonly number[],
): Pick<LinkResult, "silentPorts"> {
  const ports = warnings.flatMap((warning) => {
    const port = Number(/^nothing answers at .+:(\d+)$/.exec(warning)?.[1]);
    return carried.includes(port) ? [port] : [];
  });
  return ports.length ? { silentPorts: ports.sort((a, b) => a - b) } : {};
}

/** The record of a link made from `plan`: `active` once every part runs, `partial` when a rollback left some. */
function recordOf(
  core: EngineCore,
  plan: LinkPlan,
  status: LinkRecord["status"],
  resources: LinkRecord["resources"],
  made: Pick<LinkRecord, "connections" | "web" | "modes" | "protection" | "admits"> = { connections: [] },
): LinkRecord {
  return {
    id: plan.id,
    container: plan.app.name,
    alias: plan.alias,
    sourceCluster: plan.source.name,
    targetCluster: plan.target.name,
    targets: plan.targets.map((target) => ({ cluster: target.host.name, certificate: target.certificate })),
    ports: plan.ports,
    wiring: plan.wiring,
    consumer: plan.consumer ? { name: plan.consumer.name } : undefined,
    ...made,
    status,
    resources: [...resources]
      .sort(byRoleOrder)
      .map(({ cluster, kind, role, id, name, network, hostPorts }) => ({
        cluster,
        kind,
        role,
        id,
        name,
        network,
        hostPorts,
      })),
    createdAt: core.clock().toISOString(),
    createdBy: plan.actor,
    channel: plan.channel,
  };
}
