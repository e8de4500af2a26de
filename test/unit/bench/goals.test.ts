import { describe, expect, it } from "vitest";
import { describeGoal, evaluateGoals, evaluateVersusScriptGoals } from "../../../bench/goals.js";
import type { DataPathEntry, DataPathName, GoalResult, VersusScript } from "../../../bench/results-schema.js";

function entry(
  path: DataPathName,
  ratioToDirect: number,
  ratioToSocatChain: number,
  connectRatio: number,
  connectToChain = connectRatio / 2,
) {
  return {
    path,
    throughputMBps: 100 * ratioToDirect,
    connectMs: connectRatio,
    ratioToDirect,
    ratioToSocatChain,
    connectRatioToDirect: connectRatio,
    connectRatioToSocatChain: connectToChain,
    throughputSpreadMBps: { min: 1, max: 2 },
    connectSpreadMs: { min: 1, max: 2 },
    connectP90Ms: 2,
    throughputRunsMBps: [1],
    connectRunsMs: [1],
    ambassadorMode: null,
  } satisfies DataPathEntry;
}

describe("the data-path goals", () => {
  const entries = [
    entry("direct", 1, 2, 1),
    entry("socat-chain", 0.5, 1, 2),
    entry("kernel", 0.96, 1.92, 1.05),
    entry("relay", 0.8, 1.6, 1.5),
    entry("tls", 0.55, 1.8, 2.1, 0.95),
  ];

  it("checks three goals for each of our modes and none for the reference paths", () => {
    const goals = evaluateGoals(entries);
    expect(goals.map((goal) => goal.path)).toEqual([
      ...["kernel", "kernel", "kernel"],
      ...["relay", "relay", "relay"],
      ...["tls", "tls", "tls"],
    ]);
    expect(goals.filter((goal) => goal.path === "kernel").every((goal) => goal.met)).toBe(true);
    expect(goals.filter((goal) => goal.path === "relay").some((goal) => goal.met)).toBe(false);
  });

  it("says a goal is met with the measured ratio", () => {
    const [throughput] = evaluateGoals(entries);
    expect(describeGoal(throughput as GoalResult)).toBe("kernel: throughput ≥ 0.9× direct: met (0.96×)");
  });

  it("says by how much a goal is missed, below a floor and above a ceiling", () => {
    const relay = evaluateGoals(entries).filter((goal) => goal.path === "relay");
    expect(describeGoal(relay[0] as GoalResult)).toBe(
      "relay: throughput ≥ 0.9× direct: NOT met (0.80×, short by 0.10×, 11% of the target)",
    );
    expect(describeGoal(relay[2] as GoalResult)).toBe(
      "relay: new-connection latency ≤ 1.15× direct: NOT met (1.50×, over by 0.35×, 30% of the target)",
    );
  });

  it("holds tls to half of direct and to beating the seed's chain, in throughput and in connection time", () => {
    const tls = evaluateGoals(entries).filter((goal) => goal.path === "tls");
    expect(tls.map(describeGoal)).toEqual([
      "tls: throughput ≥ 0.5× direct: met (0.55×)",
      "tls: throughput ≥ 1.7× socat-chain: met (1.80×)",
      "tls: new-connection latency ≤ 1× socat-chain: met (0.95×)",
    ]);
    const slow = evaluateGoals([entry("tls", 0.45, 1.6, 3, 1.2)]);
    expect(slow.map(describeGoal)).toEqual([
      "tls: throughput ≥ 0.5× direct: NOT met (0.45×, short by 0.05×, 10% of the target)",
      "tls: throughput ≥ 1.7× socat-chain: NOT met (1.60×, short by 0.10×, 6% of the target)",
      "tls: new-connection latency ≤ 1× socat-chain: NOT met (1.20×, over by 0.20×, 20% of the target)",
    ]);
  });

  it("counts a ratio exactly on the target as met", () => {
    const goals = evaluateGoals([entry("kernel", 0.9, 1.7, 1.15), entry("tls", 0.5, 1.7, 3, 1)]);
    expect(goals).toHaveLength(6);
    expect(goals.every((goal) => goal.met)).toBe(true);
  });
});

describe("the goals against the scripted docker CLI", () => {
  const ratios = {
    cliLinkToScript: 0.862,
    inProcessLinkToScript: 0.5,
    cliTeardownToScript: 1.001,
    botCliLinkToScript: 0.67,
    botCliTeardownToScript: 1,
    inProcessTeardownToScript: 0.58,
    seedImageLinkToDefault: 0.95,
  };
  const lines = evaluateVersusScriptGoals({ ratios } as VersusScript).map(describeGoal);

  it("counts a ratio on its target as met, and one a thousandth over as missed, saying so with three decimals", () => {
    expect(lines).toContain(
      "control-plane: one-shot CLI teardown, no bot running, ≤ 1× the scripted docker rm -f: NOT met (1.001×, over by 0.001×, 0.1% of the target)",
    );
    expect(lines).toContain(
      "control-plane: one-shot CLI teardown, handed to the running bot, ≤ 1× the scripted docker rm -f: met (1.00×)",
    );
    expect(lines).toContain(
      "control-plane: in-process link ≤ 0.5× the scripted docker CLI steps: met (0.50×)",
    );
    expect(lines).toContain(
      "control-plane: one-shot CLI link, no bot running, ≤ 1× the scripted docker CLI steps: met (0.86×)",
    );
  });
});
