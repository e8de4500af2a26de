import { describe, expect, it } from "vitest";
import { parseBenchOptions } from "../../../bench/bench-options.js";

describe("the benchmark's options", () => {
  it("runs the full benchmark by default, calibrating the stream size", () => {
    const options = parseBenchOptions([], { AMBASSADOR_LAB_ID: "4" });
    expect(options).toMatchObject({ kind: "full", repetitions: 5, connections: 300, labId: "4" });
    expect(options.streamBytes).toBeUndefined();
    expect(options.out).toMatch(/bench\/results\.json$/);
  });

  it("runs a small smoke version with --smoke or BENCH_SMOKE=1", () => {
    for (const options of [parseBenchOptions(["--smoke"], {}), parseBenchOptions([], { BENCH_SMOKE: "1" })]) {
      expect(options.kind).toBe("smoke");
      expect(options.streamBytes).toBe(8 * 1024 * 1024);
      expect(options.connections).toBeLessThan(50);
      expect(options.out).toMatch(/bench\/results\.smoke\.json$/);
    }
  });

  it("takes sizes and an output file", () => {
    const options = parseBenchOptions(
      ["--reps", "3", "--connections", "100", "--stream-mb", "512", "--out", "/tmp/r.json"],
      {},
    );
    expect(options).toMatchObject({
      repetitions: 3,
      connections: 100,
      streamBytes: 512 * 1024 * 1024,
      out: "/tmp/r.json",
    });
  });

  it("measures only the data path through the modes --paths names, in a fixed order", () => {
    expect(parseBenchOptions([], {}).paths).toBeUndefined();
    expect(parseBenchOptions(["--paths", "tls,kernel"], {}).paths).toEqual(["kernel", "tls"]);
    expect(() => parseBenchOptions(["--paths", "kernel,direct"], {})).toThrow(
      "--paths takes modes from kernel, relay, tls, comma-separated (direct and socat-chain are always measured), got 'kernel,direct'",
    );
    expect(() => parseBenchOptions(["--paths"], {})).toThrow("--paths takes modes from kernel, relay, tls");
  });

  it("answers --help with the usage", () => {
    expect(() => parseBenchOptions(["--help"], {})).toThrow(/^usage: npm run bench -- \[--smoke\]/);
  });

  it("refuses bad values with a one-line message that names the option", () => {
    expect(() => parseBenchOptions(["--reps", "0"], {})).toThrow(
      "--reps must be a whole number from 1 to 50, got '0'",
    );
    expect(() => parseBenchOptions(["--reps"], {})).toThrow(
      "--reps must be a whole number from 1 to 50, got ''",
    );
    expect(() => parseBenchOptions(["--stream-mb", "1.5"], {})).toThrow("--stream-mb must be a whole number");
    expect(() => parseBenchOptions(["--out"], {})).toThrow("--out needs a file name");
    expect(() => parseBenchOptions(["--fast"], {})).toThrow("unknown option '--fast'; usage: npm run bench");
    expect(() => parseBenchOptions([], { AMBASSADOR_LAB_ID: "x" })).toThrow(
      "AMBASSADOR_LAB_ID must be a number from 0 to 99, got 'x'",
    );
  });
});
