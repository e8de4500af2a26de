import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { z } from "zod";
import { type Deadlines, defaultDeadlines } from "../deadlines.js";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { DockerHost } from "../docker/docker-host.js";
import type { ClusterSummary } from "../domain/cluster.js";
import type { LinkRepository } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import { Alias, NewContainerName, Port } from "../domain/values.js";
import { UserError } from "../errors.js";
import { AmbassadorLauncher, type EngineLogger } from "./ambassador-launcher.js";
import type { LinkStep } from "./attempt.js";
import { createClusterHealth } from "./cluster-health.js";
import type { EngineCore } from "./engine-core.js";
import { createKeyedMutex } from "./keyed-mutex.js";
import { createLink } from "./link-create.js";
import { keptBy } from "./link-filter.js";
import { findLink } from "./link-lookup.js";
import { repairLink } from "./link-repair.js";
import { teardownLink, teardownTarget } from "./link-teardown.js";
import { readList } from "./read-list.js";
import { readPorts } from "./read-ports.js";
import { probeClusters } from "./read-probe.js";
import { createSharedReads } from "./read-shared.js";
import { reconcile } from "./reconcile.js";
import type { AmbassadorMode, Engine, LinkFilter, LinkOptions, Staged } from "./types.js";

export type { EngineLogger } from "./ambassador-launcher.js";
export type { LinkStep } from "./attempt.js";

/** What the link engine runs on: the clusters' hosts, the store's links, and its settings. */
export interface LinkEngineDeps {
  clusters: ClusterDirectory;
  links: LinkRepository;
  /** Issues the certificates of mTLS links (the bot's own CA). */
  authority: LinkAuthority;
  logger?: EngineLogger;
  /** Image every ambassador runs; default `ambassador-bot/ambassador:latest`. */
  ambassadorImage?: string;
  clock?: () => Date;
  deadlines?: Partial<Deadlines>;
  /** Clusters queried at once by ports, list and reconcile; default 16. */
  concurrency?: number;
  /** Mode every ambassador must run in, unless a link asks for one; default: the fastest the host permits. */
  mode?: AmbassadorMode;
  beforeStep?: (step: LinkStep) => void | Promise<void>;
  newId?: () => string;
}

export const defaultAmbassadorImage = "ambassador-bot/ambassador:latest";

function check<T>(schema: z.ZodType<T>, value: unknown, code: string, message: string): void {
  if (!schema.safeParse(value).success) throw new UserError(code, message);
}

/** The same checks the command line makes, for callers that reach the engine another way. */
function validate(options: LinkOptions): void {
  const { alias, ports = [], webName } = options;
  if (alias !== undefined) {
    const message = `"${alias}" is not a valid alias: use letters, digits and dashes (a DNS label, at most 63 characters).`;
    check(Alias, alias, "invalid-alias", message);
  }
  for (const port of ports) {
    check(
      Port,
      port,
      "port-out-of-range",
      `Port ${port} is out of range: use a whole number from 1 to 65535.`,
    );
  }
  if (webName !== undefined) {
    const message = `"${webName}" is not a valid container name: use letters, digits, "_", "." and "-".`;
    check(NewContainerName, webName, "invalid-name", message);
  }
}

/** A target named twice, or the source named as a target, is refused before anything is asked of a host. */
export function checkTargets(sourceCluster: string, targets: readonly string[]): void {
  if (targets.length === 0) {
    throw new UserError("no-target", "Name at least one target cluster, e.g. clusterb or clusterb,clusterc.");
  }
  if (targets.includes(sourceCluster)) {
    throw new UserError(
      "same-cluster",
      `${sourceCluster} is the source cluster and cannot also be a target; name other clusters as targets.`,
    );
  }
  const repeated = targets.find((target, i) => targets.indexOf(target) !== i);
  if (repeated) {
    throw new UserError(
      "repeated-target",
      `Target cluster ${repeated} is named twice; name each target once.`,
    );
  }
}

/**
 * A target that is the source's host under another name is refused unless it was registered with `--egress`: by
 * default the source ambassador admits the target's advertise address, which the host's own containers never
 * connect from (they come from their networks' addresses), so the link would be made and carry nothing.
 */
function checkHosts(
  source: DockerHost,
  targets: readonly DockerHost[],
  summaries: readonly Pick<ClusterSummary, "name" | "egress">[],
): void {
  const same = targets.find(
    (target) =>
      target.advertise === source.advertise &&
      !summaries.find((summary) => summary.name === target.name)?.egress?.length,
  );
  if (same) {
    throw new UserError(
      "same-host",
      `${same.name} and ${source.name} are one host (the same advertise address), whose containers connect from their own networks' addresses, which the link would not admit; link to another host, or register ${same.name} again with --egress naming those networks.`,
    );
  }
}

/**
 * The container's own name, the key a teardown or repair of its links waits on, so that a link asked by ID and
 * a teardown by name still run one after the other (the reference itself when the host cannot say), and what the
 * host said of it.
 */
async function sourceContainer(
  on: DockerHost,
  ref: string,
  timeoutMs: number,
): Promise<{ name: string; info?: Docker.ContainerInspectInfo }> {
  try {
    const info = await on.inspectContainer(ref, { timeoutMs });
    return info ? { name: info.Name.replace(/^\//, ""), info } : { name: ref };
  } catch {
    return { name: ref };
  }
}

/** Creates the link engine over the clusters' hosts and the store's links. */
export function createLinkEngine(deps: LinkEngineDeps): Engine {
  const deadlines = { ...defaultDeadlines, ...deps.deadlines };
  const clock = deps.clock ?? (() => new Date());
  const core: EngineCore = {
    clusters: deps.clusters,
    links: deps.links,
    launcher: new AmbassadorLauncher(
      deps.ambassadorImage ?? defaultAmbassadorImage,
      { handshakeMs: deadlines.handshake, readyMs: deadlines.ready },
      deps.logger,
    ),
    authority: deps.authority,
    logger: deps.logger,
    clock,
    checkMs: deadlines.check,
    newId: deps.newId ?? (() => randomBytes(6).toString("hex")),
    mode: deps.mode,
    beforeStep: deps.beforeStep,
    making: new Set(),
  };
  const health = createClusterHealth({
    ping: (cluster) => deps.clusters.host(cluster).ping({ timeoutMs: deadlines.ping }),
    recheckMs: deadlines.recheck,
    clock,
  });
  const reads = { concurrency: deps.concurrency ?? 16, deadlineMs: deadlines.read };
  const shared = createSharedReads();
  const staged = { ...reads, answerMs: deadlines.answer, health, shared, clock };
  const whole = async <T>(read: Promise<Staged<T>>) => {
    const { now, later } = await read;
    return later ?? now;
  };
  const mutex = createKeyedMutex();
  const stagedList = (filter?: LinkFilter) =>
    readList(deps.clusters, staged, deps.links.all().filter(keptBy(filter)), (link) =>
      mutex.held(`${link.sourceCluster}/${link.container}`),
    );
  // A read asked after a change starts afresh rather than join one that may have started before it.
  const serialised = <T>(cluster: string, container: string, task: () => Promise<T>) =>
    mutex.run(`${cluster}/${container}`, task).finally(() => shared.renew());
  const find = (ref: string, filter?: LinkFilter) => findLink(deps.links.all(), ref, keptBy(filter));
  const current = (linkId: string) => {
    const link = deps.links.get(linkId);
    if (!link) throw new UserError("link-not-found", `Link ${linkId} was already torn down.`);
    return link;
  };
  return {
    async link(container, sourceCluster, targetClusters, options, context) {
      validate(options);
      const targets = typeof targetClusters === "string" ? [targetClusters] : [...targetClusters];
      checkTargets(sourceCluster, targets);
      const source = deps.clusters.host(sourceCluster);
      checkHosts(
        source,
        targets.map((target) => deps.clusters.host(target)),
        deps.clusters.list(),
      );
      const before = mutex.changes();
      const { name, info } = await sourceContainer(source, container, deadlines.read);
      // No command ran while it was read, nor runs now: the link starts from that read, not from another.
      const quiet = mutex.changes() === before && !mutex.held(`${sourceCluster}/${name}`);
      const inspected = quiet ? info : undefined;
      return serialised(sourceCluster, name, () =>
        createLink(core, container, sourceCluster, targets, options, context, inspected),
      );
    },
    ports: (container, cluster) => whole(readPorts(deps.clusters, staged, container, cluster)),
    stagedPorts: (container, cluster) => readPorts(deps.clusters, staged, container, cluster),
    find,
    async teardown(ref, context, options = {}) {
      const link = find(ref);
      const { target } = options;
      return serialised(link.sourceCluster, link.container, () =>
        target === undefined
          ? teardownLink(core, current(link.id))
          : teardownTarget(core, current(link.id), target, (next) => repairLink(core, next, context)),
      );
    },
    list: async (filter) => (await whole(stagedList(filter))).views,
    stagedList,
    stagedProbe: (names) => probeClusters(deps.clusters, { ...staged, deadlineMs: deadlines.ping }, names),
    async repair(ref, context) {
      const link = find(ref);
      return serialised(link.sourceCluster, link.container, () =>
        repairLink(core, current(link.id), context),
      );
    },
    stop: () => health.stop(),
    reconcile: ({ fix, shown }) =>
      reconcile(deps.clusters, deps.links, {
        ...reads,
        fix,
        shown,
        logger: deps.logger,
        busy: (linkId) => core.making.has(linkId),
      }).finally(() => fix && shared.renew()),
  };
}
