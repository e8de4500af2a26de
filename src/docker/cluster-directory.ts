import type { ClusterRegistry } from "../store/cluster-registry.js";
import type { ClusterRecord } from "../store/schema.js";
import type { ClusterConnection, ClusterDirectory, ClusterProbe, ClusterSummary } from "./clusters.js";
import { createDockerClient } from "./docker-client.js";
import { pingDocker } from "./docker-ping.js";

export interface ClusterDirectoryOptions {
  /** Deadline of every Docker call made through connect(); default 30 s. */
  callTimeoutMs?: number;
}

interface CachedConnection {
  fingerprint: string;
  connection: ClusterConnection;
}

/** What may be shown about a cluster: never key material. */
export function summarizeCluster(record: ClusterRecord): ClusterSummary {
  return {
    name: record.name,
    host: record.host,
    tls: record.tls !== undefined,
    advertise: record.advertise,
    channels: [...record.channels],
  };
}

/** Resolves cluster names from the store to dockerode clients, built once per cluster and reused. */
export class StoreClusterDirectory implements ClusterDirectory {
  readonly #cache = new Map<string, CachedConnection>();
  readonly #callTimeoutMs: number;

  constructor(
    private readonly registry: ClusterRegistry,
    options: ClusterDirectoryOptions = {},
  ) {
    this.#callTimeoutMs = options.callTimeoutMs ?? 30_000;
  }

  list(): ClusterSummary[] {
    return this.registry.list().map(summarizeCluster);
  }

  connect(name: string): ClusterConnection {
    const record = this.registry.require(name);
    // A cluster removed and added again under the same name must not keep the old client.
    const fingerprint = JSON.stringify([record.host, record.tls, record.addedAt]);
    const cached = this.#cache.get(name);
    if (cached?.fingerprint === fingerprint) {
      return { ...cached.connection, advertise: record.advertise, channels: [...record.channels] };
    }
    const docker = createDockerClient(this.registry.endpoint(record), { timeoutMs: this.#callTimeoutMs });
    const connection: ClusterConnection = {
      name,
      advertise: record.advertise,
      channels: [...record.channels],
      docker,
    };
    this.#cache.set(name, { fingerprint, connection });
    return connection;
  }

  async probe(names?: string[], timeoutMs = 5_000): Promise<ClusterProbe[]> {
    const targets = names ?? this.registry.list().map((record) => record.name);
    return Promise.all(
      targets.map(async (name): Promise<ClusterProbe> => {
        try {
          const connection = this.connect(name);
          const record = this.registry.require(name);
          const ping = await pingDocker(connection.docker, record.host, timeoutMs);
          return { name, ok: true, version: ping.version, rttMs: ping.rttMs };
        } catch (error) {
          return { name, ok: false, error: (error as Error).message };
        }
      }),
    );
  }
}
