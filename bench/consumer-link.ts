/**
 * `link --consumer` (a container that already runs on clusterb) against `link --web` (a consumer started by the
 * link), in one interleaved run on the lab: each round makes and tears down one of each, in alternating order,
 * and the medians are compared. Usage: `AMBASSADOR_LAB_ID=N npm run bench:consumer [-- --rounds 5]`.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LinkOptions, RequestContext } from "../src/engine/types.js";
import { describeError } from "../src/errors.js";
import { benchLabel, step } from "./bench-docker.js";
import { type BenchLab, openLab } from "./bench-lab.js";
import { createBenchStore } from "./bench-store.js";
import { median, round } from "./stats.js";

const actor: RequestContext = { actor: { kind: "local", user: "bench" }, channel: "C1" };

function rounds(argv: readonly string[]): number {
  const at = argv.indexOf("--rounds");
  const value = at >= 0 ? Number(argv[at + 1]) : 5;
  if (!Number.isInteger(value) || value < 1) throw new Error("--rounds takes a whole number of at least 1");
  return value;
}

async function run(lab: BenchLab, host: "a" | "b", name: string, image: string): Promise<void> {
  const on = lab[host];
  await step(on, `starting ${name}`, async () => {
    const container = await on.docker.createContainer({ Image: image, name, Labels: { [benchLabel]: name } });
    await container.start();
  });
}

async function removeOurs(lab: BenchLab): Promise<void> {
  for (const host of [lab.a, lab.b]) {
    const filters = JSON.stringify({ label: [benchLabel] });
    for (const c of await host.docker.listContainers({ all: true, filters })) {
      if (c.Names.some((n) => n.startsWith("/consumer-bench-"))) {
        await host.docker.getContainer(c.Id).remove({ force: true });
      }
    }
  }
}

async function main(): Promise<void> {
  const count = rounds(process.argv.slice(2));
  const lab = await openLab(process.env.AMBASSADOR_LAB_ID ?? "0");
  const dir = await mkdtemp(join(tmpdir(), "ambassador-consumer-bench-"));
  await chmod(dir, 0o700);
  const suffix = Date.now().toString(36);
  const app = `consumer-bench-app-${suffix}`;
  const worker = `consumer-bench-worker-${suffix}`;
  const store = await createBenchStore(lab, dir, { namesPerHost: 1, deadHosts: [], links: 0 });
  const times: Record<"web" | "consumer", number[]> = { web: [], consumer: [] };
  try {
    await run(lab, "a", app, "hello-app:latest");
    await run(lab, "b", worker, "ambassador-lab/toolbox:latest");
    const variants: Record<"web" | "consumer", LinkOptions> = {
      web: { alias: "helloapp", web: "hello-web:latest", webName: `consumer-bench-web-${suffix}` },
      consumer: { alias: "helloapp", consumer: worker },
    };
    for (let i = 0; i < count; i++) {
      const order = i % 2 === 0 ? (["web", "consumer"] as const) : (["consumer", "web"] as const);
      for (const kind of order) {
        const started = performance.now();
        const result = await store.engine.link(app, "clustera", "clusterb", variants[kind], actor);
        const ms = round(performance.now() - started, 1);
        const teardown = await store.engine.teardown(result.link.id, actor);
        if (teardown.status !== "removed") throw new Error(`teardown of ${result.link.id} left parts behind`);
        times[kind].push(ms);
        console.log(`round ${i + 1}/${count} ${kind}: link ${ms} ms`);
      }
    }
    const web = round(median(times.web), 1);
    const consumer = round(median(times.consumer), 1);
    console.log(
      `median link --web: ${web} ms; median link --consumer: ${consumer} ms (${count} rounds each)`,
    );
    console.log(
      `goal (--consumer no slower than --web): ${consumer <= web ? "met" : "not met"}, ${round(consumer / web, 2)}×`,
    );
  } finally {
    await store.services.close();
    await removeOurs(lab);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${describeError(error)}`);
  process.exit(1);
});
