import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { benchLabel } from "../../bench/bench-docker.js";
import { BenchResults, dataPathNames } from "../../bench/results-schema.js";
import { labelKeys } from "../../src/engine/labels.js";
import { lab, labDocker } from "../lab.js";

const run = promisify(execFile);
const tsx = new URL("../../node_modules/.bin/tsx", import.meta.url).pathname;
const benchScript = new URL("../../bench/run.ts", import.meta.url).pathname;
const repoRoot = new URL("../..", import.meta.url).pathname;

describe("npm run bench -- --smoke", () => {
  let dir: string;
  let output: { stdout: string; stderr: string };
  let results: unknown;
  let hosts: Docker[];
  const linked = JSON.stringify({ label: [labelKeys.link] });
  const linkedObjects = async (docker: Docker) => [
    ...(await docker.listContainers({ all: true, filters: linked })).map((c) => c.Id),
    ...(await docker.listNetworks({ filters: linked })).map((n) => n.Id),
  ];
  let linkedBefore: string[][];

  beforeAll(async () => {
    hosts = [await labDocker(lab().clustera), await labDocker(lab().clusterb)];
    linkedBefore = await Promise.all(hosts.map(linkedObjects));
    dir = await mkdtemp(join(tmpdir(), "bench-smoke-"));
    const out = join(dir, "results.json");
    output = await run(tsx, [benchScript, "--smoke", "--out", out], {
      env: { ...process.env, AMBASSADOR_LAB_ID: lab().id },
      timeout: 170_000,
    });
    results = JSON.parse(await readFile(out, "utf8"));
  }, 180_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes results.json in the documented shape with positive figures for every path", () => {
    const parsed = BenchResults.parse(results);
    expect(parsed.kind).toBe("smoke");
    expect(parsed.dataPath.map((entry) => entry.path)).toEqual([...dataPathNames]);
    for (const entry of parsed.dataPath) {
      expect(entry.throughputMBps).toBeGreaterThan(0);
      expect(entry.connectMs).toBeGreaterThan(0);
      expect(entry.ratioToDirect).toBeGreaterThan(0);
      expect(entry.throughputRunsMBps).toHaveLength(parsed.settings.repetitions);
    }
    expect(parsed.dataPath[0]?.ratioToDirect).toBe(1);
    expect(parsed.machine.cores).toBeGreaterThan(0);
  });

  it("runs each of our modes through a link the engine made, and measures the memory of their ambassadors", () => {
    const parsed = BenchResults.parse(results);
    const modes = Object.fromEntries(parsed.dataPath.map((entry) => [entry.path, entry.ambassadorMode]));
    expect(modes).toEqual({
      direct: null,
      "socat-chain": "socat",
      kernel: "kernel",
      relay: "relay",
      tls: "tls",
    });
    for (const path of ["kernel", "relay", "tls"]) {
      expect(output.stderr).toMatch(
        new RegExp(`linked the sink for ${path}: [0-9a-f]{12} \\(${path} on both hosts\\)`),
      );
    }
    expect(parsed.controlPlane.ambassadorPeakMemoryMiB).toBeGreaterThan(0);
    expect(Object.keys(parsed.controlPlane.ambassadorPeakMemoryByPathMiB).sort()).toEqual([
      "kernel",
      "relay",
      "socat-chain",
      "tls",
    ]);
    for (const [name, value] of Object.entries(parsed.controlPlane)) {
      if (value === null) expect(parsed.controlPlane.notMeasured[name]).toBeTruthy();
    }
  });

  it("measures every control-plane figure, each named with its unit, and checks ports against its deadline", () => {
    const { controlPlane, goals } = BenchResults.parse(results);
    expect(controlPlane.notMeasured).toEqual({});
    const figures = Object.entries(controlPlane).filter(
      ([, value]) => value === null || typeof value === "number",
    );
    expect(figures.map(([name]) => name).sort()).toEqual([
      "ambassadorPeakMemoryMiB",
      "botHeapThousandLinksMiB",
      "botMemoryThousandLinksMiB",
      "linkMs",
      "linkSaveThousandLinksMs",
      "listThousandLinksMs",
      "portsDeadlineMs",
      "portsFiftyClustersMs",
      "portsTenClustersFirstAnswerMs",
      "portsTenClustersKnownDownMs",
      "portsTenClustersTwoDeadMs",
      "reconcileThousandLinksMs",
      "slackAckMedianMs",
      "slackAckP99Ms",
      "teardownMs",
    ]);
    for (const [, value] of figures) expect(value).toBeGreaterThan(0);
    expect(controlPlane.counts).toEqual({
      links: 2,
      slackCommands: 10,
      storeLinks: 100,
      auditEntries: 10_000,
      scaleClusters: 10,
      scaleDeadClusters: 2,
    });
    // Two clusters never answer, so ports takes at least their deadline, and the issue allows 0.5 s more.
    expect(controlPlane.portsTenClustersTwoDeadMs).toBeGreaterThanOrEqual(controlPlane.portsDeadlineMs);
    const portsGoal = goals.find((goal) => goal.goal.startsWith("ports across 10 clusters, 2 dead"));
    expect(portsGoal).toMatchObject({ path: "control-plane", unit: "ms", target: 5_500 });
    expect(output.stdout).toMatch(
      /^ {2}control-plane: ports across 10 clusters, 2 dead ≤ per-host deadline \+ 0\.5 s: (met|NOT met) \(\d+ ms of 5500 ms/m,
    );
  });

  it("prints the table and a line per goal", () => {
    expect(output.stdout).toMatch(/^direct\s+-\s+\d+/m);
    expect(output.stdout).toMatch(/^kernel\s+kernel\s+\d+/m);
    expect(output.stdout).toMatch(/^tls\s+tls\s+\d+/m);
    const goalLines = output.stdout
      .split("\n")
      .filter((line) => /^ {2}(kernel|relay|tls): .*: (met|NOT met)/.test(line));
    expect(goalLines).toHaveLength(9);
    expect(output.stdout).toMatch(/^ {2}tls: throughput ≥ 0\.5× direct: (met|NOT met)/m);
    expect(output.stdout).toMatch(/^ {2}tls: new-connection latency ≤ 1× socat-chain: (met|NOT met)/m);
  });

  it("says how to start the lab when it is not up, and exits non-zero", async () => {
    const failure = await run(tsx, [benchScript, "--smoke", "--out", join(dir, "none.json")], {
      env: { ...process.env, AMBASSADOR_LAB_ID: "98" },
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr?.trim()).toBe(
      "bench: the lab 98 is not up; start it with: AMBASSADOR_LAB_ID=98 npm run lab:up",
    );
  });

  it("removes what it created when it is interrupted", async () => {
    // Straight to the bench's own process: the tsx wrapper relays a signal only to a child that answers within
    // 30 ms, and kills a busy one outright, which would skip the clean-up this test is about.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", benchScript, "--smoke", "--out", join(dir, "interrupted.json")],
      { env: { ...process.env, AMBASSADOR_LAB_ID: lab().id }, cwd: repoRoot },
    );
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("containers started")) resolve();
      });
      void exited.then(() => reject(new Error(`the bench ended before its containers started:\n${stderr}`)));
    });
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(stderr).toContain("SIGINT: removing what this run created");
    await expect(readFile(join(dir, "interrupted.json"))).rejects.toThrow();
  }, 120_000);

  it("leaves no container or network behind on either host, its links' included", async () => {
    const filters = JSON.stringify({ label: [benchLabel] });
    for (const docker of hosts) {
      expect(await docker.listContainers({ all: true, filters })).toEqual([]);
      expect(await docker.listNetworks({ filters })).toEqual([]);
    }
    expect(await Promise.all(hosts.map(linkedObjects))).toEqual(linkedBefore);
  });
});
