import { UserError } from "../src/errors.js";
import { type OurMode, ourModes } from "./results-schema.js";

/** How big a benchmark run is and where its results go. */
export interface BenchOptions {
  kind: "full" | "smoke";
  repetitions: number;
  connections: number;
  /** Bytes per stream; undefined means calibrate so a direct stream takes a few seconds. */
  streamBytes: number | undefined;
  out: string;
  labId: string;
  /** Measures the control plane alone (no data path) and prints its figures and goals; writes no file. */
  controlPlaneOnly: boolean;
  /** Only the comparison with the scripted docker CLI, written to its own file. */
  versusScriptOnly: boolean;
  /**
   * With `--paths`: only the data path, through these of our modes beside `direct` and `socat-chain` (every ratio
   * needs them), printed with its goals; writes no file. Undefined: the whole benchmark.
   */
  paths: OurMode[] | undefined;
}

export const benchUsage =
  "usage: npm run bench -- [--smoke] [--control-plane] [--versus-script] [--paths kernel,relay,tls] [--reps N] [--connections N] [--stream-mb N] [--out FILE]  (BENCH_SMOKE=1 = --smoke)";

const defaults = {
  full: { repetitions: 5, connections: 300 },
  smoke: { repetitions: 2, connections: 20, streamBytes: 8 * 1024 * 1024 },
};

function wholeNumber(option: string, value: string | undefined, max: number): number {
  const parsed = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || parsed < 1 || parsed > max) {
    throw new UserError(
      "bad_option",
      `${option} must be a whole number from 1 to ${max}, got '${value ?? ""}'`,
    );
  }
  return parsed;
}

function modeList(value: string | undefined): OurMode[] {
  const names = (value ?? "").split(",").filter((name) => name !== "");
  const unknown = names.find((name) => !(ourModes as readonly string[]).includes(name));
  if (names.length === 0 || unknown !== undefined) {
    throw new UserError(
      "bad_option",
      `--paths takes modes from ${ourModes.join(", ")}, comma-separated (direct and socat-chain are always measured), got '${value ?? ""}'`,
    );
  }
  return ourModes.filter((mode) => names.includes(mode));
}

function defaultOut(smoke: boolean, versusScriptOnly: boolean): string {
  const base = versusScriptOnly ? "results.versus-script" : "results";
  return smoke ? `${base}.smoke.json` : `${base}.json`;
}

export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const labId = env.AMBASSADOR_LAB_ID ?? "0";
  if (!/^\d{1,2}$/.test(labId)) {
    throw new UserError("bad_option", `AMBASSADOR_LAB_ID must be a number from 0 to 99, got '${labId}'`);
  }
  let smoke = env.BENCH_SMOKE === "1" || env.BENCH_SMOKE === "true";
  let repetitions: number | undefined;
  let connections: number | undefined;
  let streamBytes: number | undefined;
  let out: string | undefined;
  let controlPlaneOnly = false;
  let versusScriptOnly = false;
  let paths: OurMode[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i];
    switch (arg) {
      case "--help":
        throw new UserError("help", benchUsage);
      case "--smoke":
        smoke = true;
        break;
      case "--control-plane":
        controlPlaneOnly = true;
        break;
      case "--versus-script":
        versusScriptOnly = true;
        break;
      case "--paths":
        paths = modeList(value());
        break;
      case "--reps":
        repetitions = wholeNumber("--reps", value(), 50);
        break;
      case "--connections":
        connections = wholeNumber("--connections", value(), 10_000);
        break;
      case "--stream-mb":
        streamBytes = wholeNumber("--stream-mb", value(), 16_384) * 1024 * 1024;
        break;
      case "--out": {
        const file = value();
        if (!file) throw new UserError("bad_option", `--out needs a file name; ${benchUsage}`);
        out = file;
        break;
      }
      default:
        throw new UserError("bad_option", `unknown option '${arg}'; ${benchUsage}`);
    }
  }
  const kind = smoke ? "smoke" : "full";
  return {
    kind,
    repetitions: repetitions ?? defaults[kind].repetitions,
    connections: connections ?? defaults[kind].connections,
    streamBytes: streamBytes ?? (smoke ? defaults.smoke.streamBytes : undefined),
    // A smoke run never overwrites the committed figures of a full run.
    out: out ?? new URL(`./${defaultOut(smoke, versusScriptOnly)}`, import.meta.url).pathname,
    labId,
    controlPlaneOnly,
    versusScriptOnly,
    paths,
  };
}
