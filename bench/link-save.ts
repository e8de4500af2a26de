import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BenchStore, createBenchStore, deadHosts, type StoreHosts } from "./bench-store.js";
import { controlPlaneCounts } from "./control-plane.js";
import { controlPlaneGoalTargets } from "./goals.js";
import { timeLinkSaves } from "./link-saves.js";
import { round, summarize } from "./stats.js";

/**
 * Saving a link with 1,000 in the store, as the full benchmark's scale phase measures it, without the lab: the
 * clusters are registered at addresses nothing answers, which saving never asks. `npx tsx bench/link-save.ts
 * [saves]` (or `npm run bench:save`).
 */
const saves = Number(process.argv[2] ?? 20);
const warmup = 3;

function pem(label: string, bytes: number): string {
  const body = randomBytes(bytes).toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** Stand-ins for the lab's hosts, with credentials the size of the lab's (P-256 keys, certificates). */
function standInHosts(): StoreHosts {
  const host = (name: "clustera" | "clusterb", ip: string) => ({
    name,
    ip,
    tls: {
      ca: pem("CERTIFICATE", 480),
      cert: pem("CERTIFICATE", 480),
      key: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
        type: "pkcs8",
        format: "pem",
      }) as string,
    },
  });
  return { a: host("clustera", "192.0.2.2"), b: host("clusterb", "192.0.2.3") };
}

async function main(): Promise<number> {
  const counts = controlPlaneCounts.full;
  const dir = await mkdtemp(join(tmpdir(), "ambassador-bench-save-"));
  let store: BenchStore | undefined;
  try {
    const hosts = standInHosts();
    store = await createBenchStore(hosts, dir, {
      namesPerHost: (counts.scaleClusters - counts.scaleDeadClusters) / 2,
      deadHosts: deadHosts(hosts, 9, counts.scaleDeadClusters),
      links: counts.storeLinks,
    });
    await timeLinkSaves(store, warmup);
    const { median, min, max } = summarize(await timeLinkSaves(store, saves));
    const met = median <= controlPlaneGoalTargets.linkSaveMs;
    console.log(
      `saving a link with ${counts.storeLinks} in the store (${counts.scaleClusters} clusters): median ${round(median, 2)} ms  min ${round(min, 2)}  max ${round(max, 2)}  (${saves} saves)  goal ≤ ${controlPlaneGoalTargets.linkSaveMs} ms ${met ? "met" : "NOT MET"}`,
    );
    return met ? 0 : 1;
  } finally {
    await store?.services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
