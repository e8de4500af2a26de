import type { DataPathEntry, GoalResult } from "./results-schema.js";
import { ourModes } from "./results-schema.js";

/** The goals for a link's data path, as ratios measured in the same run. */
export const goalTargets = {
  throughputToDirect: 0.9,
  throughputToSocatChain: 1.7,
  connectToDirect: 1.15,
} as const;

/** The goals for the control plane that are not tied to the per-host deadline. */
export const controlPlaneGoalTargets = {
  slackAckP99Ms: 100,
} as const;

export function evaluateGoals(entries: readonly DataPathEntry[]): GoalResult[] {
  const goals: GoalResult[] = [];
  for (const mode of ourModes) {
    const entry = entries.find((candidate) => candidate.path === mode);
    if (!entry) continue;
    goals.push(
      {
        path: mode,
        goal: "throughput ≥ 0.9× direct",
        target: goalTargets.throughputToDirect,
        measured: entry.ratioToDirect,
        met: entry.ratioToDirect >= goalTargets.throughputToDirect,
      },
      {
        path: mode,
        goal: "throughput ≥ 1.7× socat-chain",
        target: goalTargets.throughputToSocatChain,
        measured: entry.ratioToSocatChain,
        met: entry.ratioToSocatChain >= goalTargets.throughputToSocatChain,
      },
      {
        path: mode,
        goal: "new-connection latency ≤ 1.15× direct",
        target: goalTargets.connectToDirect,
        measured: entry.connectRatioToDirect,
        met: entry.connectRatioToDirect <= goalTargets.connectToDirect,
      },
    );
  }
  return goals;
}

/** One line a person reads: the goal, met or not, and by how much it was missed. */
export function describeGoal(goal: GoalResult): string {
  const format = (value: number) => (goal.unit === "ms" ? `${value.toFixed(0)} ms` : `${value.toFixed(2)}×`);
  const measured =
    goal.unit === "ms" ? `${format(goal.measured)} of ${format(goal.target)}` : format(goal.measured);
  const head = `${goal.path}: ${goal.goal}:`;
  if (goal.met) return `${head} met (${measured})`;
  const gap = Math.abs(goal.measured - goal.target);
  const percent = ((gap / goal.target) * 100).toFixed(0);
  const direction = goal.measured < goal.target ? "short" : "over";
  return `${head} NOT met (${measured}, ${direction} by ${format(gap)}, ${percent}% of the target)`;
}
