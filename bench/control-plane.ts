import { describeError } from "../src/errors.js";
import { step } from "./bench-docker.js";
import type { BenchLab } from "./bench-lab.js";
import type { DataPathTopology } from "./data-path.js";
import type { ControlPlane } from "./results-schema.js";
import { round } from "./stats.js";

/** What a control-plane measurement gets to work with. */
export interface ControlPlaneContext {
  lab: BenchLab;
  kind: "full" | "smoke";
}

/** A figure in the unit its name carries, or why this run has none. */
export type Measurement = { value: number } | { notMeasured: string };

/** A control-plane measurement that needs nothing but the lab. */
export type ControlPlaneMeasure = (context: ControlPlaneContext) => Promise<Measurement>;

const needsEngine = "needs the link engine (issue 4), not merged into this branch yet";
const needsBot = "needs the bot (issue 5), not merged into this branch yet";

/** `link` time, median of 10 links with the images present on both hosts. */
export const measureLinkMs: ControlPlaneMeasure = async () => ({ notMeasured: needsEngine });

/** `teardown` time of one link, median of 10. */
export const measureTeardownMs: ControlPlaneMeasure = async () => ({ notMeasured: needsEngine });

/** Slack acknowledgement time at p99 with 50 slash commands sent at once. */
export const measureSlackAckP99Ms: ControlPlaneMeasure = async () => ({ notMeasured: needsBot });

/** `ports` across 10 registered clusters of which 2 do not answer; goal: per-host deadline + 0.5 s. */
export const measurePortsTenClustersTwoDeadMs: ControlPlaneMeasure = async () => ({
  notMeasured: needsEngine,
});

/** The bot's resident memory with 1,000 links in the store. */
export const measureBotMemoryThousandLinksMiB: ControlPlaneMeasure = async () => ({ notMeasured: needsBot });

/** The measurements run after the data path, keyed by their field in results.json. */
export const controlPlaneMeasures = {
  linkMs: measureLinkMs,
  teardownMs: measureTeardownMs,
  slackAckP99Ms: measureSlackAckP99Ms,
  portsTenClustersTwoDeadMs: measurePortsTenClustersTwoDeadMs,
  botMemoryThousandLinksMiB: measureBotMemoryThousandLinksMiB,
} satisfies Record<string, ControlPlaneMeasure>;

interface CgroupV1MemoryStats {
  max_usage?: number;
  usage?: number;
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
      const memory = stats.memory_stats as CgroupV1MemoryStats;
      const bytes = memory.max_usage ?? memory.usage;
      if (!bytes) throw new Error(`Docker reported no memory figures for the ${ambassador.path} ambassador`);
      peaks[ambassador.path] = Math.max(peaks[ambassador.path] ?? 0, round(bytes / 1024 / 1024, 2));
    }),
  );
  return peaks;
}

export async function measureControlPlane(
  context: ControlPlaneContext,
  ambassadorPeakMemoryByPathMiB: Record<string, number>,
): Promise<ControlPlane> {
  const figures: Record<keyof typeof controlPlaneMeasures, number | null> = {
    linkMs: null,
    teardownMs: null,
    slackAckP99Ms: null,
    portsTenClustersTwoDeadMs: null,
    botMemoryThousandLinksMiB: null,
  };
  const notMeasured: Record<string, string> = {};
  for (const [key, measure] of Object.entries(controlPlaneMeasures) as [
    keyof typeof figures,
    ControlPlaneMeasure,
  ][]) {
    const result = await measure(context).catch(
      (error): Measurement => ({ notMeasured: `failed: ${describeError(error)}` }),
    );
    if ("value" in result) figures[key] = result.value;
    else notMeasured[key] = result.notMeasured;
  }
  const modes = [ambassadorPeakMemoryByPathMiB.kernel, ambassadorPeakMemoryByPathMiB.relay].filter(
    (value): value is number => value !== undefined,
  );
  const ours = modes.length > 0 ? Math.max(...modes) : null;
  if (ours === null) notMeasured.ambassadorPeakMemoryMiB = "no ambassador of ours ran";
  return { ...figures, ambassadorPeakMemoryMiB: ours, ambassadorPeakMemoryByPathMiB, notMeasured };
}
