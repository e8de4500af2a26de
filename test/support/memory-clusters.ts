import type Docker from "dockerode";
import type {
  ClusterConnection,
  ClusterDirectory,
  ClusterProbe,
  ClusterSummary,
} from "../../src/docker/clusters.js";
import { UserError } from "../../src/errors.js";
import { type LabInfo, labDocker } from "../lab.js";

/** A cluster directory held in memory: tests register dockerode clients under names. */
export class MemoryClusters implements ClusterDirectory {
  private readonly connections = new Map<string, ClusterConnection>();
  private readonly hosts = new Map<string, string>();

  add(name: string, docker: Docker, advertise: string, host = advertise, channels: string[] = []): this {
    this.connections.set(name, { name, advertise, channels, docker });
    this.hosts.set(name, host);
    return this;
  }

  list(): ClusterSummary[] {
    return [...this.connections.values()].map((c) => ({
      name: c.name,
      host: this.hosts.get(c.name) ?? "",
      tls: true,
      advertise: c.advertise,
      channels: c.channels,
    }));
  }

  connect(name: string): ClusterConnection {
    const connection = this.connections.get(name);
    if (!connection) {
      throw new UserError(
        "unknown-cluster",
        `Unknown cluster "${name}"; registered: ${[...this.connections.keys()].join(", ") || "none"}.`,
      );
    }
    return connection;
  }

  async probe(names?: string[], timeoutMs = 5_000): Promise<ClusterProbe[]> {
    const wanted = names ?? [...this.connections.keys()];
    return Promise.all(
      wanted.map(async (name) => {
        const started = performance.now();
        try {
          const version = await Promise.race([
            this.connect(name).docker.version(),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs)),
          ]);
          return { name, ok: true, version: version.Version, rttMs: performance.now() - started };
        } catch (error) {
          return { name, ok: false, error: String(error) };
        }
      }),
    );
  }
}

/** clustera and clusterb of the lab, each advertised at its own lab IP. */
export async function labClusters(info: LabInfo): Promise<MemoryClusters> {
  const clusters = new MemoryClusters();
  clusters.add(
    "clustera",
    await labDocker(info.clustera),
    info.clustera.ip,
    `tcp://${info.clustera.ip}:2376`,
  );
  clusters.add(
    "clusterb",
    await labDocker(info.clusterb),
    info.clusterb.ip,
    `tcp://${info.clusterb.ip}:2376`,
  );
  return clusters;
}
