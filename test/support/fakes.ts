import { Writable } from "node:stream";
import type { Services } from "../../src/commands/services.js";
import { type Config, configSecrets, loadConfig } from "../../src/config.js";
import type { ClusterDirectory } from "../../src/docker/clusters.js";
import type { DockerHost } from "../../src/docker/docker-host.js";
import type { AuditEntry, AuditLog } from "../../src/domain/audit.js";
import type { ClusterProbe, ClusterSummary } from "../../src/domain/cluster.js";
import type { LinkRecord } from "../../src/domain/link.js";
import { findLink } from "../../src/engine/link-lookup.js";
import type {
  Engine,
  LinkOptions,
  LinkResult,
  LinkView,
  PortMapping,
  PortsResult,
  RepairResult,
  RequestContext,
  TeardownResult,
} from "../../src/engine/types.js";
import { UserError } from "../../src/errors.js";
import { createLogger } from "../../src/logger.js";

export const clusterA: ClusterSummary = {
  name: "clustera",
  host: "tcp://10.0.0.12:2376",
  tls: true,
  advertise: "10.0.0.12",
  channels: [],
};
export const clusterB: ClusterSummary = {
  name: "clusterb",
  host: "tcp://10.0.0.13:2376",
  tls: true,
  advertise: "10.0.0.13",
  channels: [],
};

/** A ClusterDirectory over fixed summaries; every cluster answers the probe. */
export class FakeClusterDirectory implements ClusterDirectory {
  constructor(readonly summaries: ClusterSummary[] = [clusterA, clusterB]) {}
  list(): ClusterSummary[] {
    return this.summaries;
  }
  host(name: string): DockerHost {
    throw new UserError("unknown-cluster", `fake directory cannot connect to ${name}`);
  }
  async probe(names?: string[]): Promise<ClusterProbe[]> {
    return this.summaries
      .filter((summary) => !names || names.includes(summary.name))
      .map((summary) => ({ name: summary.name, ok: true, version: "20.10.24", rttMs: 3 }));
  }
}

/** An AuditLog in memory. */
export class MemoryAuditLog implements AuditLog {
  readonly recorded: AuditEntry[] = [];
  async record(entry: Omit<AuditEntry, "at">): Promise<void> {
    this.recorded.push({ at: new Date().toISOString(), ...entry });
  }
  entries(): AuditEntry[] {
    return this.recorded;
  }
}

export interface FakeContainer {
  cluster: string;
  name: string;
  ports: number[];
}

export interface FakeEngineOptions {
  clusters?: ClusterSummary[];
  containers?: FakeContainer[];
  /** How long every call takes, as Docker on a slow host would. */
  delayMs?: number;
  /** Throw this (not a UserError) from every call, as a bug or a lost connection would. */
  crash?: Error;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An Engine that keeps links in memory and answers like the real one (names, mappings, URLs, errors). */
export class FakeEngine implements Engine {
  readonly links: LinkRecord[] = [];
  readonly calls: string[] = [];
  private readonly clusters: ClusterSummary[];
  private readonly containers: FakeContainer[];

  constructor(private readonly options: FakeEngineOptions = {}) {
    this.clusters = options.clusters ?? [clusterA, clusterB];
    this.containers = options.containers ?? [{ cluster: "clustera", name: "app", ports: [5000] }];
  }

  private async enter(call: string): Promise<void> {
    this.calls.push(call);
    if (this.options.delayMs) await sleep(this.options.delayMs);
    if (this.options.crash) throw this.options.crash;
  }

  private cluster(name: string): ClusterSummary {
    const found = this.clusters.find((c) => c.name === name);
    if (!found) {
      throw new UserError(
        "unknown-cluster",
        `There is no cluster named ${name}. Registered clusters: ${this.clusters.map((c) => c.name).join(", ")}.`,
      );
    }
    return found;
  }

  async link(
    container: string,
    sourceCluster: string,
    targetCluster: string,
    options: LinkOptions,
    context: RequestContext,
  ): Promise<LinkResult> {
    await this.enter(`link ${container} ${sourceCluster} ${targetCluster}`);
    const source = this.cluster(sourceCluster);
    const target = this.cluster(targetCluster);
    const app = this.containers.find((c) => c.cluster === sourceCluster && c.name === container);
    if (!app)
      throw new UserError(
        "no-such-container",
        `There is no container named ${container} on ${sourceCluster}.`,
      );
    const existing = this.links.find(
      (l) =>
        l.container === container && l.sourceCluster === sourceCluster && l.targetCluster === targetCluster,
    );
    const link = existing ?? this.makeLink(app, source, target, options, context);
    if (!existing) this.links.push(link);
    return this.resultOf(link, !existing);
  }

  private makeLink(
    app: FakeContainer,
    source: ClusterSummary,
    target: ClusterSummary,
    options: LinkOptions,
    context: RequestContext,
  ): LinkRecord {
    const id = `lnk${String(this.links.length + 1).padStart(4, "0")}`;
    const ports = options.ports ?? app.ports;
    const ambassador = `${app.name}-ambassador`;
    const webName = options.web ? (options.webName ?? "web") : undefined;
    return {
      id,
      container: app.name,
      alias: options.alias ?? app.name,
      sourceCluster: source.name,
      targetCluster: target.name,
      ports,
      wiring: options.legacyLinks ? "legacy-links" : "networks",
      connections: ports.map((port) => ({ port, address: `${source.advertise}:${port}` })),
      web: options.web && webName ? { image: options.web, name: webName } : undefined,
      modes: { source: "kernel", target: "kernel" },
      status: "active",
      resources: [
        { cluster: source.name, kind: "container", role: "source", id: `${id}-s`, name: ambassador },
        { cluster: target.name, kind: "container", role: "target", id: `${id}-t`, name: ambassador },
        ...(webName
          ? [
              {
                cluster: target.name,
                kind: "container" as const,
                role: "web" as const,
                id: `${id}-w`,
                name: webName,
              },
            ]
          : []),
      ],
      createdAt: new Date().toISOString(),
      createdBy: context.actor,
      channel: context.channel,
    };
  }

  private mappingsOf(link: LinkRecord): PortMapping[] {
    const source = this.cluster(link.sourceCluster);
    const target = this.cluster(link.targetCluster);
    const webPort = 32770 + this.links.indexOf(link);
    return [
      ...link.ports.map((port) => ({
        cluster: source.name,
        container: `${link.container}-ambassador`,
        containerPort: port,
        protocol: "tcp" as const,
        hostIp: source.advertise,
        hostPort: port,
        url: `http://${source.advertise}:${port}`,
      })),
      ...(link.web
        ? link.ports.map((port) => ({
            cluster: target.name,
            container: link.web?.name ?? "web",
            containerPort: port,
            protocol: "tcp" as const,
            hostIp: target.advertise,
            hostPort: webPort,
            url: `http://${target.advertise}:${webPort}`,
          }))
        : []),
    ];
  }

  private resultOf(link: LinkRecord, created: boolean): LinkResult {
    const mappings = this.mappingsOf(link);
    return {
      link,
      existing: !created,
      source: {
        cluster: link.sourceCluster,
        name: `${link.container}-ambassador`,
        id: `${link.id}-s`,
        mode: "kernel",
      },
      target: {
        cluster: link.targetCluster,
        name: `${link.container}-ambassador`,
        id: `${link.id}-t`,
        mode: "kernel",
      },
      connections: link.connections,
      mappings,
      webUrls: link.web
        ? mappings.filter((m) => m.container === link.web?.name).flatMap((m) => (m.url ? [m.url] : []))
        : [],
      timings: created ? [{ step: "source ambassador", cluster: link.sourceCluster, ms: 420 }] : [],
    };
  }

  async ports(container: string, cluster?: string): Promise<PortsResult> {
    await this.enter(`ports ${container}`);
    const searched = cluster ? [this.cluster(cluster).name] : this.clusters.map((c) => c.name);
    const found: PortsResult["found"] = [];
    for (const link of this.links) {
      for (const mapping of this.mappingsOf(link)) {
        if (mapping.container !== container || !searched.includes(mapping.cluster)) continue;
        let entry = found.find((f) => f.cluster === mapping.cluster && f.container === container);
        if (!entry) {
          entry = { cluster: mapping.cluster, container, id: `${link.id}-${container}`, mappings: [] };
          found.push(entry);
        }
        entry.mappings.push(mapping);
      }
    }
    return { container, searched, unreachable: [], found };
  }

  find(ref: string): LinkRecord {
    return findLink(this.links, ref);
  }

  async teardown(linkId: string, _context: RequestContext): Promise<TeardownResult> {
    await this.enter(`teardown ${linkId}`);
    const link = this.find(linkId);
    this.links.splice(this.links.indexOf(link), 1);
    return {
      linkId: link.id,
      removed: link.resources.map((r) => ({ cluster: r.cluster, kind: r.kind, name: r.name })),
      left: [],
      status: "removed",
    };
  }

  async list(filter?: { channel?: string }): Promise<LinkView[]> {
    await this.enter("list");
    return this.links
      .filter((link) => !filter?.channel || link.channel === filter.channel)
      .map((link) => ({
        link,
        status: link.status,
        containers: link.resources.map((r) => ({
          cluster: r.cluster,
          role: r.role,
          name: r.name,
          state: "running" as const,
        })),
        health: link.health,
      }));
  }

  async reconcile(): Promise<{ orphans: []; broken: []; removed: 0 }> {
    await this.enter("reconcile");
    return { orphans: [], broken: [], removed: 0 };
  }

  /** Recreates the target ambassador of a link whose status is `broken`; an active link needs nothing. */
  async repair(linkId: string, _context: RequestContext): Promise<RepairResult> {
    await this.enter(`repair ${linkId}`);
    const link = this.links.find((l) => l.id === linkId);
    if (!link) throw new UserError("link-not-found", `No link with ID or container "${linkId}".`);
    const broken = link.status === "broken";
    link.status = "active";
    return {
      linkId,
      status: broken ? "repaired" : "nothing-to-repair",
      recreated: broken
        ? [
            {
              cluster: link.targetCluster,
              kind: "container",
              role: "target",
              name: `${link.container}-ambassador`,
              reason: "missing",
            },
          ]
        : [],
      replaced: [],
      connections: link.connections,
      webUrls: [],
    };
  }
}

/** Collects everything written to it, for tests that read the log. */
export class CapturedOutput extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface TestServicesOptions {
  engine?: Engine;
  clusters?: ClusterDirectory;
  audit?: MemoryAuditLog;
  env?: NodeJS.ProcessEnv;
  log?: CapturedOutput;
}

/** Services over fakes, with the log captured. */
export function testServices(options: TestServicesOptions = {}): Services & {
  audit: MemoryAuditLog;
  log: CapturedOutput;
  config: Config;
} {
  const config = loadConfig({ AMBASSADOR_ADMINS: "UADMIN", LOG_LEVEL: "debug", ...options.env });
  const log = options.log ?? new CapturedOutput();
  const audit = options.audit ?? new MemoryAuditLog();
  return {
    engine: options.engine ?? new FakeEngine(),
    clusters: options.clusters ?? new FakeClusterDirectory(),
    audit,
    log,
    config,
    logger: createLogger({ level: config.logLevel, secrets: configSecrets(config), destination: log }),
  };
}
