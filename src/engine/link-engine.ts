import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { ClusterDirectory, LinkRepository } from "../docker/clusters.js";
import {
  bindingsOf,
  DockerCallError,
  DockerHost,
  isUnreachable,
  type PortBindings,
} from "../docker/docker-host.js";
import { describeError, UserError } from "../errors.js";
import type { AuditLog } from "../store/audit.js";
import type { LinkRecord, LinkResource, ResourceRole } from "../store/schema.js";
import {
  AmbassadorRefused,
  type AmbassadorRequest,
  type CreatedContainer,
  createUniquelyNamed,
  type RunningAmbassador,
  runAmbassador,
} from "./ambassador-runner.js";
import { closeNames } from "./close-names.js";
import { createKeyedMutex } from "./keyed-mutex.js";
import { labelKeys, linkIdOf, linkLabels } from "./labels.js";
import { mapBounded } from "./map-bounded.js";
import type {
  AmbassadorInfo,
  AmbassadorMode,
  Engine,
  LinkOptions,
  LinkResult,
  LinkView,
  LiveState,
  PortMapping,
  PortsResult,
  ReconcileResult,
  RepairedPart,
  RepairResult,
  RequestContext,
  StepTiming,
  TeardownResult,
} from "./types.js";

/** The pino-compatible subset the engine logs through. */
export interface EngineLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A step of `link`, announced before it runs (tests inject failures here). */
export interface LinkStep {
  name: string;
  cluster: string;
}

/** What the link engine runs on: the store's clusters and links, and its settings. */
export interface LinkEngineDeps {
  clusters: ClusterDirectory;
  links: LinkRepository;
  audit?: AuditLog;
  logger?: EngineLogger;
  /** Image every ambassador runs; default `ambassador-bot/ambassador:latest`. */
  ambassadorImage?: string;
  clock?: () => Date;
  /** Deadline of each Docker call during link and teardown (ms). */
  timeoutMs?: number;
  pullTimeoutMs?: number;
  /** Per-host deadline of read-only calls: ports, list, reconcile (ms). */
  readTimeoutMs?: number;
  /** Clusters queried at once by ports, list and reconcile; default 16. */
  concurrency?: number;
  /** Mode every ambassador must run in, unless a link asks for one; default: the fastest the host permits. */
  mode?: AmbassadorMode;
  handshakeMs?: number;
  readyMs?: number;
  beforeStep?: (step: LinkStep) => void | Promise<void>;
  newId?: () => string;
}

export const defaultAmbassadorImage = "ambassador-bot/ambassador:latest";

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
const containerName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const wildcard = new Set(["0.0.0.0", "::", ""]);

/** `link` failed at a step; everything the attempt made was removed, or is named for a later teardown. */
export class LinkStepError extends UserError {
  constructor(
    readonly step: string,
    readonly cluster: string,
    readonly reason: string,
    readonly leftovers: { cluster: string; kind: string; name: string }[],
    readonly linkId: string,
    operation: "link" | "repair" = "link",
  ) {
    const cleanup = leftovers.length
      ? ` ${leftovers.length} object(s) could not be removed (${leftovers.map((l) => `${l.kind} ${l.name} on ${l.cluster}`).join(", ")}); run teardown ${linkId} once the host answers.`
      : operation === "repair"
        ? ` Nothing of this attempt was left behind; link ${linkId} is as it was.`
        : " Nothing of this attempt was left behind.";
    const oneLine = reason.replace(/\s+/g, " ").trim();
    const what = operation === "repair" ? `Repair of link ${linkId}` : "Link";
    super(`${operation}-failed`, `${what} failed at step "${step}" on ${cluster}: ${oneLine}.${cleanup}`);
  }
}

class StepFailure extends Error {
  constructor(
    readonly step: string,
    readonly cluster: string,
    override readonly cause: unknown,
  ) {
    super(`${step} on ${cluster}: ${describeError(cause)}`);
  }
}

/** A step's failure in one line, naming the Docker call and object when it was one. */
function failureReason(cause: unknown): string {
  const reason =
    cause instanceof DockerCallError
      ? `${cause.action}${cause.context.container ? ` ${cause.context.container}` : cause.context.network ? ` ${cause.context.network}` : ""}: ${cause.reason}`
      : describeError(cause);
  return reason.replace(/\.$/, "");
}

/** `5000/tcp -> 10.0.0.12:32770`, as `docker port` prints a binding. */
export function formatMapping(mapping: PortMapping): string {
  const host = mapping.hostIp.includes(":") ? `[${mapping.hostIp}]` : mapping.hostIp;
  return `${mapping.containerPort}/${mapping.protocol} -> ${host}:${mapping.hostPort}`;
}

/** One row per binding, with the advertise address for a wildcard; identical rows once. */
export function mappingsOf(
  cluster: string,
  container: string,
  advertise: string,
  ports: PortBindings | undefined,
): PortMapping[] {
  const seen = new Set<string>();
  const rows: PortMapping[] = [];
  for (const binding of bindingsOf(ports)) {
    const hostIp = wildcard.has(binding.hostIp) ? advertise : binding.hostIp;
    const protocol = binding.protocol as PortMapping["protocol"];
    const key = `${binding.containerPort}/${protocol} ${hostIp}:${binding.hostPort}`;
    if (seen.has(key) || !binding.hostPort) continue;
    seen.add(key);
    const host = hostIp.includes(":") ? `[${hostIp}]` : hostIp;
    rows.push({
      cluster,
      container,
      containerPort: binding.containerPort,
      protocol,
      hostIp,
      hostPort: binding.hostPort,
      url: protocol === "tcp" ? `http://${host}:${binding.hostPort}` : undefined,
    });
  }
  return rows;
}

/** The environment variables a legacy `--link` gives a consumer, pointing at `alias`. */
export function linkEnvironment(alias: string, ports: number[]): string[] {
  const prefix = envName(alias);
  const env = ports.flatMap((port) => [
    `${prefix}_PORT_${port}_TCP=tcp://${alias}:${port}`,
    `${prefix}_PORT_${port}_TCP_ADDR=${alias}`,
    `${prefix}_PORT_${port}_TCP_PORT=${port}`,
    `${prefix}_PORT_${port}_TCP_PROTO=tcp`,
  ]);
  if (ports[0] !== undefined) env.push(`${prefix}_PORT=tcp://${alias}:${ports[0]}`);
  return env;
}

function envName(alias: string): string {
  return alias.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

function validatePorts(ports: number[]): number[] {
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UserError(
        "port-out-of-range",
        `Port ${port} is out of range: use a whole number from 1 to 65535.`,
      );
    }
  }
  return [...new Set(ports)].sort((a, b) => a - b);
}

function validateAlias(alias: string, fromName: boolean): void {
  if (dnsLabel.test(alias)) return;
  const hint = fromName
    ? `the container's name "${alias}" is not a valid alias; pass --alias with letters, digits and dashes (a DNS label)`
    : `"${alias}" is not a valid alias: use letters, digits and dashes (a DNS label, at most 63 characters)`;
  throw new UserError("invalid-alias", `${hint[0]?.toUpperCase()}${hint.slice(1)}.`);
}

/** An ambassador to run, before the engine adds its image and labels. */
type AmbassadorSpec = Omit<AmbassadorRequest, "image" | "labels">;

/** The source ambassador: publishes each port on the same host port when free, else on one Docker picks. */
function sourceRequest(
  on: DockerHost,
  name: string,
  alias: string,
  ports: number[],
  usedHostPorts: Set<number>,
  sourceNetwork: string | undefined,
): AmbassadorSpec {
  return {
    host: on,
    baseName: `${name}-ambassador`,
    env: ports.map(
      (port) => `${envName(alias)}_PORT_${port}_TCP=tcp://${sourceNetwork ? name : alias}:${port}`,
    ),
    ports,
    publish: new Map(ports.map((port) => [port, usedHostPorts.has(port) ? "" : String(port)])),
    networkMode: sourceNetwork,
    links: sourceNetwork ? undefined : [`${name}:${alias}`],
  };
}

/** The variables that tell a target ambassador where the source ambassador listens. */
function targetEnvironment(alias: string, connections: { port: number; address: string }[]): string[] {
  return connections.map((c) => `${envName(alias)}_PORT_${c.port}_TCP=tcp://${c.address}`);
}

function targetRequest(
  on: DockerHost,
  name: string,
  alias: string,
  connections: { port: number; address: string }[],
  targetNetwork: string | undefined,
): AmbassadorSpec {
  return {
    host: on,
    baseName: `${name}-ambassador`,
    env: targetEnvironment(alias, connections),
    ports: connections.map((c) => c.port),
    networkMode: targetNetwork,
    networkAliases: targetNetwork ? [alias] : undefined,
  };
}

/** The consumer: found by the alias on the target network, or through a legacy link to the target ambassador. */
function webSpec(
  image: string,
  alias: string,
  ports: number[],
  labels: Record<string, string>,
  targetNetwork: string | undefined,
  targetAmbassador: CreatedContainer | undefined,
): Docker.ContainerCreateOptions {
  return {
    Image: image,
    Env: targetNetwork ? linkEnvironment(alias, ports) : undefined,
    Labels: labels,
    HostConfig: {
      PublishAllPorts: true,
      RestartPolicy: { Name: "unless-stopped" },
      NetworkMode: targetNetwork,
      Links: targetAmbassador ? [`${targetAmbassador.name}:${alias}`] : undefined,
    },
  };
}

/** The host ports a source ambassador publishes, one per carried port; throws when one is missing. */
async function readConnectionMappings(
  on: DockerHost,
  ambassador: CreatedContainer,
  ports: number[],
): Promise<PortMapping[]> {
  const info = await on.inspectContainer(ambassador.id);
  const rows = mappingsOf(on.name, ambassador.name, on.advertise, info?.NetworkSettings.Ports);
  for (const port of ports) {
    if (!rows.some((m) => m.containerPort === port && m.protocol === "tcp")) {
      throw new Error(`ambassador ${ambassador.name} publishes no host port for ${port}/tcp`);
    }
  }
  return rows;
}

/** host:port other hosts use to reach the source ambassador: the source's advertise address and its host port. */
function connectionsOf(
  source: DockerHost,
  ports: number[],
  mappings: PortMapping[],
): { port: number; address: string }[] {
  return ports.map((port) => {
    const mapping = mappings.find((m) => m.containerPort === port && m.protocol === "tcp");
    return { port, address: `${source.advertise}:${mapping?.hostPort}` };
  });
}

/** Creation order of a link's parts; teardown goes the other way. */
const roleOrder: ResourceRole[] = [
  "source-network",
  "connection",
  "source",
  "target-network",
  "target",
  "web",
];

/** Waits for every branch, so none is still creating things when a failure starts the rollback. */
async function settled<T extends readonly unknown[]>(
  branches: [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<{ [K in keyof T]: T[K] }> {
  const outcomes = await Promise.allSettled(branches);
  const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
  const first = failed.find((o) => o.reason instanceof StepFailure) ?? failed[0];
  if (first) throw first.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: T[K] };
}

/** A network or container as a repaired part, before its reason is known. */
function partOf(resource: LinkResource): Omit<RepairedPart, "reason"> {
  return { cluster: resource.cluster, kind: resource.kind, role: resource.role, name: resource.name };
}

function sameResource(a: LinkResource, b: LinkResource): boolean {
  return a.id === b.id && a.cluster === b.cluster && a.kind === b.kind;
}

function sameLink(
  record: LinkRecord,
  wanted: Omit<
    LinkRecord,
    "id" | "status" | "resources" | "createdAt" | "createdBy" | "connections" | "modes" | "channel"
  >,
): boolean {
  return (
    record.status !== "partial" &&
    record.container === wanted.container &&
    record.sourceCluster === wanted.sourceCluster &&
    record.targetCluster === wanted.targetCluster &&
    record.alias === wanted.alias &&
    record.wiring === wanted.wiring &&
    record.ports.join(",") === wanted.ports.join(",") &&
    record.web?.image === wanted.web?.image &&
    (wanted.web === undefined || record.web?.name.startsWith(wanted.web.name) === true)
  );
}

/** The state of every container on a host, found by ID, ID prefix or name, from one listing. */
interface ContainerStates {
  stateOf(ref: string): Exclude<LiveState, "unreachable">;
}

const runningStates = new Set(["running", "paused", "restarting"]);

function containerStates(containers: readonly Docker.ContainerInfo[]): ContainerStates {
  const byKey = new Map<string, string>();
  for (const c of containers) {
    byKey.set(c.Id, c.State);
    for (const name of c.Names) byKey.set(name.replace(/^\//, ""), c.State);
  }
  return {
    stateOf(ref) {
      let state = byKey.get(ref);
      if (state === undefined && /^[0-9a-f]{6,63}$/.test(ref)) {
        state = containers.find((c) => c.Id.startsWith(ref))?.State;
      }
      if (state === undefined) return "missing";
      return runningStates.has(state) ? "running" : "stopped";
    },
  };
}

/** Creates the link engine over the store's clusters and links. */
export function createLinkEngine(deps: LinkEngineDeps): Engine {
  const image = deps.ambassadorImage ?? defaultAmbassadorImage;
  const clock = deps.clock ?? (() => new Date());
  const concurrency = deps.concurrency ?? 16;
  const readTimeoutMs = deps.readTimeoutMs ?? 5_000;
  /**
   * One deadline for a whole read across clusters, from its start: a cluster that waited for a free slot behind
   * dead ones gets what is left (at least 0.25 s), so the read ends near the per-host deadline however many
   * clusters there are.
   */
  const readDeadline = () => {
    const end = performance.now() + readTimeoutMs;
    return () => Math.max(250, Math.ceil((end - performance.now()) / 100) * 100);
  };
  const runner = { handshakeMs: deps.handshakeMs ?? 2_000, readyMs: deps.readyMs ?? 8_000 };
  const newId = deps.newId ?? (() => randomBytes(6).toString("hex"));
  const mutex = createKeyedMutex();
  /** Hosts (with an image) known to refuse kernel mode, or images without our handshake: relay straight away. */
  const relayOnly = new Set<string>();

  const host = (cluster: string, timeoutMs = deps.timeoutMs) =>
    new DockerHost(deps.clusters.connect(cluster), { timeoutMs, pullTimeoutMs: deps.pullTimeoutMs });

  async function audit(
    context: RequestContext,
    action: string,
    target: string,
    outcome: "ok" | "error",
    detail?: string,
  ) {
    try {
      await deps.audit?.record({
        actor: context.actor,
        action,
        target,
        channel: context.channel,
        outcome,
        detail,
      });
    } catch (error) {
      deps.logger?.error({ err: error, action, target }, "audit record failed");
    }
  }

  /** Runs an ambassador in the wanted mode, or the fastest the host permits (kernel, else relay). */
  async function launchAmbassador(
    request: AmbassadorSpec,
    labels: Record<string, string>,
    wantedMode: AmbassadorMode | undefined,
    onCreated: (created: CreatedContainer) => void,
    onRemoved: (created: CreatedContainer) => void,
  ): Promise<RunningAmbassador & { mode: AmbassadorMode }> {
    const full: AmbassadorRequest = { ...request, image, labels };
    const key = `${request.host.name}\u0000${image}`;
    const attempts: AmbassadorMode[] = wantedMode
      ? [wantedMode]
      : relayOnly.has(key)
        ? ["relay"]
        : ["kernel", "relay"];
    let lastError: unknown;
    for (const mode of attempts) {
      full.labels = { ...labels, [labelKeys.mode]: mode };
      let running: RunningAmbassador;
      try {
        running = await runAmbassador(full, mode, runner, onCreated, onRemoved);
      } catch (error) {
        lastError = error;
        const refused =
          error instanceof AmbassadorRefused ||
          (error instanceof DockerCallError && !error.unreachable && error.statusCode !== 404);
        if (mode === "kernel" && !wantedMode && refused) {
          relayOnly.add(key);
          deps.logger?.warn(
            { cluster: request.host.name, err: describeError(error) },
            "kernel mode refused; falling back to relay",
          );
          continue;
        }
        throw error;
      }
      if (mode === "kernel" && !running.handshake && wantedMode === "kernel") {
        await request.host.removeContainer(running.id, running.name);
        onRemoved(running);
        throw new AmbassadorRefused(
          `the image ${image} does not report an ambassador mode, so it cannot run in kernel mode`,
        );
      }
      if (mode === "kernel" && !running.handshake && !wantedMode) {
        // An image without our handshake (the seed's socat ambassador): it relays, and needs no NET_ADMIN.
        relayOnly.add(key);
        await request.host.removeContainer(running.id, running.name);
        onRemoved(running);
        continue;
      }
      return { ...running, mode: running.handshake ? mode : "relay" };
    }
    throw lastError;
  }

  async function ensureImage(on: DockerHost, wanted: string, what: string, fix: string): Promise<void> {
    if (await on.imageExists(wanted)) return;
    try {
      await on.pullImage(wanted);
    } catch (error) {
      if (
        isUnreachable(error) &&
        !(error instanceof DockerCallError && /no answer within/.test(error.reason))
      ) {
        throw error;
      }
      const reason = error instanceof DockerCallError ? error.reason : describeError(error);
      throw new UserError(
        "image-missing",
        `The ${what} image ${wanted} is not on ${on.name} and could not be pulled (${reason}); ${fix}.`,
      );
    }
  }

  async function findSourceContainer(on: DockerHost, ref: string) {
    const info = await on.inspectContainer(ref);
    if (info) return info;
    const names = (await on.listContainers()).flatMap((c) => c.Names.map((n) => n.replace(/^\//, "")));
    const close = closeNames(ref, names);
    const hint = close.length
      ? ` Did you mean ${close.map((n) => `"${n}"`).join(" or ")}?`
      : " Check the name with `ports` or `docker ps` on that host.";
    throw new UserError("container-not-found", `No container "${ref}" on ${on.name}.${hint}`);
  }

  async function describeExisting(record: LinkRecord): Promise<LinkResult> {
    const byRole = (role: ResourceRole) => record.resources.find((r) => r.role === role);
    const info = (role: ResourceRole, cluster: string): AmbassadorInfo => {
      const resource = byRole(role);
      const mode = (role === "source" ? record.modes?.source : record.modes?.target) as
        | AmbassadorMode
        | undefined;
      return { cluster, name: resource?.name ?? "", id: resource?.id ?? "", mode: mode ?? "relay" };
    };
    const mappings: PortMapping[] = [];
    const webUrls: string[] = [];
    for (const role of ["source", "web"] as const) {
      const resource = byRole(role);
      if (!resource) continue;
      try {
        const on = host(resource.cluster, readTimeoutMs);
        const inspected = await on.inspectContainer(resource.id);
        const rows = mappingsOf(
          resource.cluster,
          resource.name,
          on.advertise,
          inspected?.NetworkSettings.Ports,
        );
        mappings.push(...rows);
        if (role === "web") webUrls.push(...rows.flatMap((row) => (row.url ? [row.url] : [])));
      } catch (error) {
        deps.logger?.warn({ err: error, link: record.id }, "could not read the mappings of an existing link");
      }
    }
    return {
      link: record,
      existing: true,
      source: info("source", record.sourceCluster),
      target: info("target", record.targetCluster),
      connections: record.connections,
      mappings,
      webUrls,
      timings: [],
    };
  }

  async function createLink(
    containerRef: string,
    source: DockerHost,
    target: DockerHost,
    options: LinkOptions,
    context: RequestContext,
  ): Promise<LinkResult> {
    const timings: StepTiming[] = [];
    const resources: LinkResource[] = [];
    const linkId = newId();
    const wiring = options.legacyLinks ? "legacy-links" : "networks";
    const wantedMode = options.mode ?? deps.mode;

    const step = async <T>(name: string, cluster: string, run: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        await deps.beforeStep?.({ name, cluster });
        const result = await run();
        timings.push({ step: name, cluster, ms: Math.round(performance.now() - started) });
        return result;
      } catch (error) {
        if (error instanceof StepFailure || (error instanceof UserError && resources.length === 0))
          throw error;
        throw new StepFailure(name, cluster, error);
      }
    };
    const meta = { name: containerRef, alias: options.alias ?? containerRef, ports: [] as number[] };

    try {
      return await build();
    } catch (error) {
      if (error instanceof UserError && resources.length === 0) throw error;
      const failure = error instanceof StepFailure ? error : new StepFailure("link", source.name, error);
      const left = await removeResources(resources, linkId);
      const leftovers = left.map((l) => ({ cluster: l.cluster, kind: l.kind, name: l.name }));
      if (left.length) {
        const partial: LinkRecord = {
          id: linkId,
          container: meta.name,
          alias: meta.alias,
          sourceCluster: source.name,
          targetCluster: target.name,
          ports: meta.ports,
          wiring,
          connections: [],
          status: "partial",
          resources: resources.filter((r) => left.some((l) => sameResource(l, r))),
          createdAt: clock().toISOString(),
          createdBy: context.actor,
          channel: context.channel,
        };
        await deps.links
          .save(partial)
          .catch((saveError: unknown) =>
            deps.logger?.error(
              { err: saveError, link: linkId },
              "could not record the leftovers of a failed link",
            ),
          );
      }
      deps.logger?.warn(
        {
          link: linkId,
          step: failure.step,
          cluster: failure.cluster,
          err: describeError(failure.cause),
          leftovers,
        },
        "link rolled back",
      );
      throw new LinkStepError(failure.step, failure.cluster, failureReason(failure.cause), leftovers, linkId);
    }

    async function build(): Promise<LinkResult> {
      const inspected = await step("inspect container", source.name, () =>
        findSourceContainer(source, containerRef),
      );
      const name = inspected.Name.replace(/^\//, "");
      const alias = options.alias ?? name;
      validateAlias(alias, options.alias === undefined);
      const exposed = Object.keys(inspected.Config.ExposedPorts ?? {})
        .filter((key) => key.endsWith("/tcp"))
        .map((key) => Number(key.split("/")[0]));
      const ports = validatePorts(options.ports?.length ? options.ports : exposed);
      Object.assign(meta, { name, alias, ports });
      if (ports.length === 0) {
        throw new UserError(
          "no-ports",
          `Container "${name}" on ${source.name} exposes no TCP port; pass the port(s) to carry with --port.`,
        );
      }
      const webName = options.web ? (options.webName ?? "web") : undefined;
      const web = options.web && webName ? { image: options.web, name: webName } : undefined;
      const existing = deps.links.all().find((record) =>
        sameLink(record, {
          container: name,
          alias,
          sourceCluster: source.name,
          targetCluster: target.name,
          ports,
          wiring,
          web,
        }),
      );
      if (existing) return describeExisting(existing);
      if (!inspected.State.Running) {
        throw new UserError(
          "container-not-running",
          `Container "${name}" on ${source.name} is ${inspected.State.Status}, not running; start it first (docker start ${name}).`,
        );
      }

      const ambassadorFix = "load it on that host, or set AMBASSADOR_IMAGE to an image it has";
      await step("check images", source.name, () => ensureImage(source, image, "ambassador", ambassadorFix));
      await step("check images", target.name, async () => {
        await ensureImage(target, image, "ambassador", ambassadorFix);
        if (web)
          await ensureImage(
            target,
            web.image,
            "web",
            "load it on that host or name another image with --web",
          );
      });

      const labels = (role: ResourceRole) =>
        linkLabels({ linkId, role, actor: context.actor, channel: context.channel, container: name });
      const track = (cluster: string, role: ResourceRole, kind: LinkResource["kind"]) => ({
        onCreated: (created: CreatedContainer) =>
          resources.push({ cluster, kind, role, id: created.id, name: created.name }),
        onRemoved: (created: CreatedContainer) => {
          const index = resources.findIndex((r) => r.id === created.id && r.cluster === cluster);
          if (index >= 0) resources.splice(index, 1);
        },
      });

      const startAmbassador = (request: AmbassadorSpec, role: "source" | "target") => {
        const { onCreated, onRemoved } = track(request.host.name, role, "container");
        return launchAmbassador(request, labels(role), wantedMode, onCreated, onRemoved);
      };

      const sourceNetwork = wiring === "networks" ? `ambassador-${linkId}-source` : undefined;
      const targetNetwork = wiring === "networks" ? `ambassador-${linkId}-target` : undefined;

      const sourceSide = async () => {
        if (sourceNetwork) {
          await step("create source network", source.name, async () => {
            const id = await source.createNetwork(sourceNetwork, labels("source-network"));
            resources.push({
              cluster: source.name,
              kind: "network",
              role: "source-network",
              id,
              name: sourceNetwork,
            });
          });
          await step("connect container", source.name, async () => {
            await source.connectNetwork(sourceNetwork, inspected.Id);
            resources.push({
              cluster: source.name,
              kind: "connection",
              role: "connection",
              id: inspected.Id,
              name,
              network: sourceNetwork,
            });
          });
        }
        const used = new Set(
          (await step("read used host ports", source.name, () => source.listContainers())).flatMap((c) =>
            c.Ports.flatMap((p) => (p.PublicPort ? [p.PublicPort] : [])),
          ),
        );
        const ambassador = await step("start source ambassador", source.name, () =>
          startAmbassador(sourceRequest(source, name, alias, ports, used, sourceNetwork), "source"),
        );
        const mappings = await step("read connection information", source.name, () =>
          readConnectionMappings(source, ambassador, ports),
        );
        return { ambassador, mappings };
      };

      const createTargetNetwork = async () => {
        if (!targetNetwork) return;
        await step("create target network", target.name, async () => {
          const id = await target.createNetwork(targetNetwork, labels("target-network"));
          resources.push({
            cluster: target.name,
            kind: "network",
            role: "target-network",
            id,
            name: targetNetwork,
          });
        });
      };

      const startWeb = async (targetAmbassador?: CreatedContainer) => {
        if (!web) return undefined;
        const container = await step("start web", target.name, async () => {
          const { onCreated } = track(target.name, "web", "container");
          const created = await createUniquelyNamed(
            target,
            web.name,
            webSpec(web.image, alias, ports, labels("web"), targetNetwork, targetAmbassador),
            onCreated,
          );
          await target.startContainer(created.id, created.name);
          return created;
        });
        const mappings = await step("read web ports", target.name, async () => {
          const info = await target.inspectContainer(container.id);
          return mappingsOf(target.name, container.name, target.advertise, info?.NetworkSettings.Ports);
        });
        return { container, mappings };
      };

      const [sourceResult] = await settled([sourceSide(), createTargetNetwork()]);
      const sourceAmbassador = sourceResult.ambassador;
      const sourceMappings = sourceResult.mappings;
      const connections = connectionsOf(source, ports, sourceMappings);

      const startTarget = () =>
        step("start target ambassador", target.name, () =>
          startAmbassador(targetRequest(target, name, alias, connections, targetNetwork), "target"),
        );
      let targetAmbassador: RunningAmbassador;
      let webStarted: Awaited<ReturnType<typeof startWeb>>;
      if (targetNetwork) {
        // The consumer finds the ambassador by its network alias, so both can start at once.
        [targetAmbassador, webStarted] = await settled([startTarget(), startWeb()]);
      } else {
        targetAmbassador = await startTarget();
        webStarted = await startWeb(targetAmbassador);
      }
      const webContainer = webStarted?.container;
      const webMappings = webStarted?.mappings ?? [];
      resources.sort((a, b) => roleOrder.indexOf(a.role) - roleOrder.indexOf(b.role));

      const record: LinkRecord = {
        id: linkId,
        container: name,
        alias,
        sourceCluster: source.name,
        targetCluster: target.name,
        ports,
        wiring,
        connections,
        web: web && webContainer ? { image: web.image, name: webContainer.name } : undefined,
        modes: { source: sourceAmbassador.mode, target: targetAmbassador.mode },
        status: "active",
        resources: [...resources],
        createdAt: clock().toISOString(),
        createdBy: context.actor,
        channel: context.channel,
      };
      await step("save link", "store", () => deps.links.save(record));
      return {
        link: record,
        existing: false,
        source: {
          cluster: source.name,
          name: sourceAmbassador.name,
          id: sourceAmbassador.id,
          mode: sourceAmbassador.mode,
        },
        target: {
          cluster: target.name,
          name: targetAmbassador.name,
          id: targetAmbassador.id,
          mode: targetAmbassador.mode,
        },
        connections,
        mappings: [...sourceMappings, ...webMappings],
        webUrls: webMappings.flatMap((m) => (m.url ? [m.url] : [])),
        timings,
      };
    }
  }

  /** Removes resources newest first, each host's in parallel; returns what could not be removed, with why. */
  async function removeResources(
    resources: readonly LinkResource[],
    linkId: string,
  ): Promise<(LinkResource & { error: string })[]> {
    const clusters = [...new Set(resources.map((r) => r.cluster))];
    const perCluster = await Promise.all(
      clusters.map(async (cluster) => {
        const left: (LinkResource & { error: string })[] = [];
        let down: string | undefined;
        for (const resource of resources.filter((r) => r.cluster === cluster).reverse()) {
          if (down) {
            left.push({ ...resource, error: down });
            continue;
          }
          try {
            await removeResource(resource, linkId);
          } catch (error) {
            const message = describeError(error);
            if (isUnreachable(error)) down = message;
            left.push({ ...resource, error: message });
          }
        }
        return left;
      }),
    );
    return perCluster.flat();
  }

  async function removeResource(resource: LinkResource, linkId: string): Promise<boolean> {
    const on = host(resource.cluster);
    switch (resource.kind) {
      case "container": {
        const info = await on.inspectContainer(resource.id);
        if (!info) return false;
        if (linkIdOf(info.Config.Labels) !== linkId) {
          deps.logger?.warn(
            { cluster: resource.cluster, container: resource.name },
            "not ours: left in place",
          );
          return false;
        }
        return on.removeContainer(resource.id, resource.name);
      }
      case "connection":
        return resource.network ? on.disconnectNetwork(resource.network, resource.id) : false;
      case "network": {
        const info = await on.inspectNetwork(resource.id);
        if (!info) return false;
        if (linkIdOf(info.Labels) !== linkId) return false;
        for (const endpoint of Object.keys(info.Containers ?? {})) {
          await on.disconnectNetwork(resource.id, endpoint);
        }
        return on.removeNetwork(resource.id, resource.name);
      }
    }
  }

  /** Objects carrying the link's label that the record does not name (a lost store write, say). */
  async function labelledResources(record: LinkRecord, cluster: string): Promise<LinkResource[]> {
    const on = host(cluster);
    const selector = [`${labelKeys.link}=${record.id}`];
    const [containers, networks] = await Promise.all([
      on.listContainers(selector),
      on.listNetworks(selector),
    ]);
    const known = new Set(record.resources.map((r) => r.id));
    return [
      ...containers
        .filter((c) => !known.has(c.Id))
        .map((c) => ({
          cluster,
          kind: "container" as const,
          role: (c.Labels[labelKeys.role] ?? "source") as ResourceRole,
          id: c.Id,
          name: c.Names[0]?.replace(/^\//, "") ?? c.Id,
        })),
      ...networks
        .filter((n) => !known.has(n.Id))
        .map((n) => ({
          cluster,
          kind: "network" as const,
          role: (n.Labels?.[labelKeys.role] ?? "source-network") as ResourceRole,
          id: n.Id,
          name: n.Name,
        })),
    ];
  }

  function findLink(ref: string): LinkRecord {
    const byId = deps.links.get(ref);
    if (byId) return byId;
    const all = deps.links.all();
    const matches = all.filter(
      (l) =>
        l.container === ref ||
        l.web?.name === ref ||
        l.resources.some((r) => r.kind === "container" && r.name === ref),
    );
    if (matches.length === 1 && matches[0]) return matches[0];
    if (matches.length > 1) {
      throw new UserError(
        "ambiguous-link",
        `"${ref}" is part of ${matches.length} links (${matches.map((l) => `${l.id}: ${l.container} ${l.sourceCluster} -> ${l.targetCluster}`).join("; ")}); tear down one by its link ID.`,
      );
    }
    const hint = all.length
      ? ` Links: ${all
          .slice(0, 5)
          .map((l) => `${l.id} (${l.container})`)
          .join(", ")}.`
      : " There are no links.";
    throw new UserError("link-not-found", `No link with ID or container "${ref}".${hint}`);
  }

  /** Recreates what the link is missing or what runs stale, all or nothing (see Engine.repair). */
  async function repairLink(link: LinkRecord, context: RequestContext): Promise<RepairResult> {
    if (link.status === "partial") {
      throw new UserError(
        "link-partial",
        `Link ${link.id} was only partly torn down, so there is nothing to repair; run teardown ${link.id} to finish it.`,
      );
    }
    const source = host(link.sourceCluster);
    const target = host(link.targetCluster);
    const byRole = (role: ResourceRole) => link.resources.find((r) => r.role === role);
    const read = async <T>(cluster: string, run: () => Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        if (!isUnreachable(error)) throw error;
        const reason = error instanceof DockerCallError ? error.reason : describeError(error);
        throw new UserError(
          "cluster-unreachable",
          `Cannot repair link ${link.id}: ${cluster} does not answer (${reason.replace(/\.$/, "")}); run repair again once it is back.`,
        );
      }
    };
    const live = async (on: DockerHost, resource: LinkResource | undefined) => {
      if (!resource) return undefined;
      const info = await read(on.name, () => on.inspectContainer(resource.id));
      return { resource, info, state: !info ? "missing" : info.State.Running ? "running" : "stopped" };
    };
    const networkGone = async (on: DockerHost, resource: LinkResource | undefined) =>
      resource !== undefined && !(await read(on.name, () => on.inspectNetwork(resource.id)));

    const app = await read(source.name, () => source.inspectContainer(link.container));
    if (!app?.State.Running) {
      throw new UserError(
        app ? "container-not-running" : "container-not-found",
        `Container "${link.container}" on ${source.name} is ${app ? app.State.Status : "gone"}; ${app ? `start it (docker start ${link.container})` : "run it again under the same name"}, then repair link ${link.id}.`,
      );
    }
    const sourceNet = byRole("source-network");
    const targetNet = byRole("target-network");
    const [sourceNetGone, targetNetGone, sourceNow, targetNow, webNow] = await Promise.all([
      networkGone(source, sourceNet),
      networkGone(target, targetNet),
      live(source, byRole("source")),
      live(target, byRole("target")),
      live(target, byRole("web")),
    ]);
    const connected =
      !sourceNet || (!sourceNetGone && sourceNet.name in (app.NetworkSettings.Networks ?? {}));
    const why = (part: { state: string } | undefined, dependency?: string) =>
      !part || part.state !== "running" ? (part?.state ?? "missing") : dependency;
    const sourceWhy = why(sourceNow, sourceNetGone ? "its network was recreated" : undefined);

    const recreated: RepairedPart[] = [];
    const created: LinkResource[] = [];
    const replaced: LinkResource[] = [];
    const dropped: LinkResource[] = [];
    const labels = (role: ResourceRole) =>
      linkLabels({
        linkId: link.id,
        role,
        actor: context.actor,
        channel: link.channel ?? context.channel,
        container: link.container,
      });
    const track = {
      onCreated: (cluster: string, role: ResourceRole) => (made: CreatedContainer) =>
        created.push({ cluster, kind: "container", role, id: made.id, name: made.name }),
      onRemoved: (made: CreatedContainer) => {
        const index = created.findIndex((r) => r.id === made.id);
        if (index >= 0) created.splice(index, 1);
      },
    };
    const renew = (old: LinkResource | undefined, part: RepairedPart, state?: string) => {
      recreated.push(part);
      if (!old) return;
      dropped.push(old);
      if (state === "running" || state === "stopped") replaced.push(old);
    };
    const step = async <T>(name: string, cluster: string, run: () => Promise<T>): Promise<T> => {
      try {
        await deps.beforeStep?.({ name, cluster });
        return await run();
      } catch (error) {
        throw error instanceof StepFailure ? error : new StepFailure(name, cluster, error);
      }
    };

    try {
      if (sourceNet && sourceNetGone) {
        await step("create source network", source.name, async () => {
          const id = await source.createNetwork(sourceNet.name, labels("source-network"));
          created.push({ ...sourceNet, id });
        });
        renew(sourceNet, { ...partOf(sourceNet), reason: "missing" });
      }
      if (sourceNet && !connected) {
        await step("connect container", source.name, async () => {
          await source.connectNetwork(sourceNet.name, app.Id);
          created.push({
            cluster: source.name,
            kind: "connection",
            role: "connection",
            id: app.Id,
            name: link.container,
            network: sourceNet.name,
          });
        });
        const old = byRole("connection");
        if (old) dropped.push(old);
        recreated.push({
          cluster: source.name,
          kind: "connection",
          role: "connection",
          name: link.container,
          reason: `not on ${sourceNet.name}`,
        });
      }
      let sourceAmbassador: CreatedContainer | undefined = sourceNow?.info
        ? { id: sourceNow.info.Id, name: sourceNow.resource.name }
        : undefined;
      let sourceMode = link.modes?.source;
      if (sourceWhy) {
        const used = new Set(
          (await step("read used host ports", source.name, () => source.listContainers())).flatMap((c) =>
            c.Ports.flatMap((p) => (p.PublicPort ? [p.PublicPort] : [])),
          ),
        );
        const started = await step("start source ambassador", source.name, () =>
          launchAmbassador(
            sourceRequest(source, link.container, link.alias, link.ports, used, sourceNet?.name),
            labels("source"),
            deps.mode,
            track.onCreated(source.name, "source"),
            track.onRemoved,
          ),
        );
        sourceAmbassador = started;
        sourceMode = started.mode;
        renew(
          sourceNow?.resource,
          { cluster: source.name, kind: "container", role: "source", name: started.name, reason: sourceWhy },
          sourceNow?.state,
        );
      }
      if (!sourceAmbassador) throw new Error("the link records no source ambassador");
      const ambassadorAtSource = sourceAmbassador;
      const mappings = await step("read connection information", source.name, () =>
        readConnectionMappings(source, ambassadorAtSource, link.ports),
      );
      const connections = connectionsOf(source, link.ports, mappings);
      const wantedEnv = targetEnvironment(link.alias, connections);
      const stale =
        targetNow?.info !== undefined &&
        wantedEnv.some((entry) => !targetNow.info?.Config.Env?.includes(entry));

      if (targetNet && targetNetGone) {
        await step("create target network", target.name, async () => {
          const id = await target.createNetwork(targetNet.name, labels("target-network"));
          created.push({ ...targetNet, id });
        });
        renew(targetNet, { ...partOf(targetNet), reason: "missing" });
      }
      const targetWhy = why(
        targetNow,
        targetNetGone ? "its network was recreated" : stale ? "stale connection information" : undefined,
      );
      let targetAmbassador: CreatedContainer | undefined = targetNow?.info
        ? { id: targetNow.info.Id, name: targetNow.resource.name }
        : undefined;
      let targetMode = link.modes?.target;
      if (targetWhy) {
        const started = await step("start target ambassador", target.name, () =>
          launchAmbassador(
            targetRequest(target, link.container, link.alias, connections, targetNet?.name),
            labels("target"),
            deps.mode,
            track.onCreated(target.name, "target"),
            track.onRemoved,
          ),
        );
        targetAmbassador = started;
        targetMode = started.mode;
        renew(
          targetNow?.resource,
          { cluster: target.name, kind: "container", role: "target", name: started.name, reason: targetWhy },
          targetNow?.state,
        );
      }
      const legacyRelink = link.wiring === "legacy-links" && targetWhy !== undefined;
      const webWhy = link.web
        ? why(
            webNow,
            targetNetGone
              ? "its network was recreated"
              : legacyRelink
                ? "its target ambassador was recreated"
                : undefined,
          )
        : undefined;
      let web: CreatedContainer | undefined = webNow?.info
        ? { id: webNow.info.Id, name: webNow.resource.name }
        : undefined;
      if (link.web && webWhy) {
        const consumer = link.web;
        web = await step("start web", target.name, async () => {
          const made = await createUniquelyNamed(
            target,
            consumer.name.replace(/-\d+$/, ""),
            webSpec(
              consumer.image,
              link.alias,
              link.ports,
              labels("web"),
              targetNet?.name,
              link.wiring === "legacy-links" ? targetAmbassador : undefined,
            ),
            track.onCreated(target.name, "web"),
          );
          await target.startContainer(made.id, made.name);
          return made;
        });
        renew(
          webNow?.resource,
          { cluster: target.name, kind: "container", role: "web", name: web.name, reason: webWhy },
          webNow?.state,
        );
      }
      const webUrls = web ? await webUrlsOf(target, web) : [];
      if (recreated.length === 0) {
        if (link.status !== "active") await deps.links.save({ ...link, status: "active" });
        return {
          linkId: link.id,
          status: "nothing-to-repair",
          recreated,
          replaced: [],
          connections,
          webUrls,
        };
      }
      const resources = [...link.resources.filter((r) => !dropped.includes(r)), ...created].sort(
        (a, b) => roleOrder.indexOf(a.role) - roleOrder.indexOf(b.role),
      );
      await step("save link", "store", async () => {
        const latest = deps.links.get(link.id) ?? link;
        await deps.links.save({
          ...latest,
          resources,
          connections,
          web: link.web && web ? { ...link.web, name: web.name } : link.web,
          modes: sourceMode && targetMode ? { source: sourceMode, target: targetMode } : link.modes,
          status: "active",
        });
      });
      const left = await removeResources(replaced, link.id);
      for (const old of left) {
        deps.logger?.warn(
          { link: link.id, container: old.name, err: old.error },
          "could not remove a replaced container",
        );
      }
      return {
        linkId: link.id,
        status: "repaired",
        recreated,
        replaced: replaced.map((r) => ({ cluster: r.cluster, name: r.name })),
        connections,
        webUrls,
      };
    } catch (error) {
      const failure = error instanceof StepFailure ? error : new StepFailure("repair", source.name, error);
      const left = await removeResources(created, link.id);
      const leftovers = left.map((l) => ({ cluster: l.cluster, kind: l.kind, name: l.name }));
      deps.logger?.warn(
        {
          link: link.id,
          step: failure.step,
          cluster: failure.cluster,
          err: describeError(failure.cause),
          leftovers,
        },
        "repair rolled back",
      );
      throw new LinkStepError(
        failure.step,
        failure.cluster,
        failureReason(failure.cause),
        leftovers,
        link.id,
        "repair",
      );
    }
  }

  async function webUrlsOf(on: DockerHost, web: CreatedContainer): Promise<string[]> {
    const info = await on.inspectContainer(web.id);
    return mappingsOf(on.name, web.name, on.advertise, info?.NetworkSettings.Ports).flatMap((m) =>
      m.url ? [m.url] : [],
    );
  }

  const sourceKey = (cluster: string, container: string) => `${cluster}/${container}`;

  return {
    async link(container, sourceCluster, targetCluster, options, context) {
      const source = host(sourceCluster);
      const target = host(targetCluster);
      if (options.alias !== undefined) validateAlias(options.alias, false);
      if (options.ports) validatePorts(options.ports);
      if (options.webName !== undefined && !containerName.test(options.webName)) {
        throw new UserError(
          "invalid-name",
          `"${options.webName}" is not a valid container name: use letters, digits, "_", "." and "-".`,
        );
      }
      const what = `${container} ${sourceCluster} -> ${targetCluster}`;
      try {
        const result = await mutex.run(sourceKey(sourceCluster, container), () =>
          createLink(container, source, target, options, context),
        );
        if (!result.existing) await audit(context, "link", what, "ok", `link ${result.link.id}`);
        return result;
      } catch (error) {
        await audit(context, "link", what, "error", describeError(error));
        throw error;
      }
    },

    async ports(container, cluster) {
      if (cluster) deps.clusters.connect(cluster);
      const names = cluster ? [cluster] : deps.clusters.list().map((c) => c.name);
      const left = readDeadline();
      const outcomes = await mapBounded(names, concurrency, async (name) => {
        try {
          const on = host(name, left());
          const info = await on.inspectContainer(container);
          if (!info) return { name };
          const shown = info.Name.replace(/^\//, "");
          return {
            name,
            found: {
              cluster: name,
              container: shown,
              id: info.Id,
              mappings: mappingsOf(name, shown, on.advertise, info.NetworkSettings.Ports),
            },
          };
        } catch (error) {
          const reason = error instanceof DockerCallError ? error.reason : describeError(error);
          return { name, error: reason };
        }
      });
      const result: PortsResult = { container, searched: names, unreachable: [], found: [] };
      for (const outcome of outcomes) {
        if ("error" in outcome && outcome.error)
          result.unreachable.push({ cluster: outcome.name, error: outcome.error });
        if ("found" in outcome && outcome.found) result.found.push(outcome.found);
      }
      return result;
    },

    async teardown(ref, context) {
      const link = findLink(ref);
      return mutex.run(sourceKey(link.sourceCluster, link.container), async () => {
        const current = deps.links.get(link.id);
        if (!current) throw new UserError("link-not-found", `Link ${link.id} was already torn down.`);
        const clusters = [...new Set([current.sourceCluster, current.targetCluster])];
        const found = await Promise.all(
          clusters.map((cluster) =>
            labelledResources(current, cluster).catch((error: unknown) => {
              if (!isUnreachable(error)) throw error;
              return [];
            }),
          ),
        );
        const extra: LinkResource[] = found.flat();
        // Containers before networks, so a network has no endpoint of ours left when it goes.
        const ordered = [
          ...current.resources,
          ...extra.filter((r) => r.kind === "network"),
          ...extra.filter((r) => r.kind === "container"),
        ];
        const left = await removeResources(ordered, current.id);
        const removed = [...ordered]
          .reverse()
          .filter((r) => !left.some((l) => sameResource(l, r)))
          .map((r) => ({ cluster: r.cluster, kind: r.kind, name: r.name }));
        const result: TeardownResult = {
          linkId: current.id,
          removed,
          left: left.map((l) => ({ cluster: l.cluster, kind: l.kind, name: l.name, error: l.error })),
          status: left.length ? "partial" : "removed",
        };
        if (left.length) {
          await deps.links.save({
            ...current,
            status: "partial",
            resources: current.resources.filter((r) => left.some((l) => sameResource(l, r))),
          });
        } else {
          await deps.links.remove(current.id);
        }
        await audit(context, "teardown", current.id, "ok", result.status);
        return result;
      });
    },

    async list(filter) {
      const links = deps.links.all().filter((l) => !filter?.channel || l.channel === filter.channel);
      const clusters = [...new Set(links.flatMap((l) => [l.sourceCluster, l.targetCluster]))];
      // One listing per cluster, clusters in parallel: no call per container, however many links there are.
      const listings = new Map<string, ContainerStates | undefined>();
      const left = readDeadline();
      await mapBounded(clusters, concurrency, async (cluster) => {
        try {
          const budget = left();
          const containers = await host(cluster, budget).listContainers([], budget);
          listings.set(cluster, containerStates(containers));
        } catch {
          listings.set(cluster, undefined);
        }
      });
      const checks = links.flatMap((link) => [
        { link, cluster: link.sourceCluster, role: "container", ref: link.container },
        ...link.resources
          .filter((r) => r.kind === "container")
          .map((r) => ({ link, cluster: r.cluster, role: r.role as string, ref: r.id, name: r.name })),
      ]);
      const states = checks.map((check) => {
        const listing = listings.get(check.cluster);
        const state: LiveState = listing ? listing.stateOf(check.ref) : "unreachable";
        return { ...check, state };
      });
      return links.map((link): LinkView => {
        const containers = states
          .filter((s) => s.link === link)
          .map((s) => ({
            cluster: s.cluster,
            role: s.role,
            name: "name" in s && s.name ? s.name : s.ref,
            state: s.state,
          }));
        const bad = containers.some((c) => c.state === "missing" || c.state === "stopped");
        const status =
          link.status === "partial"
            ? "partial"
            : bad
              ? "broken"
              : link.status === "broken"
                ? "broken"
                : "active";
        return { link, status, containers, health: link.health };
      });
    },

    async repair(ref, context) {
      const link = findLink(ref);
      return mutex.run(sourceKey(link.sourceCluster, link.container), async () => {
        const current = deps.links.get(link.id);
        if (!current) throw new UserError("link-not-found", `Link ${link.id} was torn down.`);
        try {
          const result = await repairLink(current, context);
          const detail = result.recreated.map((part) => `${part.role} ${part.name}`).join(", ");
          await audit(context, "repair", current.id, "ok", detail || "nothing to repair");
          return result;
        } catch (error) {
          await audit(context, "repair", current.id, "error", describeError(error));
          throw error;
        }
      });
    },

    async reconcile({ fix }) {
      const links = deps.links.all();
      const ids = new Set(links.map((l) => l.id));
      const clusters = deps.clusters.list().map((c) => c.name);
      const selector = [labelKeys.link];
      const left = readDeadline();
      const seen = await mapBounded(clusters, concurrency, async (cluster) => {
        try {
          const budget = left();
          const on = host(cluster, budget);
          const [containers, networks] = await Promise.all([
            on.listContainers(selector, budget),
            on.listNetworks(selector, budget),
          ]);
          return { cluster, containers, networks };
        } catch (error) {
          return { cluster, error: describeError(error) };
        }
      });
      const result: Required<ReconcileResult> = {
        orphans: [],
        broken: [],
        removed: 0,
        unreachable: [],
      };
      const present = new Map<string, Set<string>>();
      for (const entry of seen) {
        if ("error" in entry && entry.error) {
          result.unreachable.push({ cluster: entry.cluster, error: entry.error });
          continue;
        }
        const ids_ = new Set<string>();
        for (const c of entry.containers ?? []) {
          ids_.add(c.Id);
          const linkId = linkIdOf(c.Labels) ?? "";
          if (!ids.has(linkId)) {
            result.orphans.push({
              cluster: entry.cluster,
              kind: "container",
              id: c.Id,
              name: c.Names[0]?.replace(/^\//, "") ?? c.Id,
              linkId,
            });
          }
        }
        for (const n of entry.networks ?? []) {
          ids_.add(n.Id);
          const linkId = linkIdOf(n.Labels) ?? "";
          if (!ids.has(linkId))
            result.orphans.push({ cluster: entry.cluster, kind: "network", id: n.Id, name: n.Name, linkId });
        }
        present.set(entry.cluster, ids_);
      }
      for (const link of links) {
        const missing = link.resources
          .filter((r) => r.kind !== "connection")
          .filter((r) => present.get(r.cluster) && !present.get(r.cluster)?.has(r.id))
          .map((r) => `${r.kind} ${r.name} on ${r.cluster}`);
        if (missing.length) result.broken.push({ linkId: link.id, missing });
      }
      if (fix) {
        const ordered = [
          ...result.orphans.filter((o) => o.kind === "container"),
          ...result.orphans.filter((o) => o.kind === "network"),
        ];
        for (const orphan of ordered) {
          try {
            const removed = await removeResource(
              {
                cluster: orphan.cluster,
                kind: orphan.kind,
                role: "source",
                id: orphan.id,
                name: orphan.name,
              },
              orphan.linkId,
            );
            if (removed) result.removed++;
          } catch (error) {
            deps.logger?.warn({ err: describeError(error), orphan }, "could not remove an orphan");
          }
        }
        for (const broken of result.broken) {
          const link = deps.links.get(broken.linkId);
          if (link && link.status !== "broken") await deps.links.save({ ...link, status: "broken" });
        }
      }
      return result;
    },
  };
}
