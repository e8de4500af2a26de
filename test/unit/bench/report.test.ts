import { describe, expect, it } from "vitest";
import { evaluateControlPlaneGoals } from "../../../bench/control-plane.js";
import { evaluateGoals, evaluateVersusScriptGoals } from "../../../bench/goals.js";
import { formatReport } from "../../../bench/report.js";
import type {
  BenchResults,
  ControlPlane,
  DataPathEntry,
  DataPathName,
  Timing,
  VersusScript,
} from "../../../bench/results-schema.js";

function entry(path: DataPathName, throughputMBps: number, connectMs: number): DataPathEntry {
  return {
    path,
    throughputMBps,
    connectMs,
    ratioToDirect: throughputMBps / 400,
    ratioToSocatChain: throughputMBps / 200,
    connectRatioToDirect: connectMs / 1,
    connectRatioToSocatChain: connectMs / 2,
    throughputSpreadMBps: { min: throughputMBps - 10, max: throughputMBps + 10 },
    connectSpreadMs: { min: connectMs / 2, max: connectMs * 2 },
    connectP90Ms: connectMs * 2,
    throughputRunsMBps: [throughputMBps],
    connectRunsMs: [connectMs],
    ambassadorMode: path === "direct" ? null : path === "socat-chain" ? "socat" : path,
  };
}

const dataPath = [
  entry("direct", 400, 1),
  entry("socat-chain", 200, 2),
  entry("kernel", 392, 1.1),
  entry("relay", 300, 9),
  entry("tls", 240, 1.8),
];
const timing = (medianMs: number): Timing => ({
  medianMs,
  minMs: medianMs - 10,
  maxMs: medianMs + 10,
  runsMs: [medianMs - 10, medianMs, medianMs + 10],
});
const versusScript: VersusScript = {
  rounds: 3,
  loadAverage: { start: [0.5, 0.8, 1.2], end: [1.1, 0.9, 1.2] },
  scriptLink: timing(700),
  scriptRemove: timing(350),
  cliLink: timing(840),
  cliTeardown: timing(300),
  cliPorts: timing(200),
  cliHelp: timing(80),
  botCliLink: timing(650),
  botCliTeardown: timing(390),
  inProcessLink: timing(320),
  inProcessTeardown: timing(150),
  plaintextLink: timing(300),
  seedImageLink: timing(390),
  ratios: {
    cliLinkToScript: 1.2,
    inProcessLinkToScript: 0.46,
    cliTeardownToScript: 0.86,
    botCliLinkToScript: 0.93,
    botCliTeardownToScript: 1.11,
    inProcessTeardownToScript: 0.43,
    seedImageLinkToDefault: 1.3,
  },
};
const results: BenchResults = {
  date: "2026-11-25T12:00:00.000Z",
  kind: "full",
  machine: { cpuModel: "AMD EPYC", cores: 2, kernel: "6.1.0", node: "v20.20.2", dockerEngine: "20.10.24" },
  settings: { repetitions: 5, streamBytes: 1024 * 1024 * 1024, connectionsPerRepetition: 300 },
  dataPath,
  controlPlane: {
    linkMs: null,
    teardownMs: 850.5,
    slackAckP99Ms: 41.2,
    slackAckMedianMs: 12.5,
    portsTenClustersTwoDeadMs: 5012.3,
    portsTenClustersFirstAnswerMs: null,
    portsTenClustersKnownDownMs: null,
    linkSaveThousandLinksMs: null,
    portsDeadlineMs: 5000,
    ambassadorPeakMemoryMiB: 4.9,
    ambassadorPeakMemoryByPathMiB: { kernel: 4.3, relay: 4.9 },
    botMemoryThousandLinksMiB: 88.1,
    botHeapThousandLinksMiB: 21.7,
    listThousandLinksMs: 5200,
    portsFiftyClustersMs: 5900,
    reconcileThousandLinksMs: null,
    counts: {
      links: 10,
      slackCommands: 50,
      storeLinks: 1000,
      auditEntries: 100_000,
      scaleClusters: 50,
      scaleDeadClusters: 4,
    },
    notMeasured: { linkMs: "needs the link engine", reconcileThousandLinksMs: "failed: no store" },
  } satisfies ControlPlane,
  versusScript,
  goals: [],
};
results.goals = [
  ...evaluateGoals(dataPath),
  ...evaluateControlPlaneGoals(results.controlPlane),
  ...evaluateVersusScriptGoals(versusScript),
];

describe("the benchmark's report", () => {
  const report = formatReport(results);

  it("names the machine and the size of the run", () => {
    expect(report).toContain(
      "full run, 2026-11-25T12:00:00.000Z, AMD EPYC × 2, kernel 6.1.0, Docker 20.10.24",
    );
    expect(report).toContain("5 repetitions, 1024 MiB per stream, 300 connections per repetition");
  });

  it("has one row per path with medians, ranges and ratios", () => {
    const row = report.split("\n").find((line) => line.startsWith("kernel"));
    expect(row?.split(/\s+/)).toEqual([
      "kernel",
      "kernel",
      "392",
      "(382–402)",
      "0.98",
      "1.96",
      "1.100",
      "(0.550–2.200)",
      "1.10",
      "0.55",
    ]);
  });

  it("says for each goal whether it is met", () => {
    expect(report).toContain("  kernel: new-connection latency ≤ 1.15× direct: met (1.10×)");
    expect(report).toContain("  relay: new-connection latency ≤ 1.15× direct: NOT met (9.00×, over by 7.85×");
    expect(report).toContain("  tls: throughput ≥ 0.5× direct: met (0.60×)");
    expect(report).toContain("  tls: new-connection latency ≤ 1× socat-chain: met (0.90×)");
  });

  it("lists control-plane figures, and why the missing ones are missing", () => {
    expect(report).toMatch(/ambassadorPeakMemoryMiB\s+4\.9/);
    expect(report).toMatch(/linkMs\s+not measured: needs the link engine/);
    expect(report).toMatch(/ambassador peak MiB by path\s+kernel 4\.3, relay 4\.9/);
    expect(report).toMatch(/botMemoryThousandLinksMiB\s+88\.1/);
    expect(report).toMatch(
      /control-plane: bot RSS with \d+ links ≤ 118 MiB: met \(88\.1 MiB of 118\.0 MiB\)/,
    );
    expect(report).toContain(
      "10 links, 50 slash commands at once (1000 links and 100000 moved audit entries in their store), 1000 links and 50 clusters (4 dead)",
    );
  });

  it("checks the Slack ack's p99 against 100 ms, with what the store held", () => {
    expect(report).toContain(
      "  control-plane: Slack ack p99 ≤ 100 ms (50 at once, 1000 links, 100000 audit entries): met (41 ms of 100 ms)",
    );
    const slow = evaluateControlPlaneGoals({ ...results.controlPlane, slackAckP99Ms: 743 });
    expect(slow.find((goal) => goal.goal.startsWith("Slack ack"))).toMatchObject({
      met: false,
      measured: 743,
    });
  });

  it("checks the control plane against the per-host deadline plus 0.5 s, in milliseconds", () => {
    expect(report).toContain(
      "  control-plane: ports across 10 clusters, 2 dead ≤ per-host deadline + 0.5 s: met (5012 ms of 5500 ms)",
    );
    expect(report).toContain(
      "  control-plane: ports across 50 clusters ≤ per-host deadline + 0.5 s: NOT met (5900 ms of 5500 ms, over by 400 ms, 7% of the target)",
    );
    expect(report).not.toContain("reconcile of");
  });

  it("compares link and teardown with the scripted docker CLI, with the load beside the figures", () => {
    expect(report).toContain(
      "Versus the scripted docker CLI (3 rounds; load average 0.5 0.8 1.2 at the start, 1.1 0.9 1.2 at the end)",
    );
    expect(report).toMatch(/cliLink\s+840\.0 \(830–850\)/);
    expect(report).toMatch(/botCliLink\s+650\.0 \(640–660\)/);
    expect(report).toContain(
      "  control-plane: one-shot CLI link, no bot running, ≤ 1× the scripted docker CLI steps: NOT met (1.20×, over by 0.20×, 20% of the target)",
    );
    expect(report).toContain(
      "  control-plane: one-shot CLI teardown, no bot running, ≤ 1× the scripted docker rm -f: met (0.86×)",
    );
    expect(report).toContain(
      "  control-plane: one-shot CLI link, handed to the running bot, ≤ 1× the scripted docker CLI steps: met (0.93×)",
    );
    expect(report).toContain(
      "  control-plane: one-shot CLI teardown, handed to the running bot, ≤ 1× the scripted docker rm -f: NOT met (1.11×, over by 0.11×, 11% of the target)",
    );
    expect(report).toContain(
      "  control-plane: in-process link ≤ 0.5× the scripted docker CLI steps: met (0.46×)",
    );
  });
});
