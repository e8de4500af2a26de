import { createHash, randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { type ClusterDirectory, probeClusters } from "../../src/docker/clusters.js";
import {
  type CallOptions,
  type DockerCallContext,
  DockerCallError,
  type DockerHost,
  type PortBindings,
} from "../../src/docker/docker-host.js";
import { type DockerPing, explainDockerError } from "../../src/docker/docker-ping.js";
import { type ClusterProbe, type ClusterSummary, unknownClusterError } from "../../src/domain/cluster.js";
import { UserError } from "../../src/errors.js";

/** What a container of an image does once started: our ambassador's handshake, a silent one, or an app. */
/** `exits`: the main process says why on its last line and exits 1 as soon as it starts. */
export type ImageBehaviour = "ambassador" | "foreign-ambassador" | "plain" | "exits";

/** How an image is defined on a MemoryDockerHost. */
export interface ImageOptions {
  /** Ports the image exposes, like `5000/tcp`. */
  exposedPorts?: string[];
  /** Whether the image is loaded now (default true). */
  present?: boolean;
  /** Whether a pull of it succeeds (default false: there is no registry). */
  pullable?: boolean;
  /** The image's labels; our ambassador's by default: it speaks the handshake and takes its TLS files on stdin. */
  labels?: Record<string, string>;
}

/** The labels our ambassador image carries (ambassador/Dockerfile). */
const ambassadorLabels = { "io.ambassador.handshake": "1", "io.ambassador.tls-files": "stdin" };

/** What a MemoryDockerHost is called, where it is reached, and its default deadlines. */
export interface MemoryDockerHostOptions {
  name: string;
  advertise: string;
  /** The Docker URL errors name; default `tcp://<advertise>:2376`. */
  url?: string;
  /** Images loaded at start, among the lab's; default all of them. */
  images?: string[];
  callMs?: number;
  pullMs?: number;
  /** How long every answer takes (ms). */
  latencyMs?: number;
}

/** One call a MemoryDockerHost received and how it ended. */
export interface MemoryCall {
  action: string;
  ref: string;
  context: DockerCallContext;
  outcome: "pending" | "ok" | "failed" | "timed out" | "cancelled";
}

/** A failure to inject; statusCode undefined means the Engine never answered. */
export interface InjectedFailure {
  reason?: string;
  statusCode?: number | undefined;
  /** The reason without the Docker API's URL or address, when `reason` names them. */
  withoutAddress?: string;
}

interface MemoryImage {
  ref: string;
  id: string;
  behaviour: ImageBehaviour;
  exposedPorts: string[];
  present: boolean;
  pullable: boolean;
  labels: Record<string, string>;
}

interface Attachment {
  aliases: string[];
  endpointId: string;
  ip: string;
}

interface MemoryContainer {
  id: string;
  name: string;
  image: MemoryImage;
  spec: Docker.ContainerCreateOptions;
  env: string[];
  labels: Record<string, string>;
  exposedPorts: string[];
  created: Date;
  state: "created" | "running" | "restarting" | "exited";
  /** `docker pause`: it still runs, frozen, holding its connections without answering. */
  paused?: boolean;
  exitCode: number;
  startedAt?: Date;
  finishedAt?: Date;
  restartCount: number;
  published: Map<string, { HostIp: string; HostPort: string }[]>;
  /** The ports a container the daemon died under is still listed with, though nothing holds them. */
  listedAfterDaemonDied?: PortBindings;
  networks: Map<string, Attachment>;
  logs: string[];
  files: Map<string, Buffer>;
  /** A tls ambassador started before its files came: it says it is ready once they do. */
  awaitingFiles?: boolean;
  /** What was written on its standard input and not read yet; closed once its writer is done (StdinOnce). */
  input?: Buffer;
  stdinClosed?: boolean;
  /** Our entrypoint read its input once (its marker file): a later start finds it empty for good. */
  inputTaken?: boolean;
  /** Every write on its standard input, in order. */
  inputs: Buffer[];
  /** Its legacy links, each to the container found by name as it was created, under an alias. */
  linkedTo: { id: string; alias: string }[];
}

interface MemoryNetwork {
  id: string;
  name: string;
  labels: Record<string, string>;
  created: Date;
  subnet: number;
  nextIp: number;
  predefined: boolean;
}

class EngineAnswer extends Error {
  constructor(
    readonly statusCode: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

function refuse(statusCode: number | undefined, message: string): never {
  throw new EngineAnswer(statusCode, message);
}

const labImages: Record<string, [ImageBehaviour, string[]]> = {
  "ambassador-bot/ambassador:latest": ["ambassador", []],
  "svendowideit/ambassador:latest": ["foreign-ambassador", []],
  "hello-app:latest": ["plain", ["5000/tcp"]],
  "hello-web:latest": ["plain", ["5000/tcp"]],
  "ambassador-lab/toolbox:latest": ["plain", []],
};

const aliasesOnDefaultNetwork =
  "network-scoped alias is supported only for containers in user defined networks";
const containerName = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function randomId(): string {
  return randomBytes(32).toString("hex");
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}

/** An image reference as the Engine names it: `hello-app` is `hello-app:latest`. */
export function imageRef(image: string): string {
  const name = image.replace(/^docker\.io\/(library\/)?/, "");
  const last = name.slice(name.lastIndexOf("/") + 1);
  return name.includes("@") || last.includes(":") ? name : `${name}:latest`;
}

function registryOf(ref: string): string {
  const first = ref.split("/")[0] ?? "";
  return ref.includes("/") && (/[.:]/.test(first) || first === "localhost") ? first : "registry-1.docker.io";
}

function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  if (s < 120) return "About a minute";
  if (s < 3600) return `${Math.floor(s / 60)} minutes`;
  if (s < 7200) return "About an hour";
  return `${Math.floor(s / 3600)} hours`;
}

function matchesLabels(have: Record<string, string>, filters: string[]): boolean {
  return filters.every((filter) => {
    const at = filter.indexOf("=");
    return at === -1 ? filter in have : have[filter.slice(0, at)] === filter.slice(at + 1);
  });
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function macOf(ip: string): string {
  return ["02", "42", ...ip.split(".").map((part) => Number(part).toString(16).padStart(2, "0"))].join(":");
}

function routesOf(env: string[]): string[] {
  const routes = env.flatMap((entry) => {
    const match = /^[A-Za-z0-9_]*_PORT_(\d+)_TCP=tcp:\/\/(.*):(\d+)$/.exec(entry);
    return match ? [`${match[1]} ${match[2]} ${match[3]}`] : [];
  });
  return [...new Set(routes)].sort();
}

/**
 * A Docker host in memory, answering as Docker Engine 20.10 does where the bot depends on it, with faults to
 * inject: down, hung, one failing action, and containers that stop or vanish outside the bot.
 */
export class MemoryDockerHost implements DockerHost {
  readonly name: string;
  readonly advertise: string;
  readonly url: string;
  /** When true, the host grants no NET_ADMIN: our ambassador cannot run in kernel mode. */
  refuseKernel = false;
  readonly calls: MemoryCall[] = [];

  private readonly callMs: number;
  private readonly pullMs: number;
  private readonly latencyMs: number;
  private readonly images = new Map<string, MemoryImage>();
  private readonly containers = new Map<string, MemoryContainer>();
  private readonly networks = new Map<string, MemoryNetwork>();
  private readonly hostPorts = new Set<number>();
  private readonly failures = new Map<string, InjectedFailure[]>();
  private isDown = false;
  private isHung = false;
  private subnets = 17;

  constructor(options: MemoryDockerHostOptions) {
    this.name = options.name;
    this.advertise = options.advertise;
    this.url = options.url ?? `tcp://${options.advertise}:2376`;
    this.callMs = options.callMs ?? 15_000;
    this.pullMs = options.pullMs ?? 120_000;
    this.latencyMs = options.latencyMs ?? 1;
    for (const ref of options.images ?? Object.keys(labImages)) {
      const [behaviour, exposedPorts] = labImages[imageRef(ref)] ?? ["plain", []];
      this.defineImage(ref, behaviour, { exposedPorts });
    }
    for (const name of ["bridge", "host", "none"]) this.addNetwork(name, {}, true);
  }

  /** A process outside Docker listens on this host port: Docker's listing does not show it, a start on it fails. */
  holdPort(port: number): void {
    this.hostPorts.add(port);
  }

  defineImage(image: string, behaviour: ImageBehaviour, options: ImageOptions = {}): void {
    const ref = imageRef(image);
    this.images.set(ref, {
      ref,
      id: `sha256:${createHash("sha256").update(ref).digest("hex")}`,
      behaviour,
      exposedPorts: options.exposedPorts ?? [],
      present: options.present ?? true,
      pullable: options.pullable ?? false,
      labels: options.labels ?? (behaviour === "ambassador" ? ambassadorLabels : {}),
    });
  }

  down(): void {
    this.isDown = true;
  }

  /** Answers again, after down() or hang(). */
  up(): void {
    this.isDown = false;
    this.isHung = false;
  }

  /** Every call from now on waits for its deadline or its signal: an Engine that accepts and never answers. */
  hang(): void {
    this.isHung = true;
  }

  /** The next call of `action` ("start container", "connect to network"…) fails. */
  failOn(action: string, failure: InjectedFailure = {}): void {
    this.failures.set(action, [...(this.failures.get(action) ?? []), failure]);
  }

  /** `docker run -d` by someone else: creates and starts, without deadlines or injected faults. */
  run(spec: Docker.ContainerCreateOptions): string {
    const id = this.external("create container", () => this.create(spec));
    this.external("start container", () => this.start(this.container(id)));
    return id;
  }

  /**
   * `docker stop` by someone else; its restart policy leaves it stopped. Our entrypoints trap TERM and exit 0;
   * an app running as PID 1 ignores TERM and is killed (137).
   */
  stop(ref: string): void {
    this.external("stop container", () => {
      const container = this.container(ref);
      if (this.isRunning(container)) {
        this.exit(container, container.image.behaviour === "plain" ? 137 : 0, true);
      }
    });
  }

  /** `docker kill` by someone else. */
  kill(ref: string): void {
    this.external("kill container", () => {
      const container = this.container(ref);
      if (!this.isRunning(container)) refuse(409, `Container ${container.id} is not running`);
      this.exit(container, 137, true);
    });
  }

  /**
   * The daemon killed (`kill -9`) and started again: every container it ran died with it and is left exited (137),
   * still listed with the host ports it published, which nothing holds any more.
   */
  killDaemon(): void {
    this.external("kill daemon", () => {
      for (const container of this.containers.values()) {
        if (!this.isRunning(container)) continue;
        const listed = this.portsOf(container);
        this.exit(container, 137, true);
        container.listedAfterDaemonDied = listed;
      }
    });
  }

  /** `docker pause` (or, with false, `docker unpause`) by someone else. */
  pause(ref: string, paused = true): void {
    this.external("pause container", () => {
      this.container(ref).paused = paused;
    });
  }

  /** `docker restart` by someone else: stopped, then started again with a network namespace of its own anew. */
  restart(ref: string): void {
    this.stop(ref);
    this.external("start container", () => this.start(this.container(ref)));
  }

  /** The container as made with no capability added (by an older version of the bot, say). */
  withoutAddedCapabilities(ref: string): void {
    const container = this.container(ref);
    container.spec = { ...container.spec, HostConfig: { ...container.spec.HostConfig, CapAdd: undefined } };
  }

  /** The container as made without the variable `name` (by an older version of the bot, say). */
  withoutVariable(ref: string, name: string): void {
    const container = this.container(ref);
    const other = (entry: string) => !entry.startsWith(`${name}=`);
    container.env = container.env.filter(other);
    container.spec = { ...container.spec, Env: container.spec.Env?.filter(other) };
  }

  /** The container as made without the label `key` (by an older version of the bot, say). */
  withoutLabel(ref: string, key: string): void {
    const container = this.container(ref);
    const { [key]: _, ...labels } = container.labels;
    container.labels = labels;
  }

  /** `docker rm -f` by someone else. */
  removeExternally(ref: string): void {
    this.external("remove container", () => this.remove(this.container(ref)));
  }

  ping(options: CallOptions = {}): Promise<DockerPing> {
    const ms = options.timeoutMs ?? this.callMs;
    return this.answer("ping", {}, options, ms).then(
      () => ({ version: "20.10.24", apiVersion: "1.41", rttMs: 0.1 }),
      (error: DockerCallError) => {
        // Explained as the real host explains what its client threw: a refused connection, or no answer in time.
        if (error.reason.startsWith("connect ECONNREFUSED"))
          throw explainDockerError(error.cause, this.url, ms, this.name);
        if (error.unreachable)
          throw explainDockerError(
            Object.assign(new Error("aborted"), { name: "AbortError" }),
            this.url,
            ms,
            this.name,
          );
        throw new UserError("unreachable", `cannot reach ${this.url}: ${error.reason}`);
      },
    );
  }

  inspectContainer(ref: string, options?: CallOptions): Promise<Docker.ContainerInspectInfo | undefined> {
    return this.notFoundAsUndefined(
      this.call(
        "inspect container",
        { container: ref },
        () => this.inspectOf(this.containerAt(ref)),
        options,
      ),
    );
  }

  listContainers(labels: string[] = [], options?: CallOptions): Promise<Docker.ContainerInfo[]> {
    return this.call(
      "list containers",
      {},
      () =>
        [...this.containers.values()]
          .filter((container) => matchesLabels(container.labels, labels))
          .sort((a, b) => b.created.getTime() - a.created.getTime())
          .map((container) => this.summaryOf(container)),
      options,
    );
  }

  createContainer(spec: Docker.ContainerCreateOptions, options?: CallOptions): Promise<string> {
    return this.call(
      "create container",
      { container: spec.name, image: spec.Image },
      () => this.create(spec),
      options,
    );
  }

  startContainer(id: string, name: string, options?: CallOptions): Promise<void> {
    return this.call("start container", { container: name }, () => this.start(this.containerAt(id)), options);
  }

  removeContainer(id: string, name: string, options?: CallOptions): Promise<boolean> {
    return this.notFoundAsFalse(
      this.call("remove container", { container: name }, () => this.remove(this.containerAt(id)), options),
    );
  }

  renameContainer(id: string, name: string, newName: string, options?: CallOptions): Promise<void> {
    return this.call(
      "rename container",
      { container: name },
      () => {
        const container = this.containerAt(id);
        const taken = [...this.containers.values()].find((other) => other.name === newName);
        if (taken && taken !== container) {
          refuse(
            409,
            `Error when allocating new name: Conflict. The container name "/${newName}" is already in use by container "${taken.id}".`,
          );
        }
        container.name = newName;
      },
      options,
    );
  }

  containerLogs(id: string, name: string, options?: CallOptions): Promise<string> {
    return this.call("read logs", { container: name }, () => this.containerAt(id).logs.join(""), options);
  }

  async followLogs(
    id: string,
    name: string,
    enough: (text: string) => boolean,
    options: CallOptions = {},
  ): Promise<{ text: string; ended: boolean }> {
    const context = { container: name };
    const container = await this.call("follow logs", context, () => this.containerAt(id), options);
    // The stream stays open while the container runs, as the Engine's does.
    for (;;) {
      const text = container.logs.join("");
      if (enough(text)) return { text, ended: false };
      if (!this.isUp(container) || !this.containers.has(container.id)) return { text, ended: true };
      if (options.signal?.aborted) {
        throw new DockerCallError(this.name, "follow logs", context, "cancelled", undefined, {
          cause: options.signal.reason,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  createNetwork(name: string, labels: Record<string, string>, options?: CallOptions): Promise<string> {
    return this.call(
      "create network",
      { network: name },
      () => {
        if ([...this.networks.values()].some((network) => network.name === name)) {
          refuse(409, `network with name ${name} already exists`);
        }
        return this.addNetwork(name, labels, false).id;
      },
      options,
    );
  }

  inspectNetwork(ref: string, options?: CallOptions): Promise<Docker.NetworkInspectInfo | undefined> {
    return this.notFoundAsUndefined(
      this.call(
        "inspect network",
        { network: ref },
        () => this.networkInfo(this.network(ref), true),
        options,
      ),
    );
  }

  listNetworks(labels: string[], options?: CallOptions): Promise<Docker.NetworkInspectInfo[]> {
    return this.call(
      "list networks",
      {},
      () =>
        [...this.networks.values()]
          .filter((network) => matchesLabels(network.labels, labels))
          .map((network) => this.networkInfo(network, false)),
      options,
    );
  }

  removeNetwork(id: string, name: string, options?: CallOptions): Promise<boolean> {
    return this.notFoundAsFalse(
      this.call(
        "remove network",
        { network: name },
        () => {
          const network = this.network(id);
          if (network.predefined)
            refuse(403, `${network.name} is a pre-defined network and cannot be removed`);
          if (this.endpointsOf(network).length) {
            refuse(
              403,
              `error while removing network: network ${network.name} id ${network.id} has active endpoints`,
            );
          }
          this.networks.delete(network.id);
        },
        options,
      ),
    );
  }

  connectNetwork(
    network: string,
    container: string,
    aliases?: string[],
    options?: CallOptions,
  ): Promise<void> {
    return this.call(
      "connect to network",
      { network, container },
      () => {
        const target = this.container(container);
        const net = this.findNetwork(network);
        const mode = target.spec.HostConfig?.NetworkMode;
        if (mode === "host" || namespaceOwner(mode) !== undefined) {
          refuse(
            403,
            "container sharing network namespace with another container or host cannot be connected to any other network",
          );
        }
        if (mode === "none") {
          refuse(
            403,
            "container cannot be connected to multiple networks with one of the networks in private (none) mode",
          );
        }
        const attachment = { aliases: [...(aliases ?? [])], endpointId: "", ip: "" };
        if (!net && this.isUp(target)) refuse(500, "invalid cluster node while attaching to network");
        if (!net) {
          target.networks.set(network, attachment);
          return;
        }
        if (aliases?.length && net.predefined) refuse(400, aliasesOnDefaultNetwork);
        if (target.networks.has(net.id)) {
          if (this.isUp(target)) {
            refuse(403, `endpoint with name ${target.name} already exists in network ${net.name}`);
          }
          return;
        }
        target.networks.set(net.id, attachment);
        if (this.isUp(target)) this.attach(target, net);
      },
      options,
    );
  }

  disconnectNetwork(network: string, container: string, options?: CallOptions): Promise<boolean> {
    return this.call(
      "disconnect from network",
      { network, container },
      () => {
        const key = this.findNetwork(network)?.id ?? network;
        return this.findContainer(container)?.networks.delete(key) ?? false;
      },
      options,
    );
  }

  inspectImage(image: string, options?: CallOptions): Promise<Docker.ImageInspectInfo | undefined> {
    return this.call(
      "inspect image",
      { image },
      () => {
        const known = this.imageOf(image);
        if (!known) return undefined;
        const exposed = Object.fromEntries(known.exposedPorts.map((port) => [port, {}]));
        const entrypoint = {
          ambassador: ["/bin/ambassador"],
          "foreign-ambassador": ["/bin/seed-ambassador"],
          plain: null,
          exits: null,
        };
        return {
          Id: known.id,
          RepoTags: [known.ref],
          Config: {
            ExposedPorts: exposed,
            Entrypoint: entrypoint[known.behaviour],
            Labels: { ...known.labels },
          },
        } as unknown as Docker.ImageInspectInfo;
      },
      options,
    );
  }

  /** Containers whose ambassador path is broken: `ambassador probe` in them fails. */
  readonly brokenPaths = new Set<string>();
  /** Containers whose `ambassador probe` is killed midway, by its container stopping (exit 137). */
  readonly killedProbes = new Set<string>();

  exec(
    id: string,
    name: string,
    cmd: string[],
    options?: CallOptions,
  ): Promise<{ exitCode: number; output: string }> {
    return this.call(
      "exec in container",
      { container: name },
      () => {
        const container = this.findContainer(id);
        if (!container) refuse(404, `No such container: ${id}`);
        if (!this.isRunning(container)) refuse(409, `Container ${container.id} is not running`);
        if (container.image.behaviour !== "ambassador" || cmd.join(" ") !== "/bin/ambassador probe") {
          refuse(
            500,
            `OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd[0]}": executable file not found in $PATH: unknown`,
          );
        }
        if (this.brokenPaths.has(container.id) || this.brokenPaths.has(container.name)) {
          return { exitCode: 1, output: "ambassador: probe: the peer closed the connection at once\n" };
        }
        if (this.killedProbes.has(container.id)) {
          // Killed (as its ambassador stopped) after it proved its first route.
          const [listen, host, port] = routesOf(container.spec.Env ?? [])[0]?.split(" ") ?? [];
          const said = listen ? `ambassador: probe: :${listen} -> ${host}:${port} works\n` : "";
          return { exitCode: 137, output: said };
        }
        return { exitCode: 0, output: "" };
      },
      options,
    );
  }

  putArchive(id: string, name: string, path: string, archive: Buffer, options?: CallOptions): Promise<void> {
    return this.call(
      "copy files into container",
      { container: name },
      () => {
        const container = this.findContainer(id);
        if (!container) refuse(404, `No such container: ${id}`);
        container.files.set(path, archive);
        this.filesCame(container);
      },
      options,
    );
  }

  writeStdin(id: string, name: string, data: Buffer, options?: CallOptions): Promise<void> {
    return this.call(
      "write to container input",
      { container: name },
      () => {
        const container = this.findContainer(id);
        if (!container) refuse(404, `No such container: ${id}`);
        container.inputs.push(data);
        // Docker drops input for a container made without OpenStdin, or whose input its one writer closed.
        if (!container.spec.OpenStdin || container.stdinClosed) return;
        container.stdinClosed = container.spec.StdinOnce === true;
        container.input = data;
        if (this.isRunning(container) && container.awaitingFiles) this.readInput(container);
      },
      options,
    );
  }

  /**
   * As our entrypoint does with AMBASSADOR_TLS_FILES=stdin: the input is read once, and must be the files' archive;
   * read already (a restart), it is empty for good. False when the ambassador stopped.
   */
  private readInput(container: MemoryContainer): boolean {
    if (container.inputTaken && !tlsFilesComplete(container)) {
      container.logs.push(
        "ambassador: the TLS files did not come on standard input when this container first started; it cannot get them now: remove it (ambassador repair makes the link's anew)\n",
      );
      this.exit(container, 2);
      return false;
    }
    container.inputTaken = true;
    const input = container.input;
    if (!input) return true;
    container.input = undefined;
    if (tarEntryNames(input).at(-1) !== "ambassador/tls/complete") {
      container.logs.push(
        "ambassador: could not unpack the TLS files from standard input: tar: short read\n",
      );
      this.exit(container, 2);
      return false;
    }
    container.files.set("/run", input);
    this.filesCame(container);
    return true;
  }

  /** The standard input written to a container, each write in order (Docker keeps none of it). */
  inputsOf(ref: string): Buffer[] | undefined {
    return this.findContainer(ref)?.inputs;
  }

  /** A tls ambassador started before its files came says it is ready once they are all there. */
  private filesCame(container: MemoryContainer): void {
    if (this.isRunning(container) && container.awaitingFiles && tlsFilesComplete(container)) {
      container.awaitingFiles = false;
      container.logs.push("ambassador: ready\n");
    }
  }

  /** The archives put into a container, by the path they were unpacked at. */
  filesOf(ref: string): Map<string, Buffer> | undefined {
    return this.findContainer(ref)?.files;
  }

  pullImage(image: string, options?: CallOptions): Promise<void> {
    return this.call(
      "pull image",
      { image },
      () => {
        const ref = imageRef(image);
        const known = this.images.get(ref);
        if (!known?.pullable) {
          const registry = registryOf(ref);
          refuse(500, `Get "https://${registry}/v2/": dial tcp: lookup ${registry}: no such host`);
        }
        known.present = true;
      },
      options,
      this.pullMs,
    );
  }

  private async call<T>(
    action: string,
    context: DockerCallContext,
    run: () => T,
    options: CallOptions = {},
    defaultMs = this.callMs,
  ): Promise<T> {
    const entry = await this.answer(action, context, options, options.timeoutMs ?? defaultMs);
    try {
      return run();
    } catch (error) {
      entry.outcome = "failed";
      if (!(error instanceof EngineAnswer)) throw error;
      throw new DockerCallError(this.name, action, context, error.message, error.statusCode, {
        cause: error,
      });
    }
  }

  /** Waits as the Engine would take to answer, and fails the way the real host reports each fault. */
  private async answer(
    action: string,
    context: DockerCallContext,
    options: CallOptions,
    ms: number,
  ): Promise<MemoryCall> {
    const entry: MemoryCall = {
      action,
      ref: context.container ?? context.network ?? context.image ?? "",
      context,
      outcome: "pending",
    };
    this.calls.push(entry);
    const deadline = AbortSignal.timeout(ms);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    const failed = (
      statusCode: number | undefined,
      reason: string,
      outcome: MemoryCall["outcome"],
      withoutAddress?: string,
    ) => {
      entry.outcome = outcome;
      return new DockerCallError(this.name, action, context, reason, statusCode, { withoutAddress });
    };
    try {
      signal.throwIfAborted();
      await this.wait(signal);
    } catch {
      if (deadline.aborted)
        throw failed(undefined, `no answer within ${seconds(ms)} to ${action}`, "timed out");
      throw failed(undefined, "cancelled", "cancelled");
    }
    if (this.isDown) {
      // What Node's client throws when nothing listens: its text names the address and port it tried.
      const { hostname, port, host } = new URL(this.url);
      const refused = Object.assign(new Error(`connect ECONNREFUSED ${host}`), {
        code: "ECONNREFUSED",
        address: hostname,
        port: Number(port),
      });
      entry.outcome = "failed";
      throw new DockerCallError(this.name, action, context, refused.message, undefined, {
        cause: refused,
        withoutAddress: explainDockerError(refused, this.url, ms, this.name).withoutAddress,
      });
    }
    const injected = this.failures.get(action)?.shift();
    if (injected) {
      const statusCode = "statusCode" in injected ? injected.statusCode : 500;
      throw failed(
        statusCode,
        injected.reason ?? `injected failure of ${action}`,
        "failed",
        injected.withoutAddress,
      );
    }
    entry.outcome = "ok";
    return entry;
  }

  private wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.isHung && this.latencyMs === 0) return resolve();
      const timer = this.isHung ? undefined : setTimeout(done, this.latencyMs);
      function done() {
        signal.removeEventListener("abort", aborted);
        resolve();
      }
      function aborted() {
        clearTimeout(timer);
        reject(signal.reason);
      }
      signal.addEventListener("abort", aborted, { once: true });
    });
  }

  private external<T>(action: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof EngineAnswer)) throw error;
      throw new DockerCallError(this.name, action, {}, error.message, error.statusCode, { cause: error });
    }
  }

  private async notFoundAsUndefined<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof DockerCallError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  private async notFoundAsFalse(call: Promise<unknown>): Promise<boolean> {
    return (await this.notFoundAsUndefined(call.then(() => true))) ?? false;
  }

  private imageOf(image: string): MemoryImage | undefined {
    const found = this.images.get(imageRef(image)) ?? [...this.images.values()].find((i) => i.id === image);
    return found?.present ? found : undefined;
  }

  private findContainer(ref: string): MemoryContainer | undefined {
    const byId = this.containers.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^\//, "");
    const all = [...this.containers.values()];
    const byName = all.find((container) => container.name === name);
    if (byName) return byName;
    const byPrefix = ref ? all.filter((container) => container.id.startsWith(ref)) : [];
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  private container(ref: string): MemoryContainer {
    return this.findContainer(ref) ?? refuse(404, `No such container: ${ref}`);
  }

  /** A container named in a request path: `/name` makes the path `/containers//name`, which the Engine redirects. */
  private containerAt(ref: string): MemoryContainer {
    if (ref.startsWith("/")) refuse(301, "(HTTP code 301) unexpected -");
    return this.container(ref);
  }

  private findNetwork(ref: string): MemoryNetwork | undefined {
    const all = [...this.networks.values()];
    return (
      this.networks.get(ref) ??
      all.find((network) => network.name === ref) ??
      (ref ? all.find((network) => network.id.startsWith(ref)) : undefined)
    );
  }

  private network(ref: string): MemoryNetwork {
    return this.findNetwork(ref) ?? refuse(404, `network ${ref} not found`);
  }

  private addNetwork(name: string, labels: Record<string, string>, predefined: boolean): MemoryNetwork {
    const network: MemoryNetwork = {
      id: randomId(),
      name,
      labels: { ...labels },
      created: new Date(),
      subnet: this.subnets++,
      nextIp: 2,
      predefined,
    };
    this.networks.set(network.id, network);
    return network;
  }

  private isUp(container: MemoryContainer): boolean {
    return container.state === "running";
  }

  private isRunning(container: MemoryContainer): boolean {
    return container.state === "running" || container.state === "restarting";
  }

  private endpointsOf(network: MemoryNetwork): MemoryContainer[] {
    return [...this.containers.values()].filter(
      (container) => this.isUp(container) && container.networks.has(network.id),
    );
  }

  private attach(container: MemoryContainer, network: MemoryNetwork): void {
    const attachment = container.networks.get(network.id);
    if (!attachment) return;
    attachment.endpointId = randomId();
    attachment.ip = `172.${network.subnet}.0.${network.nextIp++}`;
    const shortId = container.id.slice(0, 12);
    if (!network.predefined && !attachment.aliases.includes(shortId)) attachment.aliases.push(shortId);
  }

  private create(spec: Docker.ContainerCreateOptions): string {
    const image = spec.Image ? this.imageOf(spec.Image) : undefined;
    if (!image) refuse(404, `No such image: ${imageRef(spec.Image ?? "")}`);
    const name = spec.name?.replace(/^\//, "") ?? `memory_${randomBytes(4).toString("hex")}`;
    if (spec.name !== undefined && !containerName.test(spec.name)) {
      refuse(400, `Invalid container name (${spec.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    }
    const taken = [...this.containers.values()].find((container) => container.name === name);
    if (taken) {
      refuse(
        409,
        `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    const mode = spec.HostConfig?.NetworkMode;
    const owner = namespaceOwner(mode);
    // As Docker, the container whose namespace is joined is looked for only at the start.
    if (owner !== undefined) {
      if (Object.keys(spec.ExposedPorts ?? {}).length) {
        refuse(400, "conflicting options: port exposing and the container type network mode");
      }
      if (spec.HostConfig?.ExtraHosts?.length) {
        refuse(400, "conflicting options: custom host-to-IP mapping and the network mode");
      }
      if (spec.HostConfig?.PublishAllPorts || Object.keys(spec.HostConfig?.PortBindings ?? {}).length) {
        refuse(400, "conflicting options: port publishing and the container type network mode");
      }
    }
    const network =
      owner !== undefined
        ? undefined
        : !mode || mode === "default"
          ? this.network("bridge")
          : this.network(mode);
    const linkedTo: MemoryContainer["linkedTo"] = [];
    for (const link of spec.HostConfig?.Links ?? []) {
      const [target = "", alias = target] = link.split(":");
      const found = this.findContainer(target);
      if (!found) refuse(400, `could not get container for ${target}: No such container: ${target}`);
      linkedTo.push({ id: found.id, alias });
    }
    const endpoints = spec.NetworkingConfig?.EndpointsConfig ?? {};
    const aliases = endpoints[mode ?? ""]?.Aliases ?? (network && endpoints[network.name]?.Aliases) ?? [];
    if (aliases.length && network?.predefined) refuse(400, aliasesOnDefaultNetwork);
    const id = randomId();
    this.containers.set(id, {
      id,
      name,
      image,
      spec: structuredClone({ ...spec, abortSignal: undefined }),
      env: [...(spec.Env ?? [])],
      // As Docker does, the image's labels are the container's too, under those it is created with.
      labels: { ...image.labels, ...spec.Labels },
      exposedPorts: [...new Set([...image.exposedPorts, ...Object.keys(spec.ExposedPorts ?? {})])],
      created: new Date(),
      state: "created",
      exitCode: 0,
      restartCount: 0,
      published: new Map(),
      networks: new Map(network ? [[network.id, { aliases: [...aliases], endpointId: "", ip: "" }]] : []),
      logs: [],
      files: new Map(),
      inputs: [],
      linkedTo,
    });
    return id;
  }

  private start(container: MemoryContainer): void {
    if (this.isRunning(container)) refuse(304, "(HTTP code 304) container already started -");
    for (const network of container.networks.keys()) {
      if (!this.networks.has(network)) refuse(404, `network ${network} not found`);
    }
    const owner = namespaceOwner(container.spec.HostConfig?.NetworkMode);
    if (owner !== undefined) {
      const joined = this.findContainer(owner);
      if (!joined) refuse(404, `No such container: ${owner}`);
      if (joined.state === "restarting") {
        refuse(409, `Container ${joined.id} is restarting, wait until the container is running`);
      }
      if (!this.isUp(joined)) refuse(409, `cannot join network of a non running container: ${joined.id}`);
    }
    for (const link of container.spec.HostConfig?.Links ?? []) {
      const [target = "", alias = target] = link.split(":");
      const linked = this.findContainer(target);
      if (!linked || !this.isUp(linked)) {
        refuse(500, `Cannot link to a non running container: /${target} AS /${container.name}/${alias}`);
      }
    }
    container.published = this.publish(container);
    container.listedAfterDaemonDied = undefined;
    container.state = "running";
    container.startedAt = new Date();
    for (const networkId of container.networks.keys()) {
      const network = this.networks.get(networkId);
      if (network) this.attach(container, network);
    }
    this.runEntrypoint(container);
  }

  private publish(container: MemoryContainer): Map<string, { HostIp: string; HostPort: string }[]> {
    const wanted = new Map(Object.entries(container.spec.HostConfig?.PortBindings ?? {}));
    if (container.spec.HostConfig?.PublishAllPorts) {
      for (const port of container.exposedPorts) if (!wanted.has(port)) wanted.set(port, [{ HostPort: "" }]);
    }
    const taken: number[] = [];
    const published = new Map<string, { HostIp: string; HostPort: string }[]>();
    for (const [port, bindings] of wanted) {
      const rows: { HostIp: string; HostPort: string }[] = [];
      for (const binding of (bindings ?? []) as { HostIp?: string; HostPort?: string }[]) {
        const hostIp = binding.HostIp || "0.0.0.0";
        const hostPort = binding.HostPort ? Number(binding.HostPort) : this.freePort();
        if (this.hostPorts.has(hostPort)) {
          for (const used of taken) this.hostPorts.delete(used);
          refuse(
            500,
            `driver failed programming external connectivity on endpoint ${container.name} (${randomId()}): Bind for ${hostIp}:${hostPort} failed: port is already allocated`,
          );
        }
        this.hostPorts.add(hostPort);
        taken.push(hostPort);
        rows.push({ HostIp: hostIp, HostPort: String(hostPort) });
      }
      published.set(port, rows);
    }
    return published;
  }

  private freePort(): number {
    for (let port = 32768; port <= 60999; port++) if (!this.hostPorts.has(port)) return port;
    return refuse(500, "no free host port in 32768-60999");
  }

  /**
   * Whether a connection from `from` to `host:port` finds a listener: `host` names a running container on this host,
   * by a Docker link's alias or by its name, whose image listens on every port it exposes.
   */
  private answersAt(from: MemoryContainer, host: string, port: number): boolean {
    const links: string[] = from.spec.HostConfig?.Links ?? [];
    const linked = links.map((link) => link.split(":")).find(([, alias]) => alias === host)?.[0];
    const target = this.findContainer(linked ?? host);
    return target?.state === "running" && target.image.exposedPorts.includes(`${port}/tcp`);
  }

  private runEntrypoint(container: MemoryContainer): void {
    if (container.image.behaviour === "exits") {
      container.logs.push("fatal: no configuration at /etc/web.conf\n");
      this.exit(container, 1);
      return;
    }
    if (container.image.behaviour !== "ambassador") return;
    const say = (line: string) => container.logs.push(`${line}\n`);
    const routes = routesOf(container.env);
    if (!routes.length) {
      say("ambassador: no <NAME>_PORT_<p>_TCP=tcp://host:port variable set");
      this.exit(container, 2);
      return;
    }
    const caps = container.spec.HostConfig?.CapAdd ?? [];
    const kernelPossible =
      !this.refuseKernel &&
      (container.spec.HostConfig?.Privileged === true ||
        caps.some((cap: string) => ["NET_ADMIN", "CAP_NET_ADMIN", "ALL"].includes(cap.toUpperCase())));
    const asked =
      container.env.findLast((entry) => entry.startsWith("AMBASSADOR_MODE="))?.slice(16) || "auto";
    let mode = asked;
    if (asked === "auto") mode = kernelPossible ? "kernel" : "relay";
    else if (asked === "kernel" && !kernelPossible) {
      say("ambassador: kernel mode needs NET_ADMIN and net.ipv4.ip_forward=1");
      this.exit(container, 3);
      return;
    } else if (asked === "tls") {
      const role = container.env.find((entry) => entry.startsWith("AMBASSADOR_TLS_ROLE="))?.slice(20);
      if (role !== "server" && role !== "client") {
        say(
          "ambassador: tls mode needs AMBASSADOR_TLS_ROLE=server (beside the source) or client (beside the consumer)",
        );
        this.exit(container, 2);
        return;
      }
      const consumerAddress = container.env.some((entry) => entry.startsWith("AMBASSADOR_CONSUMER_ADDRESS="));
      if (consumerAddress && !kernelPossible) {
        say(
          "ambassador: AMBASSADOR_CONSUMER_ADDRESS needs NET_ADMIN (iptables) to redirect the consumer's connections",
        );
        this.exit(container, 2);
        return;
      }
    } else if (asked !== "kernel" && asked !== "relay") {
      say(`ambassador: AMBASSADOR_MODE must be kernel, relay, tls or auto, got '${asked}'`);
      this.exit(container, 2);
      return;
    }
    say(`ambassador: mode ${mode}`);
    for (const route of routes) {
      const [listen, host, port] = route.split(" ");
      say(`ambassador: :${listen} -> ${host}:${port}`);
    }
    if (container.env.includes("AMBASSADOR_CHECK_DESTINATIONS=1")) {
      for (const route of routes) {
        const [, host, port] = route.split(" ");
        if (!this.answersAt(container, host ?? "", Number(port)))
          say(`ambassador: warning: nothing answers at ${host}:${port}`);
      }
    }
    // As the entrypoint does, a tls ambassador waits for its files; a fake that never gets them never gets ready.
    if (mode === "tls" && !tlsFilesComplete(container)) {
      container.awaitingFiles = true;
      if (container.env.includes("AMBASSADOR_TLS_FILES=stdin")) this.readInput(container);
    } else say("ambassador: ready");
  }

  /** The main process ended: a restart policy brings it back (and it fails again the same way). */
  private exit(container: MemoryContainer, code: number, byUser = false): void {
    this.release(container);
    container.exitCode = code;
    container.finishedAt = new Date();
    const policy = container.spec.HostConfig?.RestartPolicy?.Name ?? "no";
    const restarts =
      !byUser &&
      (policy === "always" || policy === "unless-stopped" || (policy === "on-failure" && code !== 0));
    container.state = restarts ? "restarting" : "exited";
    if (restarts) {
      container.restartCount++;
      container.logs.push(...container.logs);
    }
  }

  private release(container: MemoryContainer): void {
    for (const bindings of container.published.values()) {
      for (const binding of bindings) this.hostPorts.delete(Number(binding.HostPort));
    }
    container.published = new Map();
    for (const attachment of container.networks.values()) {
      attachment.endpointId = "";
      attachment.ip = "";
    }
  }

  private remove(container: MemoryContainer): void {
    this.release(container);
    this.containers.delete(container.id);
  }

  private portsOf(container: MemoryContainer): PortBindings {
    if (!this.isUp(container)) return container.listedAfterDaemonDied ?? {};
    // In another container's network namespace, the ports are that container's.
    if (namespaceOwner(container.spec.HostConfig?.NetworkMode) !== undefined) return {};
    const ports: PortBindings = {};
    for (const port of container.exposedPorts) ports[port] = null;
    for (const [port, bindings] of container.published) ports[port] = bindings.map((b) => ({ ...b }));
    return ports;
  }

  private networksOf(container: MemoryContainer): Docker.ContainerInspectInfo["NetworkSettings"]["Networks"] {
    const networks: Docker.ContainerInspectInfo["NetworkSettings"]["Networks"] = {};
    for (const [networkId, attachment] of container.networks) {
      const network = this.networks.get(networkId);
      networks[network?.name ?? networkId] = {
        IPAMConfig: null,
        Links: null,
        Aliases: network?.predefined ? null : [...attachment.aliases],
        NetworkID: networkId,
        EndpointID: attachment.endpointId,
        Gateway: attachment.ip && network ? `172.${network.subnet}.0.1` : "",
        IPAddress: attachment.ip,
        IPPrefixLen: attachment.ip ? 16 : 0,
        IPv6Gateway: "",
        GlobalIPv6Address: "",
        GlobalIPv6PrefixLen: 0,
        MacAddress: attachment.ip ? macOf(attachment.ip) : "",
      };
    }
    return networks;
  }

  private inspectOf(container: MemoryContainer): Docker.ContainerInspectInfo {
    const never = "0001-01-01T00:00:00Z";
    const { spec } = container;
    return {
      Id: container.id,
      Created: container.created.toISOString(),
      Path: "/bin/sh",
      Args: [],
      State: {
        Status: container.paused ? "paused" : container.state,
        Running: container.state === "running" || container.state === "restarting",
        Paused: container.paused === true,
        Restarting: container.state === "restarting",
        OOMKilled: false,
        Dead: false,
        Pid: this.isUp(container) ? 4242 : 0,
        ExitCode: container.exitCode,
        Error: "",
        StartedAt: container.startedAt?.toISOString() ?? never,
        FinishedAt: container.finishedAt?.toISOString() ?? never,
      },
      Image: container.image.id,
      ResolvConfPath: "",
      HostnamePath: "",
      HostsPath: "",
      LogPath: "",
      Name: `/${container.name}`,
      RestartCount: container.restartCount,
      Driver: "overlay2",
      Platform: "linux",
      MountLabel: "",
      ProcessLabel: "",
      AppArmorProfile: "",
      HostConfig: {
        NetworkMode: "default",
        PortBindings: {},
        RestartPolicy: { Name: "no", MaximumRetryCount: 0 },
        PublishAllPorts: false,
        ...withoutUndefined(structuredClone(spec.HostConfig ?? {})),
      },
      GraphDriver: { Name: "overlay2", Data: { DeviceId: "", DeviceName: "", DeviceSize: "" } },
      Mounts: [],
      Config: {
        Hostname: container.id.slice(0, 12),
        Domainname: "",
        User: "",
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        ExposedPorts: Object.fromEntries(container.exposedPorts.map((port) => [port, {}])),
        Tty: false,
        OpenStdin: container.spec.OpenStdin === true,
        StdinOnce: container.spec.StdinOnce === true,
        Env: [...container.env],
        Cmd: [...(spec.Cmd ?? [])],
        Image: spec.Image ?? container.image.ref,
        Volumes: {},
        WorkingDir: "",
        Labels: { ...container.labels },
      },
      NetworkSettings: {
        SandboxID: this.isUp(container) ? [...container.id].reverse().join("") : "",
        Ports: this.portsOf(container) as Docker.ContainerInspectInfo["NetworkSettings"]["Ports"],
        SandboxKey: "",
        Networks: this.networksOf(container),
      },
    };
  }

  private summaryOf(container: MemoryContainer): Docker.ContainerInfo {
    const since = (date: Date | undefined) => humanDuration(Date.now() - (date?.getTime() ?? Date.now()));
    const status = {
      created: "Created",
      running: `Up ${since(container.startedAt)}`,
      restarting: `Restarting (${container.exitCode}) ${since(container.finishedAt)} ago`,
      exited: `Exited (${container.exitCode}) ${since(container.finishedAt)} ago`,
    }[container.state];
    const ports = Object.entries(this.portsOf(container)).flatMap(([key, bindings]) => {
      const [port, type = "tcp"] = key.split("/");
      if (!bindings?.length) return [{ PrivatePort: Number(port), Type: type }];
      return bindings.map((binding) => ({
        IP: binding.HostIp,
        PrivatePort: Number(port),
        PublicPort: Number(binding.HostPort),
        Type: type,
      }));
    });
    return {
      Id: container.id,
      // As Docker lists them: its own name and, for each container linking to it, `/<that one>/<alias>`, sorted.
      Names: [
        `/${container.name}`,
        ...[...this.containers.values()].flatMap((from) =>
          from.linkedTo
            .filter((link) => link.id === container.id)
            .map((link) => `/${from.name}/${link.alias}`),
        ),
      ].sort(),
      Image: container.spec.Image ?? container.image.ref,
      ImageID: container.image.id,
      Command: (container.spec.Cmd ?? []).join(" "),
      Created: Math.floor(container.created.getTime() / 1000),
      Ports: ports as Docker.Port[],
      Labels: { ...container.labels },
      State: container.paused ? "paused" : container.state,
      Status: status,
      HostConfig: { NetworkMode: container.spec.HostConfig?.NetworkMode ?? "default" },
      NetworkSettings: { Networks: this.networksOf(container) },
      Mounts: [],
    };
  }

  private networkInfo(network: MemoryNetwork, withContainers: boolean): Docker.NetworkInspectInfo {
    const containers: Record<string, Docker.NetworkContainer> = {};
    if (withContainers) {
      for (const container of this.endpointsOf(network)) {
        const attachment = container.networks.get(network.id);
        if (!attachment) continue;
        containers[container.id] = {
          Name: container.name,
          EndpointID: attachment.endpointId,
          MacAddress: macOf(attachment.ip),
          IPv4Address: `${attachment.ip}/16`,
          IPv6Address: "",
        };
      }
    }
    const driver = network.predefined && network.name !== "bridge" ? network.name : "bridge";
    return {
      Name: network.name,
      Id: network.id,
      Created: network.created.toISOString(),
      Scope: "local",
      Driver: driver === "none" ? "null" : driver,
      EnableIPv6: false,
      IPAM: {
        Driver: "default",
        Options: {},
        Config: [{ Subnet: `172.${network.subnet}.0.0/16`, Gateway: `172.${network.subnet}.0.1` }],
      },
      Internal: false,
      Attachable: false,
      Ingress: false,
      ConfigFrom: { Network: "" },
      ConfigOnly: false,
      Containers: containers,
      Options: {},
      Labels: { ...network.labels },
    };
  }
}

/** A cluster directory over MemoryDockerHosts, with the summaries the store would show. */
export class MemoryClusterDirectory implements ClusterDirectory {
  readonly #clusters = new Map<string, { host: MemoryDockerHost; summary: ClusterSummary }>();

  constructor(hosts: MemoryDockerHost[] = []) {
    for (const host of hosts) this.add(host);
  }

  /** Registers `host` under its own name, or under `name` (a second name for the same host). */
  add(
    host: MemoryDockerHost,
    summary: Partial<Omit<ClusterSummary, "name" | "advertise">> = {},
    name = host.name,
  ): this {
    this.#clusters.set(name, {
      host,
      summary: {
        name,
        host: host.url,
        tls: true,
        advertise: host.advertise,
        channels: [],
        ...summary,
      },
    });
    return this;
  }

  remove(name: string): void {
    this.#clusters.delete(name);
  }

  setChannels(name: string, channels: string[]): void {
    this.#entry(name).summary.channels = [...channels];
  }

  list(): ClusterSummary[] {
    return [...this.#clusters.values()]
      .map(({ summary }) => ({ ...summary, channels: [...summary.channels] }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  host(name: string): MemoryDockerHost {
    return this.#entry(name).host;
  }

  probe(names?: string[], timeoutMs = 5_000): Promise<ClusterProbe[]> {
    return probeClusters(this, names, timeoutMs);
  }

  #entry(name: string): { host: MemoryDockerHost; summary: ClusterSummary } {
    const entry = this.#clusters.get(name);
    if (entry) return entry;
    throw unknownClusterError(name, [], this.#clusters.size);
  }
}

/** The seed tutorial in memory: clustera and clusterb, with hello-app running as `app` on clustera. */
export function memoryLab(
  options: Partial<Omit<MemoryDockerHostOptions, "name" | "advertise" | "url">> = {},
): {
  clusters: MemoryClusterDirectory;
  a: MemoryDockerHost;
  b: MemoryDockerHost;
} {
  const a = new MemoryDockerHost({ ...options, name: "clustera", advertise: "10.0.0.12" });
  const b = new MemoryDockerHost({ ...options, name: "clusterb", advertise: "10.0.0.13" });
  a.run({ name: "app", Image: "hello-app" });
  return { clusters: new MemoryClusterDirectory([a, b]), a, b };
}

/** The names of a tar archive's entries, in order (512-byte headers, each followed by its padded body). */
function tarEntryNames(archive: Buffer): string[] {
  const names: string[] = [];
  for (let at = 0; at + 512 <= archive.length; ) {
    const header = archive.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    names.push(header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, ""));
    const size = Number.parseInt(
      header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0",
      8,
    );
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

/** As the entrypoint reads them: the TLS files are there once the archive put at /run ends with their `complete`. */
function tlsFilesComplete(container: MemoryContainer): boolean {
  const archive = container.files.get("/run");
  return archive !== undefined && tarEntryNames(archive).at(-1) === "ambassador/tls/complete";
}

/** The container whose network namespace a `container:<id or name>` network mode joins. */
function namespaceOwner(mode: string | undefined): string | undefined {
  return mode?.startsWith("container:") ? mode.slice("container:".length) : undefined;
}
