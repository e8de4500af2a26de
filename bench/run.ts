import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, release } from "node:os";
import { dirname } from "node:path";
import { describeError, isUserError } from "../src/errors.js";
import { removeRun } from "./bench-docker.js";
import { type BenchLab, openLab } from "./bench-lab.js";
import { type BenchOptions, parseBenchOptions } from "./bench-options.js";
import {
  evaluateControlPlaneGoals,
  measureAmbassadorPeakMemory,
  measureControlPlane,
} from "./control-plane.js";
import {
  calibrateStreamBytes,
  type DataPathTopology,
  holdStreams,
  measureDataPaths,
  setUpDataPaths,
} from "./data-path.js";
import { type EngineLinks, openEngineLinks } from "./engine-links.js";
import { evaluateGoals, evaluateVersusScriptGoals } from "./goals.js";
import { formatDataPathOnly, formatReport, formatVersusScript } from "./report.js";
import { BenchResults, type OurMode, VersusScriptResults } from "./results-schema.js";
import { measureVersusScript, versusScriptRounds } from "./versus-script.js";

const directStreamSeconds = 3;
const concurrentStreams = 50;

const started = Date.now();

function progress(line: string): void {
  const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`bench ${elapsed}s: ${line}\n`);
}

/** The engine's links first (their networks drop the client as they go), then what the benchmark made itself. */
async function cleanUp(lab: BenchLab, runId: string, links: EngineLinks): Promise<void> {
  const problems = await links.close();
  problems.push(...(await Promise.all([removeRun(lab.a, runId), removeRun(lab.b, runId)])).flat());
  for (const problem of problems) progress(`clean-up: ${problem}`);
}

async function machineOf(lab: BenchLab): Promise<BenchResults["machine"]> {
  const version = await lab.a.docker.version();
  return {
    cpuModel: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    dockerEngine: version.Version,
  };
}

async function write(out: string, results: object): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
}

/** The comparison with the scripted docker CLI alone; returns what it wrote. */
export async function runVersusScript(options: BenchOptions): Promise<VersusScriptResults> {
  const lab = await openLab(options.labId);
  const runId = randomBytes(3).toString("hex");
  try {
    const versusScript = await measureVersusScript(lab, runId, versusScriptRounds[options.kind], progress);
    const results = VersusScriptResults.parse({
      date: new Date().toISOString(),
      kind: options.kind,
      machine: await machineOf(lab),
      versusScript,
      goals: evaluateVersusScriptGoals(versusScript),
    } satisfies VersusScriptResults);
    await write(options.out, results);
    return results;
  } finally {
    for (const problem of (await Promise.all([removeRun(lab.a, runId), removeRun(lab.b, runId)])).flat())
      progress(`clean-up: ${problem}`);
  }
}

/** One benchmark run on the lab: the data paths, the comparison with the script, then the control plane. */
export async function runBench(options: BenchOptions): Promise<BenchResults> {
  const lab = await openLab(options.labId);
  const runId = randomBytes(3).toString("hex");
  const links = await openEngineLinks(lab);
  let cleaning: Promise<void> | undefined;
  const cleanOnce = () => {
    cleaning ??= cleanUp(lab, runId, links);
    return cleaning;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: removing what this run created`);
    void cleanOnce().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const topology: DataPathTopology = await setUpDataPaths(lab, runId, links, progress);
    const { streamBytes, dataPath } = await measureData(topology, options);
    await holdStreams(topology, options.kind === "smoke" ? 10 : concurrentStreams, 2000);
    progress("held concurrent streams through every path; reading the ambassadors' peak memory");
    const memory = await measureAmbassadorPeakMemory(topology);
    const versusScript = await measureVersusScript(lab, runId, versusScriptRounds[options.kind], progress);
    const controlPlane = await measureControlPlane({ lab, kind: options.kind, runId, progress }, memory);
    const results = BenchResults.parse({
      date: new Date().toISOString(),
      kind: options.kind,
      machine: await machineOf(lab),
      settings: {
        repetitions: options.repetitions,
        streamBytes,
        connectionsPerRepetition: options.connections,
      },
      dataPath,
      controlPlane,
      versusScript,
      goals: [
        ...evaluateGoals(dataPath),
        ...evaluateControlPlaneGoals(controlPlane),
        ...evaluateVersusScriptGoals(versusScript),
      ],
    } satisfies BenchResults);
    await write(options.out, results);
    return results;
  } finally {
    await cleanOnce();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The stream size (the option's, else calibrated on the direct path) and every path measured with it. */
async function measureData(topology: DataPathTopology, options: BenchOptions) {
  const streamBytes =
    options.streamBytes ?? (await calibrateStreamBytes(topology, directStreamSeconds, progress));
  const dataPath = await measureDataPaths(
    topology,
    { repetitions: options.repetitions, connections: options.connections, streamBytes },
    progress,
  );
  return { streamBytes, dataPath };
}

/** The data path alone, through `--paths` beside direct and the seed's chain; prints its table and goals. */
async function runDataPathOnly(options: BenchOptions, paths: readonly OurMode[]): Promise<void> {
  const lab = await openLab(options.labId);
  const runId = randomBytes(3).toString("hex");
  const links = await openEngineLinks(lab);
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: removing what this run created`);
    void cleanUp(lab, runId, links).finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const topology = await setUpDataPaths(lab, runId, links, progress, paths);
    const { dataPath } = await measureData(topology, options);
    console.log(formatDataPathOnly(dataPath, evaluateGoals(dataPath)));
  } finally {
    await cleanUp(lab, runId, links);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The control plane alone, on the lab, printed as JSON with its goals. */
async function runControlPlane(options: BenchOptions): Promise<void> {
  const lab = await openLab(options.labId);
  const runId = randomBytes(3).toString("hex");
  try {
    const controlPlane = await measureControlPlane({ lab, kind: options.kind, runId, progress }, {});
    const goals = evaluateControlPlaneGoals(controlPlane);
    console.log(JSON.stringify({ date: new Date().toISOString(), controlPlane, goals }, null, 2));
  } finally {
    const problems = (await Promise.all([removeRun(lab.a, runId), removeRun(lab.b, runId)])).flat();
    for (const problem of problems) progress(`clean-up: ${problem}`);
  }
}

async function main(): Promise<void> {
  try {
    const options = parseBenchOptions(process.argv.slice(2), process.env);
    if (options.controlPlaneOnly) {
      await runControlPlane(options);
      return;
    }
    if (options.paths) {
      await runDataPathOnly(options, options.paths);
      return;
    }
    if (options.versusScriptOnly) console.log(formatVersusScript(await runVersusScript(options)));
    else console.log(formatReport(await runBench(options)));
    console.log(`\nwritten to ${options.out}`);
  } catch (error) {
    if (isUserError(error) && error.code === "help") {
      console.log(error.message);
      return;
    }
    process.stderr.write(`bench: ${describeError(error)}\n`);
    if (!isUserError(error) && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}

await main();
