import type { LinkHealth, LinkRecord, LinkRepository } from "../domain/link.js";
import { describeRole, partlyTornDown, sameParts, targetClusters } from "../domain/link.js";
import { sourceDockerLinked } from "../engine/link-plan.js";
import { ProbeKilled } from "../engine/path-probe.js";
import { alertChannels, type ClusterChannels } from "./alert-channels.js";
import { type LinkProblem, linkProblem, linkProblemFrom } from "./link-problem.js";

/**
 * `disconnected`: running, but not on the network the check named, or in the network namespace of a container that
 * stopped or started again since.
 */
export type ContainerState = "running" | "paused" | "stopped" | "missing" | "disconnected";

/** How long after a probe killed with its ambassador the link's containers are looked at again. */
const killedProbeSettleMs = 1_000;

/** How the monitor looks at the world; the real one talks to Docker and TCP, tests may fake it. */
export interface LinkProbe {
  /**
   * State of a container on a cluster, `disconnected` when a network is named and it runs off it; rejects when the
   * cluster cannot be reached.
   */
  container(
    cluster: string,
    idOrName: string,
    deadlineMs: number,
    network?: string,
    /** For a source ambassador Docker-linked to its container: that container's name, `disconnected` once replaced. */
    serves?: string,
  ): Promise<ContainerState>;
  /** Resolves when a connection through the link's target side reaches its source container; rejects with why not. */
  path(link: LinkRecord, deadlineMs: number): Promise<void>;
}

/** Where alerts go: a Slack channel, through Slack's Web API. */
export interface AlertSink {
  post(channel: string, text: string): Promise<void>;
}

export interface MonitorLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface LinkMonitorOptions {
  links: LinkRepository;
  probe: LinkProbe;
  alerts: AlertSink;
  /** The registered clusters and their channels, read at each alert: they decide which channels hear of a link. */
  clusters: { list(): ClusterChannels };
  logger: MonitorLogger;
  intervalMs: number;
  /** Deadline of each Docker call and TCP connection of a check. */
  checkTimeoutMs?: number;
  /** Docker calls in flight at once against one cluster. */
  perClusterConcurrency?: number;
  /** Called for a link that became broken, when automatic repair is on. */
  repair?: (linkId: string) => Promise<void>;
  /**
   * Called, whether automatic repair is on or not, for a link whose only problem is a target ambassador no longer in
   * its running consumer's network namespace: it remakes the ambassador there.
   */
  rejoin?: (linkId: string) => Promise<void>;
  now?: () => Date;
  /** Called when a link's health changes, after it is saved. */
  onChange?: (linkId: string) => void;
}

export interface LinkCheck {
  linkId: string;
  state: "healthy" | "broken";
  problems: string[];
}

/** Checks every link on an interval, keeps its health, and tells the channels that may see it when it changes. */
export interface LinkMonitor {
  start(): void;
  stop(): Promise<void>;
  /** Checks every link now (those not already being checked) and waits for the results of those still there. */
  checkAll(): Promise<LinkCheck[]>;
  health(linkId: string): LinkHealth | undefined;
  /** Resolves once every alert queued so far was posted (or failed and was logged). */
  alertsSent(): Promise<void>;
}

/** How long after a failed try the health check waits before it puts a target ambassador back again. */
const rejoinRetryMs = 10 * 60_000;

/**
 * How long an automatic repair that left the link broken waits before it is tried again: 30 s, doubled after each
 * try, at most 10 min; a link found healthy starts again from 30 s.
 */
export const repairRetryMs = { first: 30_000, most: 10 * 60_000 } as const;

/** A counting semaphore per cluster, so one slow host never takes the slots of another. */
function createClusterLimiter(limit: number) {
  const active = new Map<string, number>();
  const waiting = new Map<string, (() => void)[]>();
  return async function withSlot<T>(cluster: string, work: () => Promise<T>): Promise<T> {
    if ((active.get(cluster) ?? 0) >= limit) {
      // The slot is handed over by the one leaving it, so a newcomer cannot take it in between.
      await new Promise<void>((resolve) => {
        const queue = waiting.get(cluster) ?? [];
        queue.push(resolve);
        waiting.set(cluster, queue);
      });
    } else {
      active.set(cluster, (active.get(cluster) ?? 0) + 1);
    }
    try {
      return await work();
    } finally {
      const next = waiting.get(cluster)?.shift();
      if (next) next();
      else active.set(cluster, (active.get(cluster) ?? 1) - 1);
    }
  };
}

export function createLinkMonitor(options: LinkMonitorOptions): LinkMonitor {
  const timeoutMs = options.checkTimeoutMs ?? Math.min(5_000, Math.max(500, options.intervalMs / 2));
  // Proving a path runs a command in both ambassadors, whose own probe allows 3 s for an answer.
  const pathTimeoutMs = Math.max(timeoutMs, 4_000);
  const now = options.now ?? (() => new Date());
  const withSlot = createClusterLimiter(options.perClusterConcurrency ?? 4);
  const inFlight = new Map<string, Promise<LinkCheck | undefined>>();
  const healthById = new Map<string, LinkHealth>();
  /** Alerts of each link, in order; a slow Slack delays the link's next alert, never its next check. */
  const alertQueues = new Map<string, Promise<void>>();
  /** When putting a link's target ambassador back last failed. */
  const rejoinFailed = new Map<string, number>();
  /** When an automatic repair of a link still broken was last tried, and how long the next waits. */
  const repairTried = new Map<string, { at: number; waitMs: number }>();
  let timer: NodeJS.Timeout | undefined;

  /** What is wrong with the link's containers (stopped, missing, off their network) or their hosts, if anything. */
  async function containerProblems(link: LinkRecord): Promise<LinkProblem[]> {
    const containers = link.resources.filter(
      (resource) => resource.kind === "container" || resource.role === "consumer",
    );
    const unreachable = new Set<string>();
    const problems = await Promise.all(
      containers.map(async (resource) => {
        const what = `${describeRole(resource.role)} ${resource.name} on ${resource.cluster}`;
        try {
          const dockerLinked = resource.role === "source" && sourceDockerLinked(link);
          const state = await withSlot(resource.cluster, () =>
            options.probe.container(
              resource.cluster,
              resource.id,
              timeoutMs,
              resource.network,
              dockerLinked ? link.container : undefined,
            ),
          );
          const inConsumer = link.wiring === "shared" && resource.role === "target";
          const problem = (text: string) =>
            inConsumer && state === "disconnected"
              ? { ...linkProblem(text), outOfItsConsumer: true as const }
              : linkProblem(text);
          if (state === "disconnected" && dockerLinked) {
            return problem(
              `${what} is Docker-linked to the ${link.container} that was replaced under its name, and never follows the new one`,
            );
          }
          if (state === "disconnected") {
            return problem(
              resource.network
                ? `${what} is not on ${resource.network}`
                : `${what} is cut off: the consumer whose network namespace it runs in stopped or restarted`,
            );
          }
          return state === "running" ? undefined : problem(`${what} is ${state}`);
        } catch (error) {
          if (unreachable.has(resource.cluster)) return undefined;
          unreachable.add(resource.cluster);
          return linkProblemFrom((why) => `${resource.cluster} cannot be reached: ${why}`, error);
        }
      }),
    );
    return problems.filter((found): found is LinkProblem => found !== undefined);
  }

  async function inspect(link: LinkRecord): Promise<LinkProblem[]> {
    const found = await containerProblems(link);
    if (found.length) return found;
    try {
      await withSlot(link.targetCluster, () => options.probe.path(link, pathTimeoutMs));
      return [];
    } catch (error) {
      // A probe cut short by its ambassador stopping, or its host going away, is named by that, not by the path.
      let after = await containerProblems(link);
      // Killed with its ambassador, whose host may not have marked it stopped yet: looked at again a moment later.
      if (!after.length && error instanceof ProbeKilled) {
        await new Promise((resolve) => setTimeout(resolve, killedProbeSettleMs));
        after = await containerProblems(link);
      }
      if (after.length) return after;
      const path = `the path from ${targetClusters(link).join(", ")} to ${link.container} on ${link.sourceCluster}`;
      return [linkProblemFrom((why) => `${path} is broken: ${why}`, error)];
    }
  }

  async function record(link: LinkRecord, found: LinkProblem[]): Promise<LinkCheck | undefined> {
    // Torn down, or its parts replaced by a repair or a teardown, while it was checked: what was found is of parts
    // the link no longer has. A link gone or going is not reported; one with new parts is checked again.
    const latest = options.links.get(link.id);
    if (!latest || partlyTornDown(latest)) return undefined;
    if (!sameParts(latest, link)) return record(latest, await inspect(latest));
    const problems = found.map((each) => each.shown);
    const at = now().toISOString();
    const state = problems.length ? "broken" : "healthy";
    const previous = healthById.get(link.id) ?? link.health;
    const changed = previous?.state !== state;
    const health: LinkHealth = {
      state,
      since: changed ? at : (previous?.since ?? at),
      lastCheck: at,
      problems,
    };
    // Saved when it changed, and onto a record whose own differs (a repair drops what the last check found).
    if (changed || latest.health?.state !== state) {
      // Saved onto the record as it stands once the writes asked before are done; when those changed its parts or
      // took it away, this check is of the past.
      let kept = false;
      await options.links.update(link.id, (current) => {
        kept = !partlyTornDown(current) && sameParts(current, link);
        return kept ? { ...current, health } : undefined;
      });
      if (!kept) return record(link, found);
    }
    healthById.set(link.id, health);
    if (changed) {
      options.onChange?.(link.id);
      // A new link is taken as healthy: only a change from healthy (or from broken) is news.
      const wasHealthy = previous === undefined || previous.state !== "broken";
      if (state === "broken" && wasHealthy) alert(link, brokenText(link, problems));
      if (state === "healthy" && previous?.state === "broken") alert(link, recoveredText(link));
      options.logger[state === "broken" ? "warn" : "info"](
        { linkId: link.id, problems: found.map((each) => each.logged) },
        `link ${state}`,
      );
    }
    if (state === "healthy") repairTried.delete(link.id);
    // Tried when the link breaks, and again while it stays broken (one found broken at the start among them), each
    // time after a longer rest: a repair that failed for a host that was down succeeds once it is back.
    const tried = repairTried.get(link.id);
    const due = changed || tried === undefined || now().getTime() - tried.at >= tried.waitMs;
    if (state === "broken" && options.repair && due) {
      const waitMs = changed || !tried ? repairRetryMs.first : Math.min(tried.waitMs * 2, repairRetryMs.most);
      repairTried.set(link.id, { at: now().getTime(), waitMs });
      await options
        .repair(link.id)
        .catch((error) => options.logger.error({ linkId: link.id, err: error }, "automatic repair failed"));
      return { linkId: link.id, state, problems };
    }
    // Docker starts such an ambassador again only while its consumer runs: once the consumer is back, it is put back.
    // One that could not be is tried again only after a while, not at every check.
    const failedAt = rejoinFailed.get(link.id);
    const rested = failedAt === undefined || now().getTime() - failedAt >= rejoinRetryMs;
    if (found.length && found.every((each) => each.outOfItsConsumer) && options.rejoin && rested) {
      try {
        await options.rejoin(link.id);
        rejoinFailed.delete(link.id);
      } catch (error) {
        rejoinFailed.set(link.id, now().getTime());
        options.logger.error(
          { linkId: link.id, err: error },
          "could not put a target ambassador back in its consumer's namespace",
        );
      }
    }
    return { linkId: link.id, state, problems };
  }

  function alert(link: LinkRecord, text: string): void {
    const channels = alertChannels(link, options.clusters.list());
    if (!channels.length) {
      options.logger.info(
        { linkId: link.id, channel: link.channel },
        "alert not posted: no channel to post it to may see every cluster of the link",
      );
      return;
    }
    const previous = alertQueues.get(link.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      for (const channel of channels) {
        try {
          await options.alerts.post(channel, text);
        } catch (error) {
          options.logger.error({ linkId: link.id, channel, err: error }, "could not post an alert");
        }
      }
    });
    alertQueues.set(link.id, next);
    void next.then(() => {
      if (alertQueues.get(link.id) === next) alertQueues.delete(link.id);
    });
  }

  function check(link: LinkRecord): Promise<LinkCheck | undefined> {
    const running = inFlight.get(link.id);
    if (running) return running;
    const pending = inspect(link)
      .then((problems) => record(link, problems))
      .finally(() => inFlight.delete(link.id));
    inFlight.set(link.id, pending);
    return pending;
  }

  function current(): LinkRecord[] {
    // A partial link, or one with a target partly removed, is what an unfinished teardown left: it is not meant to
    // work in full.
    const links = options.links.all().filter((link) => !partlyTornDown(link));
    const ids = new Set(links.map((link) => link.id));
    for (const id of healthById.keys()) if (!ids.has(id)) healthById.delete(id);
    for (const id of repairTried.keys()) if (!ids.has(id)) repairTried.delete(id);
    return links;
  }

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        for (const link of current()) {
          if (!inFlight.has(link.id)) void check(link);
        }
      }, options.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await Promise.allSettled([...inFlight.values()]);
      await Promise.allSettled([...alertQueues.values()]);
    },
    async checkAll() {
      const checks = await Promise.all(current().map(check));
      return checks.filter((each): each is LinkCheck => each !== undefined);
    },
    health(linkId) {
      return healthById.get(linkId) ?? options.links.get(linkId)?.health;
    },
    async alertsSent() {
      await Promise.allSettled([...alertQueues.values()]);
    },
  };
}

export function brokenText(link: LinkRecord, problems: string[]): string {
  return [
    `:warning: Link ${link.id} (${link.container}: ${link.sourceCluster} → ${targetClusters(link).join(", ")}) is broken:`,
    ...problems.map((problem) => `• ${problem}`),
    // What to do depends on more than the check saw (a container of the user's own to start first, a host that did
    // not answer): status says it, from the hosts' answers at that moment.
    `\`/ambassador status ${link.id}\` says what to do next; \`/ambassador repair ${link.id}\` makes again what the bot made.`,
  ].join("\n");
}

export function recoveredText(link: LinkRecord): string {
  return `:white_check_mark: Link ${link.id} (${link.container}: ${link.sourceCluster} → ${targetClusters(link).join(", ")}) works again.`;
}
