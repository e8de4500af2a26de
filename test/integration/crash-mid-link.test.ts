import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServices, defaultBackend } from "../../src/app-context.js";
import { loadConfig } from "../../src/config.js";
import { labelKeys } from "../../src/engine/labels.js";
import { createLogger } from "../../src/logger.js";
import { logReconcileSummary } from "../../src/monitor/start-monitor.js";
import { openStoreServices } from "../../src/store/store-services.js";
import { runClustersCommand } from "../../src/terminal/clusters-command.js";
import { lab } from "../lab.js";
import {
  botObjects,
  cleanUp,
  type EngineFixture,
  engineFixture,
  networksOf,
  startApp,
} from "../support/engine-fixture.js";
import { CapturedOutput } from "../support/fakes.js";

const root = new URL("../..", import.meta.url).pathname;
const actor = { kind: "local" as const, user: "integration" };

describe("the bot killed in the middle of a link", () => {
  let fx: EngineFixture;
  let dir: string;
  let storePath: string;
  let env: NodeJS.ProcessEnv;

  /** The one-shot command line in a process of its own, as an operator runs it. */
  const cliArgs = (args: string[]) => ["--import", "tsx", join(root, "src/cli.ts"), ...args];
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, cliArgs(args), { cwd: root, env }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  beforeAll(async () => {
    fx = await engineFixture(lab());
    await cleanUp(fx);
    await startApp(fx.a);
    dir = await mkdtemp(join(tmpdir(), "amb-int-crash-"));
    storePath = join(dir, "data", "ambassador.json");
    env = { PATH: process.env.PATH, HOME: process.env.HOME, AMBASSADOR_STORE: storePath };
    const services = await openStoreServices({ path: storePath });
    try {
      for (const name of ["clustera", "clusterb"] as const) {
        const added = await runClustersCommand(["add", name, "--docker-env", lab()[name].envFile], {
          registry: services.registry,
          clusters: services.clusters,
          actor,
        });
        expect(added.exitCode).toBe(0);
      }
    } finally {
      await services.close();
    }
  });

  afterAll(async () => {
    await cleanUp(fx);
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * A one-shot `link` in a process of its own, once its first ambassador exists on clustera (or it ended first):
   * the process, everything it printed so far, how it will end, and that ambassador.
   */
  async function linkUntilItsAmbassador() {
    const child = spawn(
      process.execPath,
      cliArgs(["link", "app", "clustera", "clusterb", "--alias", "helloapp", "--web", "hello-web"]),
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    for (const stream of [child.stdout, child.stderr])
      stream.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on("exit", (code, signal) => resolve(signal ?? code)),
    );
    const filters = JSON.stringify({ label: [labelKeys.link] });
    const deadline = Date.now() + 60_000;
    let ambassador: { name: string; linkId: string } | undefined;
    while (!ambassador && child.exitCode === null && Date.now() < deadline) {
      const [found] = await fx.a.listContainers({ all: true, filters });
      if (found) ambassador = { name: found.Names[0] ?? "", linkId: found.Labels[labelKeys.link] ?? "" };
      else await sleep(20);
    }
    return { child, output: () => output, exited, ambassador };
  }

  it("lets a one-shot link finish when interrupted once: the link is whole, stored, and torn down cleanly", async () => {
    const { child, output, exited } = await linkUntilItsAmbassador();
    child.kill("SIGINT");
    expect(await exited, output()).toBe(0);
    expect(output()).toContain("Finishing `link` first, so that nothing is left half-done");
    expect(output()).toMatch(/^Linked app/m);
    const listed = await cli(["list"]);
    expect(listed.stdout).toMatch(/^1 link:/);
    const torn = await cli(["teardown", "app"]);
    expect(torn.code).toBe(0);
    expect(await botObjects(fx.a)).toEqual([]);
    expect(await botObjects(fx.b)).toEqual([]);
  });

  it("leaves orphans the start names, and `reconcile --fix` removes every one", async () => {
    const { child, output, exited, ambassador } = await linkUntilItsAmbassador();
    child.kill("SIGKILL");
    expect(await exited, `the link ended before it could be killed:\n${output()}`).toBe("SIGKILL");
    expect(ambassador?.name).toBe("/app-ambassador");
    const linkId = ambassador?.linkId ?? "";
    // Who started it is on record though it never ended: that line was written before the first host was touched.
    const audited = (await readFile(`${storePath}.audit.jsonl`, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { action: string; outcome: string; target?: string });
    expect(audited.filter((entry) => entry.action === "link")).toEqual([
      expect.objectContaining({ outcome: "started", target: "app clustera->clusterb" }),
      expect.objectContaining({ outcome: "ok", target: "app clustera->clusterb" }),
      expect.objectContaining({ outcome: "started", target: "app clustera->clusterb" }),
    ]);

    const logged = new CapturedOutput();
    const logger = createLogger({ level: "info", destination: logged });
    const restarted = await createServices(
      loadConfig({ AMBASSADOR_STORE: storePath }),
      logger,
      defaultBackend,
    );
    try {
      expect(restarted.links?.all()).toEqual([]);
      await logReconcileSummary(restarted.engine, logger);
    } finally {
      await restarted.close?.();
    }
    const summary = logged.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { msg: string; orphans?: string[] })
      .find((line) => line.msg.startsWith("reconcile on start"));
    expect(summary?.msg).toMatch(
      /^reconcile on start: [1-9]\d* orphan\(s\) found, 0 link\(s\) broken, 0 cluster\(s\) unreachable; `ambassador reconcile --fix` removes the orphans$/,
    );
    expect(summary?.orphans).toContain(`container app-ambassador on clustera (link ${linkId})`);

    const named = await cli(["reconcile"]);
    expect(named.code).toBe(0);
    expect(named.stdout).toContain(`  orphan container app-ambassador on clustera (link ${linkId})`);
    expect(named.stdout).toContain("`reconcile --fix` removes the orphans.");
    expect((await botObjects(fx.a)).length).toBeGreaterThan(0);

    const fixed = await cli(["reconcile", "--fix"]);
    expect(fixed).toMatchObject({ code: 0 });
    expect(fixed.stdout).toMatch(/\nRemoved \d+ orphans?\.\n?$/);
    expect(await botObjects(fx.a)).toEqual([]);
    expect(await botObjects(fx.b)).toEqual([]);
    expect(await networksOf(fx.a, "app")).toEqual(["bridge"]);

    const again = await cli(["reconcile"]);
    expect(again.stdout.trim()).toBe("The store and the hosts agree: no orphans, no link missing parts.");
  });
});
