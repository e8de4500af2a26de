import { describeGoal } from "./goals.js";
import type { BenchResults, DataPathEntry, GoalResult, VersusScriptResults } from "./results-schema.js";

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** One row per data path: throughput and connection time, each with its ratios to direct and to the seed's chain. */
function dataPathTable(entries: readonly DataPathEntry[]): string[] {
  const lines: string[] = [];
  const header = [
    pad("path", 12),
    pad("mode", 7),
    pad("throughput MB/s", 24, true),
    pad("× direct", 9, true),
    pad("× socat", 8, true),
    pad("connect ms", 24, true),
    pad("× direct", 9, true),
    pad("× socat", 8, true),
  ].join(" ");
  lines.push(header, "-".repeat(header.length));
  for (const entry of entries) {
    const t = entry.throughputSpreadMBps;
    const c = entry.connectSpreadMs;
    lines.push(
      [
        pad(entry.path, 12),
        pad(entry.ambassadorMode ?? "-", 7),
        pad(`${entry.throughputMBps.toFixed(0)} (${t.min.toFixed(0)}–${t.max.toFixed(0)})`, 24, true),
        pad(`${entry.ratioToDirect.toFixed(2)}`, 9, true),
        pad(`${entry.ratioToSocatChain.toFixed(2)}`, 8, true),
        pad(`${entry.connectMs.toFixed(3)} (${c.min.toFixed(3)}–${c.max.toFixed(3)})`, 24, true),
        pad(`${entry.connectRatioToDirect.toFixed(2)}`, 9, true),
        pad(`${entry.connectRatioToSocatChain.toFixed(2)}`, 8, true),
      ].join(" "),
    );
  }
  return lines;
}

/** What `--paths` prints: the table and the goals of the paths measured. */
export function formatDataPathOnly(entries: readonly DataPathEntry[], goals: readonly GoalResult[]): string {
  return [...dataPathTable(entries), "", "Goals:", ...goals.map((goal) => `  ${describeGoal(goal)}`)].join(
    "\n",
  );
}

/** The table and goal lines a person reads at the end of a run. */
export function formatReport(results: BenchResults): string {
  const lines: string[] = [];
  const { machine, settings } = results;
  lines.push(
    `${results.kind} run, ${results.date}, ${machine.cpuModel} × ${machine.cores}, kernel ${machine.kernel}, Docker ${machine.dockerEngine}`,
    `${settings.repetitions} repetitions, ${(settings.streamBytes / 1024 / 1024).toFixed(0)} MiB per stream, ` +
      `${settings.connectionsPerRepetition} connections per repetition; medians (min–max over repetitions)`,
    "",
  );
  lines.push(...dataPathTable(results.dataPath));
  lines.push("", "Goals:");
  for (const goal of results.goals) lines.push(`  ${describeGoal(goal)}`);
  lines.push("", "Control plane:");
  const { notMeasured, ambassadorPeakMemoryByPathMiB, counts, ...figures } = results.controlPlane;
  lines.push(
    `  ${counts.links} links, ${counts.slackCommands} slash commands at once (${counts.storeLinks} links and ` +
      `${counts.auditEntries} moved audit entries in their store), ${counts.storeLinks} links and ` +
      `${counts.scaleClusters} clusters (${counts.scaleDeadClusters} dead) in the scale store`,
  );
  for (const [name, value] of Object.entries(figures)) {
    lines.push(
      `  ${pad(name, 28)} ${value === null ? `not measured: ${notMeasured[name] ?? "no figure"}` : value}`,
    );
  }
  const byPath = Object.entries(ambassadorPeakMemoryByPathMiB)
    .map(([path, mib]) => `${path} ${mib}`)
    .join(", ");
  lines.push(`  ${pad("ambassador peak MiB by path", 28)} ${byPath}`);
  lines.push("", versusScriptLines(results.versusScript).join("\n"));
  return lines.join("\n");
}

function versusScriptLines(versus: BenchResults["versusScript"]): string[] {
  const { loadAverage, rounds, ratios } = versus;
  const lines = [
    `Versus the scripted docker CLI (${rounds} rounds; load average ${loadAverage.start.join(" ")} at the start, ${loadAverage.end.join(" ")} at the end); median ms (min–max):`,
  ];
  const rows = [
    ["scriptLink", versus.scriptLink],
    ["cliLink", versus.cliLink],
    ["inProcessLink", versus.inProcessLink],
    ["scriptRemove", versus.scriptRemove],
    ["cliTeardown", versus.cliTeardown],
    ["botCliLink", versus.botCliLink],
    ["botCliTeardown", versus.botCliTeardown],
    ["botCliHelp", versus.botCliHelp],
    ["inProcessTeardown", versus.inProcessTeardown],
    ["plaintextLink", versus.plaintextLink],
    ["seedImageLink", versus.seedImageLink],
    ["threeStartsAtOnce", versus.threeStartsAtOnce],
    ["threeRemovalsAtOnce", versus.threeRemovalsAtOnce],
    ["cliPorts", versus.cliPorts],
    ["cliHelp", versus.cliHelp],
  ] as const;
  for (const [name, t] of rows) {
    if (!t) continue;
    lines.push(
      `  ${pad(name, 20)} ${pad(t.medianMs.toFixed(1), 8, true)} (${t.minMs.toFixed(0)}–${t.maxMs.toFixed(0)})`,
    );
  }
  if (versus.cpu) {
    lines.push("  CPU ms, median (machine / Docker daemons of both hosts):");
    for (const [name, use] of Object.entries(versus.cpu))
      lines.push(`  ${pad(name, 20)} ${pad(String(use.machineMs), 8, true)} / ${use.enginesMs}`);
  }
  lines.push(
    `  ratios: ${Object.entries(ratios)
      .map(([name, value]) => `${name} ${value.toFixed(3)}×`)
      .join(", ")}`,
  );
  return lines;
}

/** The comparison with the script alone, and its goals. */
export function formatVersusScript(results: VersusScriptResults): string {
  const { machine } = results;
  return [
    `${results.kind} run, ${results.date}, ${machine.cpuModel} × ${machine.cores}, Docker ${machine.dockerEngine}`,
    ...versusScriptLines(results.versusScript),
    "",
    "Goals:",
    ...results.goals.map((goal) => `  ${describeGoal(goal)}`),
  ].join("\n");
}
