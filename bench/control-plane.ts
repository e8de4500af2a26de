import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type AppServices, createServices, defaultBackend } from "../src/app-context.js";
import { configSecrets, loadConfig } from "../src/config.js";
import type { RequestContext } from "../src/engine/types.js";
import { describeError } from "../src/errors.js";
import { createLogger } from "../src/logger.js";
import { startSlackWithMonitor } from "../src/run-here.js";
import type { SlackBot } from "../src/slack/slack-bot.js";
import { seedAuditedStore } from "./audited-store.js";
import { benchLabel, step } from "./bench-docker.js";
import type { BenchLab } from "./bench-lab.js";
import {
  type BenchStore,
  createBenchStore,
  deadHosts,
  readDeadlineMs,
  startSilentPort,
} from "./bench-store.js";
import type { DataPathTopology } from "./data-path.js";
import { controlPlaneGoalTargets } from "./goals.js";
import { timeLinkSaves } from "./link-saves.js";
import type { ControlPlane, ControlPlaneCounts, ControlPlaneFigure, GoalResult } from "./results-schema.js";
import { type SlashReply, startSlackClient } from "./slack-client.js";
import { median, percentile, round } from "./stats.js";

/** What the control-plane measurements get to work with. */
export interface ControlPlaneContext {
  lab: BenchLab;
  kind: "full" | "smoke";
  runId: string;
  progress: (line: string) => void;
}

/** How much each measurement does; a smoke run does every one, smaller. */
export const controlPlaneCounts: Record<"full" | "smoke", ControlPlaneCounts> = {
  full: {
    links: 10,
    slackCommands: 50,
    storeLinks: 1000,
    auditEntries: 100_000,
    scaleClusters: 50,
    scaleDeadClusters: 4,
  },
  smoke: {
    links: 2,
    slackCommands: 10,
    storeLinks: 100,
    auditEntries: 10_000,
    scaleClusters: 10,
    scaleDeadClusters: 2,
  },
};

/** The store for `ports`: 10 clusters, of which 2 do not answer. */
const portsClusters = { namesPerHost: 4, dead: 2 };

/** Bursts of slash commands whose acks are pooled for the percentiles; the first finds the bot cold. */
const ackBursts = 3;

const benchActor: RequestContext = { actor: { kind: "local", user: "bench" }, channel: "C1" };

type Figures = Partial<Record<ControlPlaneFigure, number>>;

/** Measurements that share their setup; a failure leaves all of its figures unmeasured, with the reason. */
interface Phase {
  name: string;
  figures: ControlPlaneFigure[];
  run(): Promise<Figures>;
}

function elapsedSince(started: number): number {
  return round(performance.now() - started, 1);
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: elapsedSince(started), value };
}

/** `hello-app` on host A as a container the bot did not make, labelled for the benchmark's clean-up. */
async function startApp(lab: BenchLab, name: string): Promise<void> {
  await step(lab.a, `starting ${name}`, async () => {
    const container = await lab.a.docker.createContainer({
      Image: "hello-app:latest",
      name,
      Labels: { [benchLabel]: name.split("-").at(-1) ?? "" },
    });
    await container.start();
  });
}

/** `link` then `teardown`, `count` times, with the images present on both hosts. */
async function linkAndTeardown(
  store: BenchStore,
  app: string,
  count: number,
  progress: ControlPlaneContext["progress"],
): Promise<Figures> {
  const links: number[] = [];
  const teardowns: number[] = [];
  let linked: string | undefined;
  try {
    for (let i = 0; i < count; i++) {
      const link = await timed(() =>
        store.engine.link(app, "clustera", "clusterb", { alias: "helloapp" }, benchActor),
      );
      linked = link.value.link.id;
      if (link.value.existing) throw new Error("link returned an existing link instead of making one");
      const teardown = await timed(() => store.engine.teardown(link.value.link.id, benchActor));
      if (teardown.value.status !== "removed") {
        throw new Error(`teardown left ${teardown.value.left.map((l) => l.name).join(", ")}`);
      }
      linked = undefined;
      links.push(link.ms);
      teardowns.push(teardown.ms);
      progress(
        `link ${i + 1}/${count}: ${link.ms} ms (${link.value.source.mode}), teardown ${teardown.ms} ms`,
      );
    }
  } finally {
    // The ambassadors carry the engine's labels, not the benchmark's: only a teardown removes them.
    if (linked) await store.engine.teardown(linked, benchActor).catch(() => undefined);
  }
  return { linkMs: round(median(links), 1), teardownMs: round(median(teardowns), 1) };
}

/**
 * `ports` as a user gets it: the time to the first answer, which must hold every live cluster and name the dead
 * ones as not heard from; then the time until the whole (the dead ones failed or past their deadline).
 */
async function timeStagedPorts(
  store: BenchStore,
  app: string,
): Promise<{ firstMs: number; wholeMs: number }> {
  const started = performance.now();
  const staged = await store.engine.stagedPorts(app);
  const firstMs = elapsedSince(started);
  const found = staged.now.found.map((f) => f.cluster).sort();
  if (found.join() !== [...store.live.a].sort().join())
    throw new Error(`the first answer found ${app} on ${found.join(", ") || "no cluster"}`);
  const silent = (staged.now.silent ?? []).map((s) => s.cluster).sort();
  if (silent.join() !== [...store.dead].sort().join())
    throw new Error(
      `the first answer was silent on ${silent.join(", ") || "none"}, expected ${store.dead.join(", ")}`,
    );
  await staged.later;
  return { firstMs, wholeMs: elapsedSince(started) };
}

/** `ports` of a container on host A, searched across every registered cluster. */
async function timePorts(store: BenchStore, app: string): Promise<number> {
  const { ms, value } = await timed(() => store.engine.ports(app));
  const found = value.found.map((f) => f.cluster).sort();
  if (found.join() !== [...store.live.a].sort().join()) {
    throw new Error(
      `ports found ${app} on ${found.join(", ") || "no cluster"}, expected ${store.live.a.join(", ")}`,
    );
  }
  const unheard = [...value.unreachable.map((u) => u.cluster), ...(value.silent ?? []).map((s) => s.cluster)];
  const unreachable = unheard.sort();
  if (unreachable.join() !== [...store.dead].sort().join()) {
    throw new Error(
      `ports found ${unreachable.join(", ") || "none"} unreachable, expected ${store.dead.join(", ")}`,
    );
  }
  return ms;
}

/** How long each command of a burst may take to be answered (its first post to the response URL). */
const answerWithinMs = 60_000;

/**
 * Slash commands sent at once to the real HTTP app (the store and engine of `store`, with its links and the
 * audit entries it held moved out as the bot opened it), signed as Slack signs them; the time is until the HTTP
 * 200 ack. Half are `ports` across clusters of which some never answer, half `list` of every link: real work
 * that runs after the ack, and every command must be answered before the next burst.
 */
async function slackAckP99(
  store: BenchStore,
  app: string,
  count: number,
  progress: ControlPlaneContext["progress"],
): Promise<Figures> {
  const slack = await startSlackClient();
  let services: AppServices | undefined;
  let bot: SlackBot | undefined;
  try {
    const config = loadConfig({
      AMBASSADOR_ADMINS: "UADMIN",
      AMBASSADOR_STORE: store.path,
      AMBASSADOR_KEY: store.key,
      ...slack.botEnv,
      PORT: "0",
    });
    const silent = { write() {} };
    const logger = createLogger({ level: "warn", secrets: configSecrets(config), destination: silent });
    services = await createServices(config, logger, defaultBackend);
    bot = await startSlackWithMonitor(services, { port: 0 });
    const requests = slack.talkTo(`http://127.0.0.1:${bot.port}`);
    const acks: number[] = [];
    for (let burst = 0; burst < ackBursts; burst++) {
      const texts = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? `ports ${app}` : "list"));
      const started = performance.now();
      const replies: SlashReply[] = await requests.burst(texts);
      const refused = replies.filter((reply) => reply.status !== 200);
      if (refused.length)
        throw new Error(`${refused.length} of ${count} commands were not acknowledged with 200`);
      const posts = await Promise.allSettled(
        replies.map((reply) => slack.waitForResponses(reply.responseId, 1, answerWithinMs)),
      );
      const answeredMs = elapsedSince(started);
      const unanswered = texts.filter((_, i) => posts[i]?.status === "rejected");
      if (unanswered.length) {
        const lists = unanswered.filter((text) => text === "list").length;
        throw new Error(
          `burst ${burst + 1}: ${unanswered.length} of ${count} commands (${lists} list, ${unanswered.length - lists} ports) got no answer within ${answerWithinMs / 1000} s`,
        );
      }
      const first = posts[0];
      const portsAnswer = first?.status === "fulfilled" ? (first.value[0]?.body.text ?? "") : "";
      if (!portsAnswer.includes(app))
        throw new Error(`the ports command answered: ${portsAnswer.slice(0, 200)}`);
      const burstAcks = replies.map((reply) => reply.elapsedMs);
      acks.push(...burstAcks);
      progress(
        `Slack burst ${burst + 1}/${ackBursts}: ${count} acked (p99 ${round(percentile(burstAcks, 99), 1)} ms, median ${round(median(burstAcks), 1)} ms), all answered within ${answeredMs} ms`,
      );
    }
    return { slackAckP99Ms: round(percentile(acks, 99), 1), slackAckMedianMs: round(median(acks), 1) };
  } finally {
    await bot?.shutdown();
    await services?.close?.();
    await slack.close();
  }
}

const run = promisify(execFile);
const repoRoot = new URL("..", import.meta.url).pathname;

/** The bot's memory in a process of its own, after opening `store` and building the engine. */
async function botMemory(store: BenchStore, links: number): Promise<Figures> {
  const { stdout } = await run(
    process.execPath,
    ["--expose-gc", "--import", "tsx", join(repoRoot, "bench/bot-memory.ts")],
    {
      cwd: repoRoot,
      env: { ...process.env, AMBASSADOR_STORE: store.path, AMBASSADOR_KEY: store.key, LOG_LEVEL: "warn" },
      timeout: 60_000,
    },
  ).catch((error: { stderr?: string; message?: string }) => {
    const lines = (error.stderr ?? "").split("\n").filter((line) => /Error/.test(line));
    throw new Error(`bot-memory failed: ${lines.at(-1)?.trim() ?? error.message?.split("\n")[0]}`);
  });
  const usage = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
    links?: number;
    rss?: number;
    heapUsed?: number;
  };
  if (!usage.rss || !usage.heapUsed)
    throw new Error(`bot-memory printed no figures: ${stdout.slice(0, 200)}`);
  if (usage.links !== links) throw new Error(`the bot saw ${usage.links} links, the store holds ${links}`);
  const mib = (bytes: number) => round(bytes / 1024 / 1024, 1);
  return { botMemoryThousandLinksMiB: mib(usage.rss), botHeapThousandLinksMiB: mib(usage.heapUsed) };
}

/** `list`, `ports` and reconcile with the scale store's links and clusters. */
async function scale(store: BenchStore, app: string, links: number): Promise<Figures> {
  const list = await timed(() => store.engine.list());
  if (list.value.length !== links) throw new Error(`list showed ${list.value.length} links of ${links}`);
  const missing = list.value.filter((view) => view.containers.some((c) => c.state === "missing")).length;
  const live = new Set([...store.live.a, ...store.live.b]);
  const expectedMissing = list.value.filter(
    (view) => live.has(view.link.sourceCluster) || live.has(view.link.targetCluster),
  ).length;
  if (missing !== expectedMissing) {
    throw new Error(`list found ${missing} links with missing containers, expected ${expectedMissing}`);
  }
  const portsMs = await timePorts(store, app);
  const reconcile = await timed(() => store.engine.reconcile({ fix: false }));
  const saves = await timeLinkSaves(store, 20);
  if ((reconcile.value.unreachable ?? []).length !== store.dead.length) {
    throw new Error(
      `reconcile could not reach ${reconcile.value.unreachable?.length} clusters, expected ${store.dead.length}`,
    );
  }
  return {
    listThousandLinksMs: list.ms,
    portsFiftyClustersMs: portsMs,
    reconcileThousandLinksMs: reconcile.ms,
    linkSaveThousandLinksMs: round(median(saves), 1),
  };
}

/** Peak memory of one of our ambassadors: the larger of the kernel and relay modes. */
function ambassadorPeak(byPath: Record<string, number>): Figures {
  const modes = [byPath.kernel, byPath.relay].filter((value): value is number => value !== undefined);
  if (modes.length === 0) throw new Error("no ambassador of ours ran");
  return { ambassadorPeakMemoryMiB: Math.max(...modes) };
}

/**
 * Peak memory of every ambassador of the data-path run, read after the load (cgroup v1 keeps the high-water
 * mark, which Docker reports as memory_stats.max_usage). Per path, the larger of its two ambassadors.
 */
export async function measureAmbassadorPeakMemory(
  topology: DataPathTopology,
): Promise<Record<string, number>> {
  const peaks: Record<string, number> = {};
  await Promise.all(
    topology.ambassadors.map(async (ambassador) => {
      const stats = await step(
        ambassador.host,
        `reading memory stats of the ${ambassador.path} ambassador`,
        () => ambassador.container.stats({ stream: false, "one-shot": true } as { stream: false }),
      );
      const memory = stats.memory_stats as { max_usage?: number; usage?: number };
      const bytes = memory.max_usage ?? memory.usage;
      if (!bytes) throw new Error(`Docker reported no memory figures for the ${ambassador.path} ambassador`);
      peaks[ambassador.path] = Math.max(peaks[ambassador.path] ?? 0, round(bytes / 1024 / 1024, 2));
    }),
  );
  return peaks;
}

/** The goals for the control plane, checked against this run. */
export function evaluateControlPlaneGoals(controlPlane: ControlPlane): GoalResult[] {
  const limit = controlPlane.portsDeadlineMs + 500;
  const within = (figure: ControlPlaneFigure, goal: string): GoalResult[] => {
    const measured = controlPlane[figure];
    if (measured === null) return [];
    return [{ path: "control-plane", goal, target: limit, measured, met: measured <= limit, unit: "ms" }];
  };
  const atMost = (
    figure: ControlPlaneFigure,
    goal: string,
    target: number,
    unit?: "ms" | "MiB",
  ): GoalResult[] => {
    const measured = controlPlane[figure];
    if (measured === null) return [];
    return [
      { path: "control-plane", goal, target, measured, met: measured <= target, ...(unit ? { unit } : {}) },
    ];
  };
  const { storeLinks, scaleClusters, slackCommands, auditEntries } = controlPlane.counts;
  const ack = controlPlane.slackAckP99Ms;
  const ackTarget = controlPlaneGoalTargets.slackAckP99Ms;
  return [
    ...(ack === null
      ? []
      : [
          {
            path: "control-plane" as const,
            goal: `Slack ack p99 ≤ ${ackTarget} ms (${slackCommands} at once, ${storeLinks} links, ${auditEntries} audit entries)`,
            target: ackTarget,
            measured: ack,
            met: ack <= ackTarget,
            unit: "ms" as const,
          },
        ]),
    ...within("portsTenClustersTwoDeadMs", "ports across 10 clusters, 2 dead ≤ per-host deadline + 0.5 s"),
    ...atMost(
      "portsTenClustersFirstAnswerMs",
      "ports across 10 clusters, 2 dead: first answer (8 live) ≤ 1 s",
      controlPlaneGoalTargets.portsFirstAnswerMs,
      "ms",
    ),
    ...atMost(
      "linkSaveThousandLinksMs",
      `saving a link with ${storeLinks} in the store ≤ 10 ms`,
      controlPlaneGoalTargets.linkSaveMs,
      "ms",
    ),
    ...atMost(
      "botMemoryThousandLinksMiB",
      `bot RSS with ${storeLinks} links ≤ 118 MiB`,
      controlPlaneGoalTargets.botMemoryMiB,
      "MiB",
    ),
    ...within("listThousandLinksMs", `list of ${storeLinks} links ≤ per-host deadline + 0.5 s`),
    ...within("portsFiftyClustersMs", `ports across ${scaleClusters} clusters ≤ per-host deadline + 0.5 s`),
    ...within("reconcileThousandLinksMs", `reconcile of ${storeLinks} links ≤ per-host deadline + 0.5 s`),
  ];
}

/** Every control-plane figure; one that could not be measured is null, with the reason in notMeasured. */
export async function measureControlPlane(
  context: ControlPlaneContext,
  ambassadorPeakMemoryByPathMiB: Record<string, number>,
): Promise<ControlPlane> {
  const { lab, runId, progress } = context;
  const counts = controlPlaneCounts[context.kind];
  const app = `bench-app-${runId}`;
  const scratch = await mkdtemp(join(tmpdir(), "ambassador-bench-"));
  const silent = await startSilentPort();
  const stores: BenchStore[] = [];
  const open = async (layout: Parameters<typeof createBenchStore>[2]) => {
    const store = await createBenchStore(lab, scratch, layout);
    stores.push(store);
    return store;
  };
  let ports: BenchStore | undefined;
  let scaleStore: BenchStore | undefined;
  const phases: Phase[] = [
    {
      name: "ambassador memory",
      figures: ["ambassadorPeakMemoryMiB"],
      run: async () => ambassadorPeak(ambassadorPeakMemoryByPathMiB),
    },
    {
      name: "link and teardown",
      figures: ["linkMs", "teardownMs"],
      run: async () => {
        await startApp(lab, app);
        ports = await open({
          namesPerHost: portsClusters.namesPerHost,
          deadHosts: deadHosts(lab, silent.port, portsClusters.dead),
          links: 0,
        });
        return linkAndTeardown(ports, app, counts.links, progress);
      },
    },
    {
      name: "ports across 10 clusters",
      figures: ["portsTenClustersTwoDeadMs", "portsTenClustersFirstAnswerMs", "portsTenClustersKnownDownMs"],
      run: async () => {
        if (!ports) throw new Error("the 10-cluster store was not made");
        const { firstMs, wholeMs } = await timeStagedPorts(ports, app);
        return {
          portsTenClustersFirstAnswerMs: firstMs,
          portsTenClustersTwoDeadMs: wholeMs,
          portsTenClustersKnownDownMs: await timePorts(ports, app),
        };
      },
    },
    {
      name: "Slack acknowledgements",
      figures: ["slackAckP99Ms", "slackAckMedianMs"],
      run: async () => {
        if (!ports) throw new Error("the 10-cluster store was not made");
        // The bot opens the store itself, and a store has one opener at a time.
        ports.engine.stop();
        await ports.services.close();
        await seedAuditedStore(ports.path, { links: counts.storeLinks, auditEntries: counts.auditEntries });
        return slackAckP99(ports, app, counts.slackCommands, progress);
      },
    },
    {
      name: "scale",
      figures: [
        "listThousandLinksMs",
        "portsFiftyClustersMs",
        "reconcileThousandLinksMs",
        "linkSaveThousandLinksMs",
      ],
      run: async () => {
        const dead = counts.scaleDeadClusters;
        scaleStore = await open({
          namesPerHost: (counts.scaleClusters - dead) / 2,
          deadHosts: deadHosts(lab, silent.port, dead),
          links: counts.storeLinks,
        });
        return scale(scaleStore, app, counts.storeLinks);
      },
    },
    {
      name: "bot memory",
      figures: ["botMemoryThousandLinksMiB", "botHeapThousandLinksMiB"],
      run: async () => {
        if (!scaleStore) throw new Error("the scale store was not made");
        const links = scaleStore.services.links.all().length;
        await scaleStore.services.close();
        return botMemory(scaleStore, links);
      },
    },
  ];
  const figures = Object.fromEntries(
    phases.flatMap((phase) => phase.figures).map((figure) => [figure, null]),
  ) as Record<ControlPlaneFigure, number | null>;
  const notMeasured: Record<string, string> = {};
  try {
    for (const phase of phases) {
      progress(`control plane: ${phase.name}`);
      try {
        const measured = await phase.run();
        for (const figure of phase.figures) {
          const value = measured[figure];
          if (value === undefined || value <= 0) notMeasured[figure] = `${phase.name} gave no figure`;
          else figures[figure] = value;
        }
      } catch (error) {
        const reason = `failed: ${describeError(error)}`;
        progress(`control plane: ${phase.name} ${reason}`);
        for (const figure of phase.figures) notMeasured[figure] = reason;
      }
    }
  } finally {
    await closeStores(stores);
    await silent.close();
    await rm(scratch, { recursive: true, force: true });
  }
  return {
    ...figures,
    portsDeadlineMs: readDeadlineMs,
    ambassadorPeakMemoryByPathMiB,
    counts,
    notMeasured,
  };
}

async function closeStores(stores: BenchStore[]): Promise<void> {
  // The 10-cluster store is already closed when the bot has had it.
  for (const store of stores) {
    store.engine.stop();
    await store.services.close().catch(() => undefined);
  }
}
