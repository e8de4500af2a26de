import { z } from "zod";

/** The data paths the benchmark compares, in the order it reports them. */
export const dataPathNames = ["direct", "socat-chain", "kernel", "relay"] as const;
export type DataPathName = (typeof dataPathNames)[number];

/** Our ambassador's modes, each measured as its own path. */
export const ourModes = ["kernel", "relay"] as const satisfies readonly DataPathName[];

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
  throughputSpreadMBps: range,
  connectSpreadMs: range,
  connectP90Ms: positive,
  throughputRunsMBps: z.array(positive).min(1),
  connectRunsMs: z.array(positive).min(1),
  ambassadorMode: z.enum(["kernel", "relay", "socat"]).nullable(),
});
export type DataPathEntry = z.infer<typeof DataPathEntry>;

const figure = positive.nullable();

/** Control-plane figures, each named with its unit; null until measured, with the reason in notMeasured. */
export const ControlPlane = z.object({
  linkMs: figure,
  teardownMs: figure,
  slackAckP99Ms: figure,
  portsTenClustersTwoDeadMs: figure,
  ambassadorPeakMemoryMiB: figure,
  ambassadorPeakMemoryByPathMiB: z.record(z.string(), positive),
  botMemoryThousandLinksMiB: figure,
  notMeasured: z.record(z.string(), z.string()),
});
export type ControlPlane = z.infer<typeof ControlPlane>;

/** One goal of the issue, checked against this run. */
export const GoalResult = z.object({
  path: z.enum(ourModes),
  goal: z.string(),
  target: positive,
  measured: positive,
  met: z.boolean(),
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
  goals: z.array(GoalResult),
});
export type BenchResults = z.infer<typeof BenchResults>;
