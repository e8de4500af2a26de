import { z } from "zod";

/** The data paths the benchmark compares, in the order it reports them. */
export const dataPathNames = ["direct", "socat-chain", "kernel", "relay", "tls"] as const;
export type DataPathName = (typeof dataPathNames)[number];

/** Our ambassador's modes, each measured as its own path through a link the engine made. */
export const ourModes = ["kernel", "relay", "tls"] as const satisfies readonly DataPathName[];
export type OurMode = (typeof ourModes)[number];

const positive = z.number().positive();
const range = z.object({ min: positive, max: positive });

/** One path's figures: medians over the repetitions, their range, and every repetition's value. */
export const DataPathEntry = z.object({
  path: z.enum(dataPathNames),
  throughputMBps: positive,
  connectMs: positive,
  ratioToDirect: positive,
  ratioToSocatChain: positive,
  connectRatioToDirect: positive,
  connectRatioToSocatChain: positive,
  throughputSpreadMBps: range,
  connectSpreadMs: range,
  connectP90Ms: positive,
  throughputRunsMBps: z.array(positive).min(1),
  connectRunsMs: z.array(positive).min(1),
  ambassadorMode: z.enum([...ourModes, "socat"]).nullable(),
});
export type DataPathEntry = z.infer<typeof DataPathEntry>;

const figure = positive.nullable();

/** How much the control-plane measurements did (a smoke run does each, smaller). */
export const ControlPlaneCounts = z.object({
  /** link + teardown repetitions. */
  links: z.number().int().positive(),
  /** Slash commands sent at once. */
  slackCommands: z.number().int().positive(),
  /** Links in the store for the bot's memory, the scale figures and the Slack acks. */
  storeLinks: z.number().int().positive(),
  /** Audit entries an older store held, moved to the audit file when the bot opens it for the Slack acks. */
  auditEntries: z.number().int().positive(),
  /** Clusters in the store for the scale figures, of which scaleDeadClusters do not answer. */
  scaleClusters: z.number().int().positive(),
  scaleDeadClusters: z.number().int().positive(),
});
export type ControlPlaneCounts = z.infer<typeof ControlPlaneCounts>;

/** Control-plane figures, each named with its unit; null when not measured, with the reason in notMeasured. */
export const ControlPlane = z.object({
  linkMs: figure,
  teardownMs: figure,
  slackAckP99Ms: figure,
  slackAckMedianMs: figure,
  portsTenClustersTwoDeadMs: figure,
  /** The first answer of that `ports` (the 8 live clusters), the 2 dead ones not yet known to be down. */
  portsTenClustersFirstAnswerMs: figure,
  /** The same `ports` again, the 2 dead ones now known to be down and skipped. */
  portsTenClustersKnownDownMs: figure,
  /** Median time to save one link with counts.storeLinks others in the store (written and synced). */
  linkSaveThousandLinksMs: figure,
  /** The per-host deadline of ports, list and reconcile; the goal is this plus 0.5 s. */
  portsDeadlineMs: positive,
  ambassadorPeakMemoryMiB: figure,
  ambassadorPeakMemoryByPathMiB: z.record(z.string(), positive),
  /** Resident set of a bot process that opened a store of counts.storeLinks links and built the engine. */
  botMemoryThousandLinksMiB: figure,
  botHeapThousandLinksMiB: figure,
  /** list, ports and reconcile with counts.storeLinks links and counts.scaleClusters clusters in the store. */
  listThousandLinksMs: figure,
  portsFiftyClustersMs: figure,
  reconcileThousandLinksMs: figure,
  counts: ControlPlaneCounts,
  notMeasured: z.record(z.string(), z.string()),
});
export type ControlPlane = z.infer<typeof ControlPlane>;

/** The control-plane figures that are measured numbers (or null). */
export type ControlPlaneFigure = {
  [K in keyof ControlPlane]: ControlPlane[K] extends number | null
    ? null extends ControlPlane[K]
      ? K
      : never
    : never;
}[keyof ControlPlane];

/** One way of linking or removing, timed once per round: the median, its range and every round's value. */
export const Timing = z.object({
  medianMs: positive,
  minMs: positive,
  maxMs: positive,
  runsMs: z.array(positive).min(1),
});
export type Timing = z.infer<typeof Timing>;

/** The seed's steps scripted with the docker CLI over TLS against `link` and `teardown`, interleaved in one run. */
export const VersusScript = z.object({
  rounds: z.number().int().positive(),
  /** The machine's 1, 5 and 15 minute load averages when the comparison started and when it ended. */
  loadAverage: z.object({ start: z.array(z.number()).length(3), end: z.array(z.number()).length(3) }),
  /** docker run (source ambassador), docker port, docker run (target ambassador), docker run (web), docker port. */
  scriptLink: Timing,
  /** docker rm -f of the source ambassador on A, then of the target ambassador and web on B. */
  scriptRemove: Timing,
  /** `node dist/cli.js link …`, process start included. */
  cliLink: Timing,
  cliTeardown: Timing,
  /** `node dist/cli.js ports <container>` and `node dist/cli.js help`, process start included. */
  cliPorts: Timing,
  cliHelp: Timing,
  /** The same `link` and `teardown` while a bot (at its prompt) holds the store: the CLI hands them to it. */
  botCliLink: Timing,
  botCliTeardown: Timing,
  /** `node dist/cli.js help`, answered by the running bot. */
  botCliHelp: Timing.optional(),
  /** The engine's link and teardown in this process, its store open and its connections made. */
  inProcessLink: Timing,
  inProcessTeardown: Timing,
  /** In-process `link --plaintext`: with the default image, and with the seed's `svendowideit/ambassador`. */
  plaintextLink: Timing,
  seedImageLink: Timing,
  /**
   * The seed's three containers created and started all at once through the API, and removed all at once: the
   * least a link made of them can take here (bench/three-at-once.ts); absent from runs before it was measured.
   */
  threeStartsAtOnce: Timing.optional(),
  threeRemovalsAtOnce: Timing.optional(),
  /**
   * CPU time each link and removal took, median over the rounds: of the whole machine, and of the lab hosts' dockerd
   * and containerd (with the children they waited for); absent from runs before it was measured.
   */
  cpu: z
    .record(
      z.string(),
      z.object({ machineMs: z.number().nonnegative(), enginesMs: z.number().nonnegative() }),
    )
    .optional(),
  /** Medians divided by the script's medians; the seed image's link by the default image's. */
  ratios: z.object({
    cliLinkToScript: positive,
    inProcessLinkToScript: positive,
    cliTeardownToScript: positive,
    botCliLinkToScript: positive,
    botCliTeardownToScript: positive,
    inProcessTeardownToScript: positive,
    seedImageLinkToDefault: positive,
    threeStartsAtOnceToScript: positive.optional(),
    threeRemovalsAtOnceToScript: positive.optional(),
  }),
});
export type VersusScript = z.infer<typeof VersusScript>;

/** One goal of the issue, checked against this run. */
export const GoalResult = z.object({
  path: z.enum([...ourModes, "control-plane"]),
  goal: z.string(),
  target: positive,
  measured: positive,
  met: z.boolean(),
  /** "ratio" (× another path) unless said; "ms" for the control plane's deadlines. */
  unit: z.enum(["ratio", "ms", "MiB"]).optional(),
});
export type GoalResult = z.infer<typeof GoalResult>;

/** The whole of bench/results.json. */
export const BenchResults = z.object({
  date: z.string(),
  kind: z.enum(["full", "smoke"]),
  machine: z.object({
    cpuModel: z.string(),
    cores: z.number().int().positive(),
    kernel: z.string(),
    node: z.string(),
    dockerEngine: z.string(),
  }),
  settings: z.object({
    repetitions: z.number().int().positive(),
    streamBytes: z.number().int().positive(),
    connectionsPerRepetition: z.number().int().positive(),
  }),
  dataPath: z.array(DataPathEntry).length(dataPathNames.length),
  controlPlane: ControlPlane,
  versusScript: VersusScript,
  goals: z.array(GoalResult),
});
export type BenchResults = z.infer<typeof BenchResults>;

/** What `npm run bench -- --versus-script` writes: that comparison alone. */
export const VersusScriptResults = BenchResults.pick({
  date: true,
  kind: true,
  machine: true,
  versusScript: true,
  goals: true,
});
export type VersusScriptResults = z.infer<typeof VersusScriptResults>;
