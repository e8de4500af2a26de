import type Docker from "dockerode";
import type { ClusterConnection } from "./clusters.js";

/** What a failed Docker call was about, so a log line or a message can say where it happened. */
export interface DockerCallContext {
  container?: string;
  image?: string;
  network?: string;
}

/** A Docker call that failed or missed its deadline, with the cluster and object it concerned. */
export class DockerCallError extends Error {
  override readonly name = "DockerCallError";
  constructor(
    readonly cluster: string,
    readonly action: string,
    readonly context: DockerCallContext,
    readonly reason: string,
    /** HTTP status from the Docker Engine; undefined when it never answered. */
    readonly statusCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${cluster}: ${action}${describeContext(context)}: ${reason}`, options);
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

export function isNotFound(error: unknown): boolean {
  return error instanceof DockerCallError && error.statusCode === 404;
}

export function isUnreachable(error: unknown): boolean {
  return error instanceof DockerCallError && error.unreachable;
}

interface RawDockerError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
  code?: string;
}

function reasonOf(error: unknown): { reason: string; statusCode?: number } {
  if (error instanceof DeadlineError) return { reason: error.message };
  const raw = (error ?? {}) as RawDockerError;
  const statusCode = typeof raw.statusCode === "number" ? raw.statusCode : undefined;
  const message = raw.json?.message ?? raw.message ?? String(error);
  const reason = raw.code && !message.includes(raw.code) ? `${message} (${raw.code})` : message;
  return { reason: reason.replace(/\s+/g, " ").trim(), statusCode };
}

class DeadlineError extends Error {}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms / 1000} s to ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Deadlines of a DockerHost's calls. */
export interface DockerHostOptions {
  /** Deadline of every call, in milliseconds. */
  timeoutMs?: number;
  /** Deadline of an image pull, in milliseconds. */
  pullTimeoutMs?: number;
}

/** Docker port bindings as the Engine reports them (`NetworkSettings.Ports`). */
export type PortBindings = Record<string, { HostIp: string; HostPort: string }[] | null | undefined>;

/**
 * The few Docker operations the link engine needs, on one cluster. Every call has a deadline, and a failure
 * becomes a DockerCallError that names the cluster, the action and the object.
 */
export class DockerHost {
  readonly name: string;
  readonly advertise: string;
  private readonly docker: Docker;
  private readonly timeoutMs: number;
  private readonly pullTimeoutMs: number;

  constructor(connection: ClusterConnection, options: DockerHostOptions = {}) {
    this.name = connection.name;
    this.advertise = connection.advertise;
    this.docker = connection.docker;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.pullTimeoutMs = options.pullTimeoutMs ?? 120_000;
  }

  private async call<T>(
    action: string,
    context: DockerCallContext,
    run: () => Promise<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T> {
    try {
      return await withDeadline(run(), timeoutMs, action);
    } catch (error) {
      const { reason, statusCode } = reasonOf(error);
      throw new DockerCallError(this.name, action, context, reason, statusCode, { cause: error });
    }
  }

  ping(timeoutMs?: number): Promise<unknown> {
    return this.call("ping", {}, () => this.docker.ping(), timeoutMs);
  }

  /** The container, or undefined when there is none by that name or ID. */
  async inspectContainer(ref: string, timeoutMs?: number): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.call(
        "inspect container",
        { container: ref },
        () => this.docker.getContainer(ref).inspect(),
        timeoutMs,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  listContainers(labels: string[] = [], timeoutMs?: number): Promise<Docker.ContainerInfo[]> {
    const filters = labels.length ? JSON.stringify({ label: labels }) : undefined;
    return this.call(
      "list containers",
      {},
      () => this.docker.listContainers({ all: true, filters }),
      timeoutMs,
    );
  }

  async createContainer(spec: Docker.ContainerCreateOptions): Promise<string> {
    const created = await this.call("create container", { container: spec.name, image: spec.Image }, () =>
      this.docker.createContainer(spec),
    );
    return created.id;
  }

  async startContainer(id: string, name: string): Promise<void> {
    await this.call("start container", { container: name }, () => this.docker.getContainer(id).start());
  }

  /** Removes a container and its anonymous volumes; false when it was already gone. */
  async removeContainer(id: string, name: string): Promise<boolean> {
    try {
      await this.call("remove container", { container: name }, () =>
        this.docker.getContainer(id).remove({ force: true, v: true }),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async containerLogs(id: string, name: string): Promise<string> {
    const buffer = await this.call("read logs", { container: name }, () =>
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false }),
    );
    return demuxLogs(buffer as unknown as Buffer);
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<string> {
    const network = await this.call("create network", { network: name }, () =>
      this.docker.createNetwork({ Name: name, Driver: "bridge", CheckDuplicate: true, Labels: labels }),
    );
    return network.id;
  }

  async inspectNetwork(ref: string, timeoutMs?: number): Promise<Docker.NetworkInspectInfo | undefined> {
    try {
      return await this.call(
        "inspect network",
        { network: ref },
        () => this.docker.getNetwork(ref).inspect() as Promise<Docker.NetworkInspectInfo>,
        timeoutMs,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  listNetworks(labels: string[], timeoutMs?: number): Promise<Docker.NetworkInspectInfo[]> {
    const filters = JSON.stringify({ label: labels });
    return this.call("list networks", {}, () => this.docker.listNetworks({ filters }), timeoutMs);
  }

  /** Removes a network; false when it was already gone. */
  async removeNetwork(id: string, name: string): Promise<boolean> {
    try {
      await this.call("remove network", { network: name }, () => this.docker.getNetwork(id).remove());
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async connectNetwork(network: string, container: string, aliases?: string[]): Promise<void> {
    await this.call("connect to network", { network, container }, () =>
      this.docker.getNetwork(network).connect({
        Container: container,
        EndpointConfig: aliases ? { Aliases: aliases } : undefined,
      }),
    );
  }

  /** Disconnects a container from a network; false when either is gone or they were not connected. */
  async disconnectNetwork(network: string, container: string): Promise<boolean> {
    try {
      await this.call("disconnect from network", { network, container }, () =>
        this.docker.getNetwork(network).disconnect({ Container: container, Force: true }),
      );
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (
        error instanceof DockerCallError &&
        error.statusCode === 403 &&
        /not connected/i.test(error.reason)
      ) {
        return false;
      }
      throw error;
    }
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.call("inspect image", { image }, () => this.docker.getImage(image).inspect());
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async pullImage(image: string): Promise<void> {
    await this.call(
      "pull image",
      { image },
      async () => {
        const stream = await this.docker.pull(image);
        await new Promise<void>((resolve, reject) => {
          this.docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
            const failed = error ?? output?.find((event) => event.error)?.error;
            if (failed) reject(failed instanceof Error ? failed : new Error(failed));
            else resolve();
          });
        });
      },
      this.pullTimeoutMs,
    );
  }
}

/** Docker multiplexes stdout and stderr of a container without a TTY into framed chunks. */
export function demuxLogs(buffer: Buffer): string {
  if (buffer.length < 8 || buffer[0]! > 2 || buffer[1] !== 0) return buffer.toString("utf8");
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size).toString("utf8"));
    offset += 8 + size;
  }
  return parts.join("");
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
