import type Docker from "dockerode";
import type { DockerPing } from "./docker-ping.js";

/** What a failed Docker call was about, so a log line or a message can say where it happened. */
export interface DockerCallContext {
  container?: string;
  image?: string;
  network?: string;
}

/**
 * A Docker call that failed or missed its deadline, with the cluster and object it concerned. `reasonWithoutAddress`
 * is the reason without the Docker API's URL or address (a connection that failed names them), for Slack.
 */
export class DockerCallError extends Error {
  override readonly name = "DockerCallError";
  readonly reasonWithoutAddress: string;
  constructor(
    readonly cluster: string,
    readonly action: string,
    readonly context: DockerCallContext,
    readonly reason: string,
    /** HTTP status from the Docker Engine; undefined when it never answered. */
    readonly statusCode: number | undefined,
    options?: { cause?: unknown; withoutAddress?: string },
  ) {
    super(`${cluster}: ${action}${describeContext(context)}: ${reason}`, options);
    this.reasonWithoutAddress = options?.withoutAddress ?? reason;
  }

  /** The message without the Docker API's URL or address. */
  get withoutAddress(): string {
    return `${this.cluster}: ${this.action}${describeContext(this.context)}: ${this.reasonWithoutAddress}`;
  }

  /** The Docker Engine did not answer (down, unreachable, deadline passed). */
  get unreachable(): boolean {
    return this.statusCode === undefined;
  }
}

function describeContext(context: DockerCallContext): string {
  const parts = [
    context.container && `container ${context.container}`,
    context.network && `network ${context.network}`,
    context.image && `image ${context.image}`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/**
 * A listed container's own name. Docker lists it among the names legacy links give it in the containers that link to
 * it (`/web/db`), in no set order: its own is the one with no other slash.
 */
export function listedName(container: Pick<Docker.ContainerInfo, "Names" | "Id">): string {
  const names = container.Names ?? [];
  const own = names.find((name) => !name.slice(1).includes("/")) ?? names[0];
  return own?.replace(/^\//, "") ?? container.Id;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof DockerCallError && error.statusCode === 404;
}

export function isUnreachable(error: unknown): boolean {
  return error instanceof DockerCallError && error.unreachable;
}

/** The call's deadline passed with no answer: the host holds calls rather than refusing them. */
export function isDeadlinePassed(error: unknown): boolean {
  return isUnreachable(error) && (error as DockerCallError).reason.startsWith("no answer within");
}

/** A call's own deadline and a signal that cancels it sooner; either aborts the request itself. */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Docker port bindings as the Engine reports them (`NetworkSettings.Ports`). */
export type PortBindings = Record<string, { HostIp: string; HostPort: string }[] | null | undefined>;

/**
 * One Docker host, as the rest of the bot sees it: the few operations it needs, each with a deadline that aborts
 * the request, each failure a DockerCallError naming the cluster, the action and the object.
 */
export interface DockerHost {
  readonly name: string;
  /** The address other hosts use to reach ports published on this one. */
  readonly advertise: string;
  ping(options?: CallOptions): Promise<DockerPing>;
  /** The container, or undefined when there is none by that name or ID. */
  inspectContainer(ref: string, options?: CallOptions): Promise<Docker.ContainerInspectInfo | undefined>;
  listContainers(labels?: string[], options?: CallOptions): Promise<Docker.ContainerInfo[]>;
  /** Creates a container and returns its ID. */
  createContainer(spec: Docker.ContainerCreateOptions, options?: CallOptions): Promise<string>;
  startContainer(id: string, name: string, options?: CallOptions): Promise<void>;
  /** Removes a container and its anonymous volumes; false when it was already gone. */
  removeContainer(id: string, name: string, options?: CallOptions): Promise<boolean>;
  /** Gives a container another name; refused (409) when another container has it. */
  renameContainer(id: string, name: string, newName: string, options?: CallOptions): Promise<void>;
  containerLogs(id: string, name: string, options?: CallOptions): Promise<string>;
  /**
   * Follows a container's output from its start until `enough` is true of all read so far, or until the container
   * stops (`ended`); both return everything read.
   */
  followLogs(
    id: string,
    name: string,
    enough: (text: string) => boolean,
    options?: CallOptions,
  ): Promise<{ text: string; ended: boolean }>;
  createNetwork(name: string, labels: Record<string, string>, options?: CallOptions): Promise<string>;
  inspectNetwork(ref: string, options?: CallOptions): Promise<Docker.NetworkInspectInfo | undefined>;
  listNetworks(labels: string[], options?: CallOptions): Promise<Docker.NetworkInspectInfo[]>;
  /** Removes a network; false when it was already gone. */
  removeNetwork(id: string, name: string, options?: CallOptions): Promise<boolean>;
  connectNetwork(
    network: string,
    container: string,
    aliases?: string[],
    options?: CallOptions,
  ): Promise<void>;
  /** Disconnects a container from a network; false when either is gone or they were not connected. */
  disconnectNetwork(network: string, container: string, options?: CallOptions): Promise<boolean>;
  /** The image's configuration, or undefined when the host does not have it. */
  inspectImage(image: string, options?: CallOptions): Promise<Docker.ImageInspectInfo | undefined>;
  /** Runs a command in a running container and waits for it: its exit code and its output (stdout and stderr). */
  exec(
    id: string,
    name: string,
    cmd: string[],
    options?: CallOptions,
  ): Promise<{ exitCode: number; output: string }>;
  /** Unpacks a tar archive into a container's filesystem at `path` (before it starts, for private files). */
  putArchive(id: string, name: string, path: string, archive: Buffer, options?: CallOptions): Promise<void>;
  /**
   * Gives a container created with OpenStdin and StdinOnce `data` as its standard input, then closes it: what it reads
   * there goes through no file of the Engine's and shows in no inspect.
   */
  writeStdin(id: string, name: string, data: Buffer, options?: CallOptions): Promise<void>;
  pullImage(image: string, options?: CallOptions): Promise<void>;
}

/** Host-side bindings of a container, one per binding Docker reports. */
export function bindingsOf(
  ports: PortBindings | undefined,
): { containerPort: number; protocol: string; hostIp: string; hostPort: number }[] {
  const rows: { containerPort: number; protocol: string; hostIp: string; hostPort: number }[] = [];
  for (const [key, bindings] of Object.entries(ports ?? {})) {
    const [port, protocol = "tcp"] = key.split("/");
    for (const binding of bindings ?? []) {
      rows.push({
        containerPort: Number(port),
        protocol,
        hostIp: binding.HostIp,
        hostPort: Number(binding.HostPort),
      });
    }
  }
  return rows.sort((a, b) => a.containerPort - b.containerPort || a.hostPort - b.hostPort);
}
