import { type ParseArgsConfig, parseArgs } from "node:util";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { Actor } from "../domain/actor.js";
import { isUserError, UserError } from "../errors.js";
import {
  type ClusterRequest,
  type ClusterSource,
  checkClusterName,
  type PreparedCluster,
  type PrepareOptions,
  prepareCluster,
} from "../store/cluster-registration.js";
import type { ClusterRegistry } from "../store/cluster-registry.js";
import { clustersUsage } from "./clusters-usage.js";

export { clustersUsage };

/** What reading and checking a new cluster needs, before any store is opened. */
export interface ClustersPrepareDeps {
  cwd?: string;
  /** The Docker CLI configuration folder, for --context. */
  dockerConfigDir?: string;
  /** Deadline of the connection `add` makes before saving; default 5 s. */
  connectTimeoutMs?: number;
}

/** What `ambassador clusters …` needs; the CLI builds it from the opened store. */
export interface ClustersCommandDeps extends ClustersPrepareDeps {
  registry: ClusterRegistry;
  clusters: ClusterDirectory;
  /** Who runs the command: the local user. */
  actor: Actor;
  /** Deadline per host for `test`; default 5 s. */
  probeTimeoutMs?: number;
}

/** The text to print and the process exit code: 0 done, 1 failed, 2 bad usage. */
export interface CommandResult {
  exitCode: number;
  output: string;
}

class UsageError extends UserError {
  constructor(message: string) {
    super("usage", message);
  }
}

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split(/\.\s/)[0]?.replace(/'/g, "") ?? "bad arguments";
    throw new UsageError(message);
  }
}

function addRequest(args: string[]): ClusterRequest {
  const { values, positionals } = parse(args, {
    "docker-env": { type: "string" },
    "env-file": { type: "string" },
    host: { type: "string" },
    "cert-path": { type: "string" },
    context: { type: "string" },
    advertise: { type: "string" },
    channel: { type: "string", multiple: true },
    egress: { type: "string" },
  });
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length
        ? `one cluster name expected, got ${positionals.join(" ")}`
        : "give the cluster a name",
    );
  }
  if (values["env-file"] !== undefined) {
    // Node 20 reads an --env-file anywhere on its command line when started as `node cli.js …`, and runs what its
    // NODE_OPTIONS say, before this program starts.
    throw new UsageError(
      "pass the Docker credentials file as --docker-env FILE: Node itself reads an --env-file argument (and runs what its NODE_OPTIONS name) before this program starts",
    );
  }
  const name = positionals[0] as string;
  const envFile = values["docker-env"] as string | undefined;
  const host = values.host as string | undefined;
  const context = values.context as string | undefined;
  const certPath = values["cert-path"] as string | undefined;
  const given = [envFile, host, context].filter((value) => value !== undefined).length;
  if (given !== 1) throw new UsageError("give exactly one of --docker-env, --host or --context");
  if (certPath !== undefined && host === undefined) throw new UsageError("--cert-path goes with --host");
  const source: ClusterSource =
    envFile !== undefined
      ? { kind: "env-file", path: envFile }
      : host !== undefined
        ? { kind: "host", url: host, certPath }
        : { kind: "context", name: context as string };
  return {
    name,
    source,
    advertise: values.advertise as string | undefined,
    channels: (values.channel as string[] | undefined) ?? [],
    egress: (values.egress as string | undefined)?.split(","),
  };
}

function prepareOptions(deps: ClustersPrepareDeps): PrepareOptions {
  return { cwd: deps.cwd, dockerConfigDir: deps.dockerConfigDir, connectTimeoutMs: deps.connectTimeoutMs };
}

async function add(
  args: string[],
  deps: ClustersCommandDeps,
  ready?: PreparedCluster,
): Promise<CommandResult> {
  const request = addRequest(args);
  checkClusterName(request.name);
  if (!ready && deps.registry.get(request.name)) {
    throw new UserError(
      "cluster-exists",
      `a cluster named "${request.name}" is already registered; remove it first (ambassador clusters remove ${request.name})`,
    );
  }
  const { candidate, ping } = ready ?? (await prepareCluster(request, prepareOptions(deps)));
  const record = await deps.registry.add(candidate, deps.actor);
  return {
    exitCode: 0,
    output: [
      `Added cluster ${record.name}: ${record.host}${record.tls ? " over TLS (server certificate verified)" : ""}, Docker ${ping.version} (API ${ping.apiVersion}), ${Math.round(ping.rttMs)} ms.`,
      `Advertise address: ${record.advertise}. Channels: ${record.channels.length ? record.channels.join(", ") : "any"}.`,
    ].join("\n"),
  };
}

/**
 * The first half of a one-shot `ambassador clusters add …`, run before the store is opened: reads and checks
 * the credentials files and connects to the Engine, so the store's lock is taken only to save. Returns the
 * prepared cluster, or what to print when the command is wrong or the cluster is refused.
 */
export async function prepareClustersAdd(
  args: string[],
  deps: ClustersPrepareDeps,
): Promise<{ prepared: PreparedCluster } | { refused: CommandResult }> {
  try {
    return { prepared: await prepareCluster(addRequest(args), prepareOptions(deps)) };
  } catch (error) {
    return { refused: failure(error) };
  }
}

function list(args: string[], deps: ClustersCommandDeps): CommandResult {
  const { positionals } = parse(args, {});
  if (positionals.length) throw new UsageError(`list takes no arguments, got ${positionals.join(" ")}`);
  const clusters = deps.clusters.list();
  if (!clusters.length) {
    return {
      exitCode: 0,
      output:
        "No clusters registered. Add one with: ambassador clusters add <name> --docker-env <path/docker.env>",
    };
  }
  const rows = [["NAME", "HOST", "TLS", "ADVERTISE", "CHANNELS"]];
  for (const cluster of clusters) {
    rows.push([
      cluster.name,
      cluster.host,
      cluster.tls ? "yes" : "no",
      cluster.advertise,
      cluster.channels.length ? cluster.channels.join(",") : "any",
    ]);
  }
  return { exitCode: 0, output: table(rows) };
}

async function remove(args: string[], deps: ClustersCommandDeps): Promise<CommandResult> {
  const { values, positionals } = parse(args, { force: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("name the one cluster to remove");
  const name = positionals[0] as string;
  const { danglingLinks } = await deps.registry.remove(name, { force: values.force === true }, deps.actor);
  const lines = [`Removed cluster ${name}.`];
  if (danglingLinks.length) {
    lines.push(
      `Links ${danglingLinks.join(", ")} still refer to it; their containers on it were not touched.`,
    );
  }
  return { exitCode: 0, output: lines.join("\n") };
}

async function test(args: string[], deps: ClustersCommandDeps): Promise<CommandResult> {
  const { positionals } = parse(args, {});
  if (positionals.length > 1) throw new UsageError("test takes at most one cluster name");
  const names = positionals.length ? [deps.registry.require(positionals[0] as string).name] : undefined;
  const probes = await deps.clusters.probe(names, deps.probeTimeoutMs ?? 5_000);
  if (!probes.length) return { exitCode: 0, output: "No clusters registered." };
  const rows = [["NAME", "STATUS", "ENGINE", "ROUND TRIP"]];
  for (const probe of probes) {
    rows.push(
      probe.ok
        ? [probe.name, "ok", probe.version ?? "?", `${Math.round(probe.rttMs ?? 0)} ms`]
        : [probe.name, `FAILED: ${probe.error ?? "unknown error"}`, "", ""],
    );
  }
  return { exitCode: probes.every((probe) => probe.ok) ? 0 : 1, output: table(rows) };
}

function failure(error: unknown): CommandResult {
  if (error instanceof UsageError)
    return { exitCode: 2, output: `error: ${error.message}\n${clustersUsage}` };
  if (isUserError(error)) return { exitCode: 1, output: `error: ${error.message}` };
  throw error;
}

/**
 * Runs `ambassador clusters <args>` and returns what to print; never throws for a person's mistake. `ready` is
 * what prepareClustersAdd made of the same `add` before the store was opened.
 */
export async function runClustersCommand(
  args: string[],
  deps: ClustersCommandDeps,
  ready?: PreparedCluster,
): Promise<CommandResult> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "add":
        return await add(rest, deps, ready);
      // Bare `clusters` lists them, as it does in Slack.
      case undefined:
      case "list":
      case "ls":
        return list(rest, deps);
      case "remove":
      case "rm":
        return await remove(rest, deps);
      case "test":
        return await test(rest, deps);
      case "help":
      case "--help":
      case "-h":
        return { exitCode: 0, output: clustersUsage };
      default:
        throw new UsageError(`unknown command "clusters ${command}"`);
    }
  } catch (error) {
    return failure(error);
  }
}
