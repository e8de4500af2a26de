import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServices, defaultBackend } from "../src/app-context.js";
import { configSecrets, loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { startSlackWithMonitor } from "../src/run-here.js";
import { localActor } from "../src/store/audit.js";
import { openStoreServices } from "../src/store/store-services.js";
import { seedAuditedStore } from "./audited-store.js";
import { startSilentPort } from "./bench-store.js";
import { startSlackClient } from "./slack-client.js";
import { percentile, round } from "./stats.js";

/**
 * How long the bot takes from `app_home_opened` to `views.publish` with 100 links in its store, every cluster of
 * which accepts connections and never answers: the Home tab must not wait on them. `npx tsx bench/home-publish.ts`.
 */
const links = Number(process.env.HOME_BENCH_LINKS ?? 100);
const runs = Number(process.env.HOME_BENCH_RUNS ?? 50);
const warmup = 5;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ambassador-home-bench-"));
  const silent = await startSilentPort();
  const path = join(dir, "ambassador.json");
  const key = randomBytes(32);
  const store = await openStoreServices({ path, key });
  for (const name of ["clustera", "clusterb", "clusterc"])
    await store.registry.add(
      { name, host: `tcp://127.0.0.1:${silent.port}`, advertise: "127.0.0.1", channels: [] },
      localActor(),
    );
  await store.close();
  await seedAuditedStore(path, { links, auditEntries: 0 });

  const slack = await startSlackClient();
  const env = {
    ...slack.botEnv,
    AMBASSADOR_STORE: path,
    AMBASSADOR_KEY: key.toString("base64"),
    AMBASSADOR_ADMINS: "UADMIN",
    LOG_LEVEL: "error",
    PORT: "0",
  };
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, secrets: configSecrets(config) });
  const services = await createServices(config, logger, defaultBackend);
  const bot = await startSlackWithMonitor(services, { port: 0 });
  const requests = slack.talkTo(`http://127.0.0.1:${bot.port}`);
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + runs; i++) {
      // A new person each time, so every publish is a first opening, half of them by an admin.
      const user = i % 2 ? "UADMIN" : `U0PERSON${i}`;
      const before = slack.apiCalls.filter((call) => call.method === "views.publish").length;
      const started = performance.now();
      await requests.event({ type: "app_home_opened", tab: "home", channel: "D1" }, { user });
      const calls = await slack.waitForApi("views.publish", before + 1, 5_000);
      const ms = performance.now() - started;
      const text = JSON.stringify(calls.at(-1)?.args.view);
      if (!text.includes(`Links (${links} links)`)) throw new Error("the Home tab did not show every link");
      if (i >= warmup) times.push(ms);
      // The pings of the silent clusters end (unanswered) before the next opening, as between two people.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await bot.shutdown();
    await services.close?.();
    await slack.close();
    await silent.close();
    await rm(dir, { recursive: true, force: true });
  }
  const figure = (p: number) => round(percentile(times, p), 1);
  const result = {
    links,
    runs,
    medianMs: figure(50),
    minMs: round(Math.min(...times), 1),
    p90Ms: figure(90),
    maxMs: round(Math.max(...times), 1),
    goalMs: 1_000,
    met: Math.max(...times) <= 1_000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
