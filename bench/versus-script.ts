import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { LinkOptions, RequestContext } from "../src/engine/types.js";
import { benchLabel, step } from "./bench-docker.js";
import type { BenchHost, BenchLab } from "./bench-lab.js";
import { type BenchStore, createBenchStore } from "./bench-store.js";
import { type CpuUse, cpuDuring } from "./cpu-use.js";
import type { Timing, VersusScript } from "./results-schema.js";
import { median, round } from "./stats.js";
import { removeThreeAtOnce, startThreeAtOnce } from "./three-at-once.js";

const run = promisify(execFile);
const repoRoot = new URL("..", import.meta.url).pathname;
const cliPath = join(repoRoot, "dist/cli.js");
const actor: RequestContext = { actor: { kind: "local", user: "bench" }, channel: "C1" };

/** Rounds of the comparison, each way once per round in a rotating order. */
export const versusScriptRounds = { full: 5, smoke: 2 } as const;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return round(performance.now() - started, 1);
}

/** Runs the docker CLI against one lab host over TLS, with that host's bundle as its only Docker settings. */
async function docker(host: BenchHost, args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("DOCKER_")));
  const { stdout } = await run("docker", args, { env: { ...env, ...host.dockerEnv }, timeout: 60_000 }).catch(
    (error: { stderr?: string; message?: string }) => {
      throw new Error(
        `docker ${args.slice(0, 2).join(" ")} on ${host.name}: ${error.stderr?.trim() || error.message}`,
      );
    },
  );
  return stdout;
}

/** The address and port `docker port` printed for one container port. */
function connectionOf(printed: string, port: number, host: BenchHost): string {
  const line = printed.split("\n").find((l) => l.startsWith(`${port}/tcp -> `));
  const hostPort = line?.split(":").at(-1);
  if (!hostPort)
    throw new Error(`docker port on ${host.name} printed no mapping for ${port}/tcp: ${printed}`);
  return `${host.ip}:${hostPort}`;
}

/** The seed tutorial's steps with the docker CLI, as a script would run them, one after another. */
async function scriptLink(lab: BenchLab, app: string, runId: string): Promise<void> {
  const label = ["--label", `${benchLabel}=${runId}`];
  const ambassador = `${app}-script-ambassador`;
  await docker(lab.a, [
    "run",
    "-d",
    "--name",
    ambassador,
    ...label,
    "--link",
    `${app}:helloapp`,
    "--publish",
    "5000",
    "svendowideit/ambassador",
  ]);
  const connection = connectionOf(await docker(lab.a, ["port", ambassador]), 5000, lab.a);
  await docker(lab.b, [
    "run",
    "-d",
    "--name",
    ambassador,
    ...label,
    "--env",
    `HELLOAPP_PORT_5000_TCP=tcp://${connection}`,
    "--expose",
    "5000",
    "svendowideit/ambassador",
  ]);
  await docker(lab.b, [
    "run",
    "-d",
    "--name",
    `${app}-script-web`,
    ...label,
    "--link",
    `${ambassador}:helloapp`,
    "--publish-all",
    "hello-web",
  ]);
  connectionOf(await docker(lab.b, ["port", `${app}-script-web`]), 5000, lab.b);
}

async function scriptRemove(lab: BenchLab, app: string): Promise<void> {
  await docker(lab.a, ["rm", "-f", `${app}-script-ambassador`]);
  await docker(lab.b, ["rm", "-f", `${app}-script-ambassador`, `${app}-script-web`]);
}

/** The environment of the built CLI on `store`: none of this process's Slack or ambassador settings. */
function cliEnv(store: BenchStore): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("SLACK_") && !name.startsWith("AMBASSADOR_"),
    ),
  );
  return { ...env, AMBASSADOR_STORE: store.path, AMBASSADOR_KEY: store.key, LOG_LEVEL: "warn" };
}

/** One command of the built CLI in a process of its own, as a shell runs it. */
async function cli(store: BenchStore, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env: cliEnv(store),
    timeout: 60_000,
  }).catch((error: { stderr?: string; message?: string }) => {
    throw new Error(`ambassador ${args[0]} failed: ${error.stderr?.trim() || error.message}`);
  });
  return stdout;
}

/** The built bot at its prompt on `store`, once it takes commands from other processes on its socket. */
async function startBot(store: BenchStore): Promise<ChildProcess> {
  const bot = spawn(process.execPath, [cliPath], {
    cwd: repoRoot,
    env: cliEnv(store),
    stdio: ["pipe", "ignore", "inherit"],
  });
  const deadline = Date.now() + 30_000;
  while (!(await stat(`${store.path}.sock`).catch(() => undefined))) {
    if (bot.exitCode !== null || Date.now() > deadline) {
      bot.kill("SIGKILL");
      throw new Error("the bot did not start listening on its socket");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return bot;
}

/** Leaves the bot's prompt; one that has not left within 10 s is killed. */
async function stopBot(bot: ChildProcess): Promise<void> {
  if (bot.exitCode !== null) return;
  const exited = new Promise((resolve) => bot.once("exit", resolve));
  bot.stdin?.end("exit\n");
  const killer = setTimeout(() => bot.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(killer);
}

function timing(values: number[]): Timing {
  return {
    medianMs: round(median(values), 1),
    minMs: Math.min(...values),
    maxMs: Math.max(...values),
    runsMs: values,
  };
}

type Way = "script" | "cli" | "toBot" | "inProcess" | "images" | "threeAtOnce";
const ways: Way[] = ["script", "cli", "toBot", "inProcess", "images", "threeAtOnce"];

/** Times `work` and records it under `name`, with the CPU the machine and the lab's Engines spent meanwhile. */
type Measure = (name: string, work: () => Promise<unknown>) => Promise<void>;

/** One in-process link and its teardown, both measured; throws when either did not do its whole work. */
async function measuredLink(
  store: BenchStore,
  app: string,
  options: LinkOptions,
  names: { link: string; teardown: string },
  measure: Measure,
  onLinked: (id: string | undefined) => void,
): Promise<void> {
  let id = "";
  await measure(names.link, async () => {
    const made = await store.engine.link(app, "clustera", "clusterb", options, actor);
    id = made.link.id;
    onLinked(id);
  });
  await measure(names.teardown, async () => {
    const result = await store.engine.teardown(id, actor);
    if (result.status !== "removed")
      throw new Error(`teardown left ${result.left.map((l) => l.name).join(", ")}`);
    onLinked(undefined);
  });
}

/**
 * The seed's steps scripted with the docker CLI, the built CLI's one-shot `link` and `teardown` (process start
 * included) and the engine's in this process, taken in turn within each round (the order rotating) so load
 * from the machine's other users falls on all of them alike.
 */
export async function measureVersusScript(
  lab: BenchLab,
  runId: string,
  rounds: number,
  progress: (line: string) => void,
): Promise<VersusScript> {
  const start = loadavg().map((value) => round(value, 2));
  await run("npm", ["run", "build", "--silent"], { cwd: repoRoot, timeout: 180_000 });
  const app = `bench-vs-${runId}`;
  const scratch = await mkdtemp(join(tmpdir(), "ambassador-bench-vs-"));
  const layout = { namesPerHost: 1, deadHosts: [], links: 0 };
  let inProcess: BenchStore | undefined;
  let linked: string | undefined;
  let seed: BenchStore | undefined;
  let seedLinked: string | undefined;
  let forCli: BenchStore | undefined;
  let cliLinked = false;
  let bot: ChildProcess | undefined;
  let forBot: BenchStore | undefined;
  let botLinked = false;
  try {
    await step(lab.a, `starting ${app}`, async () => {
      const container = await lab.a.docker.createContainer({
        Image: "hello-app:latest",
        name: app,
        Labels: { [benchLabel]: runId },
      });
      await container.start();
    });
    const cliStore = await createBenchStore(lab, scratch, layout);
    forCli = cliStore;
    await cliStore.services.close();
    const botStore = await createBenchStore(lab, scratch, layout);
    forBot = botStore;
    await botStore.services.close();
    bot = await startBot(botStore);
    inProcess = await createBenchStore(lab, scratch, layout);
    const engineStore = inProcess;
    seed = await createBenchStore(lab, scratch, layout, "svendowideit/ambassador");
    const seedStore = seed;
    const linkWords = [
      app,
      "clustera",
      "clusterb",
      "--alias",
      "helloapp",
      "--web",
      "hello-web",
      "--web-name",
      `${app}-web`,
    ];
    const times: Record<string, number[]> = {};
    const cpu: Record<string, CpuUse[]> = {};
    // The first round warms every way alike and is not kept: the docker CLI's files, the built CLI's compiled code,
    // the bot's and the engine's kept-alive connections and link CA, as a machine in use has them.
    let warming = true;
    const measure: Measure = async (name, work) => {
      if (warming) {
        await work();
        return;
      }
      let ms = 0;
      const used = await cpuDuring(lab, async () => {
        ms = await timed(work);
      });
      times[name] = [...(times[name] ?? []), ms];
      cpu[name] = [...(cpu[name] ?? []), used];
    };
    const once: Record<Way, () => Promise<void>> = {
      script: async () => {
        await measure("scriptLink", () => scriptLink(lab, app, runId));
        await measure("scriptRemove", () => scriptRemove(lab, app));
      },
      cli: async () => {
        cliLinked = true;
        await measure("cliLink", () => cli(cliStore, ["link", ...linkWords]));
        await measure("cliPorts", () => cli(cliStore, ["ports", app]));
        await measure("cliHelp", () => cli(cliStore, ["help"]));
        await measure("cliTeardown", () => cli(cliStore, ["teardown", app]));
        cliLinked = false;
      },
      toBot: async () => {
        botLinked = true;
        await measure("botCliLink", () => cli(botStore, ["link", ...linkWords]));
        await measure("botCliTeardown", () => cli(botStore, ["teardown", app]));
        await measure("botCliHelp", () => cli(botStore, ["help"]));
        botLinked = false;
      },
      inProcess: async () => {
        const web = { alias: "helloapp", web: "hello-web", webName: `${app}-web` };
        const names = { link: "inProcessLink", teardown: "inProcessTeardown" };
        await measuredLink(engineStore, app, web, names, measure, (id) => {
          linked = id;
        });
      },
      threeAtOnce: async () => {
        await measure("threeStartsAtOnce", () => startThreeAtOnce(lab, app, runId));
        await measure("threeRemovalsAtOnce", () => removeThreeAtOnce(lab, app));
      },
      images: async () => {
        const plaintext = { alias: "helloapp", plaintext: true };
        for (const [name, store] of [
          ["plaintextLink", engineStore],
          ["seedImageLink", seedStore],
        ] as const) {
          const names = { link: name, teardown: `${name}Teardown` };
          await measuredLink(store, app, plaintext, names, measure, (id) => {
            if (store === seedStore) seedLinked = id;
            else linked = id;
          });
        }
      },
    };
    for (const way of ways) await once[way]();
    warming = false;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < ways.length; i++) await once[ways[(round + i) % ways.length] as Way]();
      progress(
        `versus script ${round + 1}/${rounds}: script ${times.scriptLink?.at(-1)} ms, CLI ${times.cliLink?.at(-1)} ms (to the bot ${times.botCliLink?.at(-1)} ms), in-process ${times.inProcessLink?.at(-1)} ms`,
      );
    }
    const of = (name: string) => timing(times[name] ?? []);
    // The CPU of the link and removal each way took, median over the rounds.
    const cpuOf = (name: string) => ({
      machineMs: round(median((cpu[name] ?? []).map((use) => use.machineMs)), 0),
      enginesMs: round(median((cpu[name] ?? []).map((use) => use.enginesMs)), 0),
    });
    const cpuMedians = Object.fromEntries(
      [
        "scriptLink",
        "cliLink",
        "botCliLink",
        "inProcessLink",
        "scriptRemove",
        "cliTeardown",
        "botCliTeardown",
        "inProcessTeardown",
        "threeStartsAtOnce",
        "threeRemovalsAtOnce",
      ].map((name) => [name, cpuOf(name)]),
    );
    const result = {
      rounds,
      loadAverage: { start, end: loadavg().map((value) => round(value, 2)) },
      scriptLink: of("scriptLink"),
      scriptRemove: of("scriptRemove"),
      cliLink: of("cliLink"),
      cliTeardown: of("cliTeardown"),
      cliPorts: of("cliPorts"),
      cliHelp: of("cliHelp"),
      botCliLink: of("botCliLink"),
      botCliTeardown: of("botCliTeardown"),
      botCliHelp: of("botCliHelp"),
      inProcessLink: of("inProcessLink"),
      inProcessTeardown: of("inProcessTeardown"),
      plaintextLink: of("plaintextLink"),
      seedImageLink: of("seedImageLink"),
      threeStartsAtOnce: of("threeStartsAtOnce"),
      threeRemovalsAtOnce: of("threeRemovalsAtOnce"),
      cpu: cpuMedians,
    };
    // Three decimals: a median 1 ms over the script's is over, not the 1.00× two decimals would make it.
    const ratio = (a: Timing, b: Timing) => round(a.medianMs / b.medianMs, 3);
    return {
      ...result,
      ratios: {
        cliLinkToScript: ratio(result.cliLink, result.scriptLink),
        inProcessLinkToScript: ratio(result.inProcessLink, result.scriptLink),
        cliTeardownToScript: ratio(result.cliTeardown, result.scriptRemove),
        botCliLinkToScript: ratio(result.botCliLink, result.scriptLink),
        botCliTeardownToScript: ratio(result.botCliTeardown, result.scriptRemove),
        inProcessTeardownToScript: ratio(result.inProcessTeardown, result.scriptRemove),
        seedImageLinkToDefault: ratio(result.seedImageLink, result.plaintextLink),
        threeStartsAtOnceToScript: ratio(result.threeStartsAtOnce, result.scriptLink),
        threeRemovalsAtOnceToScript: ratio(result.threeRemovalsAtOnce, result.scriptRemove),
      },
    };
  } finally {
    // The links' containers carry the engine's labels, not the benchmark's: only a teardown removes them.
    if (linked && inProcess) await inProcess.engine.teardown(linked, actor).catch(() => undefined);
    if (seedLinked && seed) await seed.engine.teardown(seedLinked, actor).catch(() => undefined);
    await seed?.services.close().catch(() => undefined);
    if (cliLinked && forCli) await cli(forCli, ["teardown", app]).catch(() => undefined);
    if (botLinked && forBot) await cli(forBot, ["teardown", app]).catch(() => undefined);
    if (bot) await stopBot(bot);
    await inProcess?.services.close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}
