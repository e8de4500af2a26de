import type { Deadlines } from "../deadlines.js";
import { type ClusterDirectory, probeClusters } from "../docker/clusters.js";
import type { DockerHost } from "../docker/docker-host.js";
import { DockerodeHost } from "../docker/dockerode-host.js";
import type { ClusterProbe, ClusterSummary } from "../domain/cluster.js";
import type { ClusterRegistry } from "./cluster-registry.js";
import type { ClusterRecord } from "./schema.js";

interface CachedHost {
  fingerprint: string;
  host: DockerHost;
}

/** What may be shown about a cluster: never key material. */
export function summarizeCluster(record: ClusterRecord): ClusterSummary {
  return {
    name: record.name,
    host: record.host,
    tls: record.tls !== undefined,
    advertise: record.advertise,
    channels: [...record.channels],
    egress: record.egress ? [...record.egress] : undefined,
  };
}

/** Resolves cluster names from the store to Docker hosts, each built once and reused (one client, kept alive). */
export class StoreClusterDirectory implements ClusterDirectory {
  readonly #cache = new Map<string, CachedHost>();

  constructor(
    private readonly registry: ClusterRegistry,
    private readonly deadlines: Pick<Deadlines, "call" | "pull" | "ping">,
  ) {}

  list(): ClusterSummary[] {
    return this.registry.list().map(summarizeCluster);
  }

  host(name: string): DockerHost {
    const record = this.registry.require(name);
    // A cluster removed and added again under the same name must not keep the old client.
    const fingerprint = JSON.stringify([record.host, record.tls, record.addedAt, record.advertise]);
    const cached = this.#cache.get(name);
    if (cached?.fingerprint === fingerprint) return cached.host;
    const longest = Math.max(this.deadlines.call, this.deadlines.pull);
    const endpoint = this.registry.endpoint(record);
    // dockerode (and what it loads) comes in with the first call: `help` and the like start without it.
    const docker = async () =>
      (await import("../docker/docker-client.js")).createDockerClient(endpoint, { timeoutMs: longest });
    const host = new DockerodeHost(docker, {
      name,
      advertise: record.advertise,
      url: record.host,
      callMs: this.deadlines.call,
      pullMs: this.deadlines.pull,
    });
    this.#cache.set(name, { fingerprint, host });
    return host;
  }

  probe(names?: string[], timeoutMs = this.deadlines.ping): Promise<ClusterProbe[]> {
    return probeClusters(this, names, timeoutMs);
  }
}
