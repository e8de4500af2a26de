import type { DataPathEntry, GoalResult, OurMode, VersusScript } from "./results-schema.js";
import { ourModes } from "./results-schema.js";

type Ratio = "ratioToDirect" | "ratioToSocatChain" | "connectRatioToDirect" | "connectRatioToSocatChain";

/** One goal of a path: a ratio measured in the same run, at least (a floor) or at most (a ceiling) the target. */
export interface PathGoal {
  ratio: Ratio;
  bound: "floor" | "ceiling";
  target: number;
}

const words: Record<Ratio, string> = {
  ratioToDirect: "throughput {op} {target}× direct",
  ratioToSocatChain: "throughput {op} {target}× socat-chain",
  connectRatioToDirect: "new-connection latency {op} {target}× direct",
  connectRatioToSocatChain: "new-connection latency {op} {target}× socat-chain",
};

/**
 * The issues' goals per mode. `kernel` (a `--plaintext` link) must stay near direct; `tls` (the default, mutual
 * TLS) must keep half of direct and beat the seed's plaintext chain in both throughput and connection time;
 * `relay` keeps the goals it has always been held to.
 */
export const pathGoals: Record<OurMode, readonly PathGoal[]> = {
  kernel: [
    { ratio: "ratioToDirect", bound: "floor", target: 0.9 },
    { ratio: "ratioToSocatChain", bound: "floor", target: 1.7 },
    { ratio: "connectRatioToDirect", bound: "ceiling", target: 1.15 },
  ],
  relay: [
    { ratio: "ratioToDirect", bound: "floor", target: 0.9 },
    { ratio: "ratioToSocatChain", bound: "floor", target: 1.7 },
    { ratio: "connectRatioToDirect", bound: "ceiling", target: 1.15 },
  ],
  tls: [
    { ratio: "ratioToDirect", bound: "floor", target: 0.5 },
    { ratio: "ratioToSocatChain", bound: "floor", target: 1.7 },
    { ratio: "connectRatioToSocatChain", bound: "ceiling", target: 1 },
  ],
};

/** The goals for the control plane that are not tied to the per-host deadline. */
export const controlPlaneGoalTargets = {
  slackAckP99Ms: 100,
  portsFirstAnswerMs: 1_000,
  linkSaveMs: 10,
  botMemoryMiB: 118,
} as const;

export function evaluateGoals(entries: readonly DataPathEntry[]): GoalResult[] {
  return ourModes.flatMap((mode) => {
    const entry = entries.find((candidate) => candidate.path === mode);
    if (!entry) return [];
    return pathGoals[mode].map(({ ratio, bound, target }) => {
      const measured = entry[ratio];
      const goal = words[ratio]
        .replace("{op}", bound === "floor" ? "≥" : "≤")
        .replace("{target}", String(target));
      return {
        path: mode,
        goal,
        target,
        measured,
        met: bound === "floor" ? measured >= target : measured <= target,
      };
    });
  });
}

/** One line a person reads: the goal, met or not, and by how much it was missed. */
export function describeGoal(goal: GoalResult): string {
  // A third decimal where two would make a missed ratio read as its target.
  const digits = !goal.met && goal.measured.toFixed(2) === goal.target.toFixed(2) ? 3 : 2;
  const format = (value: number) =>
    goal.unit === "ms"
      ? `${value.toFixed(0)} ms`
      : goal.unit === "MiB"
        ? `${value.toFixed(1)} MiB`
        : `${value.toFixed(digits)}×`;
  const measured =
    goal.unit === "ms" || goal.unit === "MiB"
      ? `${format(goal.measured)} of ${format(goal.target)}`
      : format(goal.measured);
  const head = `${goal.path}: ${goal.goal}:`;
  if (goal.met) return `${head} met (${measured})`;
  const gap = Math.abs(goal.measured - goal.target);
  const percent = ((gap / goal.target) * 100).toFixed(digits - 2);
  const direction = goal.measured < goal.target ? "short" : "over";
  return `${head} NOT met (${measured}, ${direction} by ${format(gap)}, ${percent}% of the target)`;
}

/** The ratios every comparison with the script reports; the others are figures without a goal. */
type ReportedRatio = {
  [K in keyof VersusScript["ratios"]]-?: undefined extends VersusScript["ratios"][K] ? never : K;
}[keyof VersusScript["ratios"]];

/** The goals against the scripted docker CLI: each ratio at most its target. */
export const versusScriptGoals: readonly {
  ratio: ReportedRatio;
  goal: string;
  target: number;
}[] = [
  {
    ratio: "cliLinkToScript",
    goal: "one-shot CLI link, no bot running, ≤ {target}× the scripted docker CLI steps",
    target: 1,
  },
  {
    ratio: "cliTeardownToScript",
    goal: "one-shot CLI teardown, no bot running, ≤ {target}× the scripted docker rm -f",
    target: 1,
  },
  {
    ratio: "botCliLinkToScript",
    goal: "one-shot CLI link, handed to the running bot, ≤ {target}× the scripted docker CLI steps",
    target: 1,
  },
  {
    ratio: "botCliTeardownToScript",
    goal: "one-shot CLI teardown, handed to the running bot, ≤ {target}× the scripted docker rm -f",
    target: 1,
  },
  {
    ratio: "inProcessLinkToScript",
    goal: "in-process link ≤ {target}× the scripted docker CLI steps",
    target: 0.5,
  },
  {
    ratio: "seedImageLinkToDefault",
    goal: "link --plaintext with svendowideit/ambassador ≤ {target}× with the default image",
    target: 1.2,
  },
];

export function evaluateVersusScriptGoals(versus: VersusScript): GoalResult[] {
  return versusScriptGoals.map(({ ratio, goal, target }) => ({
    path: "control-plane",
    goal: goal.replace("{target}", String(target)),
    target,
    measured: versus.ratios[ratio],
    met: versus.ratios[ratio] <= target,
  }));
}
