import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { defaultDeadlines } from "../src/deadlines.js";
import type { LinkRecord } from "../src/domain/link.js";
import { createLinkEngine } from "../src/engine/link-engine.js";
import type { Engine } from "../src/engine/types.js";
import { localActor } from "../src/store/audit.js";
import { openStoreServices, type StoreServices } from "../src/store/store-services.js";
import type { BenchHost } from "./bench-lab.js";

/** A store of the benchmark's own, in a scratch folder, and the engine over it. */
export interface BenchStore {
  path: string;
  /** AMBASSADOR_KEY for the bot processes that open this store after it is closed. */
  key: string;
  services: StoreServices;
  engine: Engine;
  /** Names of the clusters that answer, by lab host. */
  live: { a: string[]; b: string[] };
  dead: string[];
}

/** Per-host deadline of the engine's read-only calls (ports, list, reconcile) in the benchmark. */
export const readDeadlineMs = 5_000;

/** A loopback port that accepts TCP connections and never says a word: a host that hangs. */
export async function startSilentPort(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the silent port has no address");
  return {
    port: address.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Dead addresses that stay inside the lab: unused addresses of the lab's subnet (nothing answers ARP) and the
 * silent loopback port, alternately.
 */
export function deadHosts(lab: StoreHosts, silentPort: number, count: number): string[] {
  const subnet = lab.a.ip.split(".").slice(0, 3).join(".");
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? `tcp://${subnet}.${9 + i / 2}:2376` : `tcp://127.0.0.1:${silentPort}`,
  );
}

export interface BenchStoreLayout {
  /** Clusters registered per lab host; the first of each is named clustera / clusterb. */
  namesPerHost: number;
  /** Docker endpoints that do not answer, each registered as a cluster. */
  deadHosts: string[];
  /** Synthetic links whose containers do not exist, spread over every cluster. */
  links: number;
}

/** What the store needs of the lab's two hosts: a lab's, or stand-ins where no Docker answers. */
export type StoreHosts = Record<"a" | "b", Pick<BenchHost, "name" | "ip" | "tls">>;

/** Opens a fresh store in `dir`, registers the clusters and writes the links in one go. */
export async function createBenchStore(
  lab: StoreHosts,
  dir: string,
  layout: BenchStoreLayout,
  /** The ambassador image the engine runs (`AMBASSADOR_IMAGE`); the default one when unset. */
  ambassadorImage?: string,
): Promise<BenchStore> {
  const path = `${dir}/store-${randomBytes(3).toString("hex")}.json`;
  const key = randomBytes(32);
  const services = await openStoreServices(
    { path, key },
    { deadlines: { ...defaultDeadlines, call: 30_000, read: readDeadlineMs } },
  );
  const actor = localActor();
  const live = { a: [] as string[], b: [] as string[] };
  for (const host of [lab.a, lab.b]) {
    const names = host === lab.a ? live.a : live.b;
    for (let i = 0; i < layout.namesPerHost; i++) {
      const name = i === 0 ? host.name : `${host.name}-${i + 1}`;
      names.push(name);
      await services.registry.add(
        { name, host: `tcp://${host.ip}:2376`, tls: host.tls, advertise: host.ip, channels: [] },
        actor,
      );
    }
  }
  const dead = layout.deadHosts.map((_, i) => `dead-${i + 1}`);
  for (const [i, name] of dead.entries()) {
    await services.registry.add(
      { name, host: layout.deadHosts[i] ?? "", tls: lab.a.tls, advertise: lab.a.ip, channels: [] },
      actor,
    );
  }
  const clusters = [...live.a, ...live.b, ...dead];
  if (layout.links > 0) {
    const records = Array.from({ length: layout.links }, (_, i) =>
      syntheticLink(i, clusters[i % clusters.length] ?? "", clusters[(i + 1) % clusters.length] ?? ""),
    );
    await services.store.update((data) => {
      data.links.push(...records);
    });
  }
  const engine = createLinkEngine({
    clusters: services.clusters,
    links: services.links,
    authority: services.authority,
    deadlines: { call: 30_000, read: readDeadlineMs },
    ambassadorImage,
  });
  return { path, key: key.toString("base64"), services, engine, live, dead };
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** A link as the engine records one, whose containers and networks exist nowhere. */
export function syntheticLink(index: number, source: string, target: string): LinkRecord {
  const id = hex(6);
  const name = (role: string) => `bench-${index}-${role}-${id}`;
  return {
    id,
    container: `bench-app-${index}`,
    alias: "helloapp",
    sourceCluster: source,
    targetCluster: target,
    targets: [{ cluster: target }],
    ports: [5000],
    wiring: "networks",
    connections: [{ port: 5000, address: `${source}:${30000 + (index % 30000)}` }],
    modes: { source: "kernel", target: "kernel" },
    status: "active",
    resources: [
      { cluster: source, kind: "network", role: "source-network", id: hex(32), name: name("net") },
      { cluster: source, kind: "container", role: "source", id: hex(32), name: name("src") },
      { cluster: target, kind: "network", role: "target-network", id: hex(32), name: name("tnet") },
      { cluster: target, kind: "container", role: "target", id: hex(32), name: name("dst") },
    ],
    createdAt: new Date().toISOString(),
    createdBy: { kind: "local", user: "bench" },
    channel: "C1",
  };
}
