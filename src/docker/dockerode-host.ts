import type { Agent } from "node:http";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import { ConnectionRefill } from "./connection-refill.js";
import {
  type CallOptions,
  type DockerCallContext,
  DockerCallError,
  type DockerHost,
  isNotFound,
} from "./docker-host.js";
import { type DockerPing, explainDockerError, pingDocker } from "./docker-ping.js";

/** What a DockerodeHost talks to, and its default deadlines. */
export interface DockerodeHostOptions {
  name: string;
  advertise: string;
  /** The Docker URL, as errors name it. */
  url: string;
  /** Deadline of every call unless the call sets its own (ms). */
  callMs: number;
  pullMs: number;
}

interface RawDockerError {
  statusCode?: number;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
  code?: string;
  name?: string;
}

/** Calls that change nothing on the host: asked again when a kept-alive connection closed under them. */
const reads = new Set([
  "inspect container",
  "list containers",
  "read logs",
  "follow logs",
  "inspect network",
  "list networks",
  "inspect image",
]);

/** The host closed the connection before it answered: a kept-alive connection it dropped, or the host went down. */
function connectionClosed(raw: RawDockerError): boolean {
  return raw.code === "ECONNRESET" || raw.code === "EPIPE";
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}

/** How long a written container input's connection may stay open before it is closed from this side. */
const inputLingerMs = 30_000;

/** The one place a dockerode client is called: every request carries an AbortSignal that ends it at its deadline. */
export class DockerodeHost implements DockerHost {
  readonly name: string;
  readonly advertise: string;
  // Set before any call runs: given, or made by the factory at the first call.
  private docker!: Docker;
  #client: Promise<Docker>;
  readonly #refill = new ConnectionRefill(
    () => (this.docker?.modem as { agent?: Agent } | undefined)?.agent,
    () => this.inspect("/_ping", "engine", AbortSignal.timeout(this.options.callMs)),
  );

  constructor(
    /** The client, or a factory that makes it at the first call (so a run that calls no host never loads it). */
    client: Docker | (() => Promise<Docker>),
    private readonly options: DockerodeHostOptions,
  ) {
    this.name = options.name;
    this.advertise = options.advertise;
    this.#client = typeof client === "function" ? Promise.resolve().then(client) : Promise.resolve(client);
    if (typeof client !== "function") this.docker = client;
  }

  private async client(): Promise<Docker> {
    this.docker ??= await this.#client;
    return this.docker;
  }

  /**
   * A GET of an object's description, asked of the modem itself: dockerode's Image and Network `inspect` do not
   * pass the signal on, so a call to an engine that stopped answering would wait for ever.
   */
  private inspect<T>(path: string, what: string, abortSignal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.docker.modem.dial(
        {
          path,
          method: "GET",
          abortSignal,
          statusCodes: { 200: true, 404: `no such ${what}`, 500: "server error" },
        },
        (error, data) => (error ? reject(error) : resolve(data as T)),
      );
    });
  }

  private async call<T>(
    action: string,
    context: DockerCallContext,
    run: (abortSignal: AbortSignal) => Promise<T>,
    options: CallOptions = {},
    defaultMs = this.options.callMs,
  ): Promise<T> {
    const ms = options.timeoutMs ?? defaultMs;
    const deadline = AbortSignal.timeout(ms);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    try {
      signal.throwIfAborted();
      await this.client();
      try {
        return await run(signal);
      } catch (error) {
        // The next try takes a new connection: the pool dropped the one that closed.
        if (!reads.has(action) || signal.aborted || !connectionClosed((error ?? {}) as RawDockerError))
          throw error;
        return await run(signal);
      }
    } catch (error) {
      const raw = (error ?? {}) as RawDockerError;
      if (deadline.aborted) {
        throw new DockerCallError(
          this.name,
          action,
          context,
          `no answer within ${seconds(ms)} to ${action}`,
          undefined,
          {
            cause: error,
          },
        );
      }
      if (options.signal?.aborted) {
        throw new DockerCallError(this.name, action, context, "cancelled", undefined, { cause: error });
      }
      if (connectionClosed(raw) && !reads.has(action)) {
        throw new DockerCallError(
          this.name,
          action,
          context,
          "the connection closed before Docker answered; it may or may not have been done: check before trying again",
          undefined,
          { cause: error },
        );
      }
      const statusCode = typeof raw.statusCode === "number" ? raw.statusCode : undefined;
      const message = raw.json?.message ?? raw.message ?? String(error);
      const reason = raw.code && !message.includes(raw.code) ? `${message} (${raw.code})` : message;
      // An Engine that answered speaks of containers and networks; a connection that failed names the address it tried.
      const withoutAddress =
        statusCode === undefined
          ? explainDockerError(error, this.options.url, ms, this.name).withoutAddress
          : undefined;
      throw new DockerCallError(this.name, action, context, reason.replace(/\s+/g, " ").trim(), statusCode, {
        cause: error,
        withoutAddress,
      });
    }
  }

  private async orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
    try {
      return await call;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async removed(call: Promise<unknown>): Promise<boolean> {
    return (await this.orUndefined(call.then(() => true))) ?? false;
  }

  async ping(options: CallOptions = {}): Promise<DockerPing> {
    return pingDocker(
      await this.client(),
      this.options.url,
      this.name,
      options.timeoutMs ?? this.options.callMs,
      options.signal,
    );
  }

  inspectContainer(ref: string, options?: CallOptions): Promise<Docker.ContainerInspectInfo | undefined> {
    return this.orUndefined(
      this.call(
        "inspect container",
        { container: ref },
        (abortSignal) => this.docker.getContainer(ref).inspect({ abortSignal }),
        options,
      ),
    );
  }

  listContainers(labels: string[] = [], options?: CallOptions): Promise<Docker.ContainerInfo[]> {
    const filters = labels.length ? JSON.stringify({ label: labels }) : undefined;
    return this.call(
      "list containers",
      {},
      (abortSignal) => this.docker.listContainers({ all: true, filters, abortSignal }),
      options,
    );
  }

  async createContainer(spec: Docker.ContainerCreateOptions, options?: CallOptions): Promise<string> {
    const created = await this.call(
      "create container",
      { container: spec.name, image: spec.Image },
      (abortSignal) => this.docker.createContainer({ ...spec, abortSignal }),
      options,
    );
    return created.id;
  }

  async startContainer(id: string, name: string, options?: CallOptions): Promise<void> {
    await this.call(
      "start container",
      { container: name },
      (abortSignal) => this.docker.getContainer(id).start({ abortSignal }),
      options,
    );
  }

  removeContainer(id: string, name: string, options?: CallOptions): Promise<boolean> {
    const remove = (abortSignal: AbortSignal) =>
      this.docker.getContainer(id).remove({ force: true, v: true, abortSignal });
    return this.removed(this.call("remove container", { container: name }, remove, options));
  }

  async renameContainer(id: string, name: string, newName: string, options?: CallOptions): Promise<void> {
    await this.call(
      "rename container",
      { container: name },
      (abortSignal) => this.docker.getContainer(id).rename({ name: newName, abortSignal }),
      options,
    );
  }

  async containerLogs(id: string, name: string, options?: CallOptions): Promise<string> {
    const buffer = await this.call(
      "read logs",
      { container: name },
      (abortSignal) =>
        this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, abortSignal }),
      options,
    );
    return demuxLogs(buffer as unknown as Buffer);
  }

  followLogs(
    id: string,
    name: string,
    enough: (text: string) => boolean,
    options?: CallOptions,
  ): Promise<{ text: string; ended: boolean }> {
    return this.call(
      "follow logs",
      { container: name },
      async (abortSignal) => {
        const stream = (await this.docker.getContainer(id).logs({
          stdout: true,
          stderr: true,
          follow: true,
          abortSignal,
        })) as unknown as NodeJS.ReadableStream & {
          destroy(): void;
        };
        const frames = new LogFrames();
        return new Promise<{ text: string; ended: boolean }>((resolve, reject) => {
          let settled = false;
          // Every way out ends the stream and lets go of the signal, so nothing reads on after the answer.
          const finish = (outcome: () => void) => {
            if (settled) return;
            settled = true;
            abortSignal.removeEventListener("abort", aborted);
            stream.removeAllListeners("data");
            stream.destroy();
            this.#refill.taken();
            outcome();
          };
          const aborted = () => finish(() => reject(abortSignal.reason));
          stream.on("data", (chunk: Buffer) => {
            frames.push(chunk);
            if (enough(frames.text)) finish(() => resolve({ text: frames.text, ended: false }));
          });
          const ended = () => {
            frames.flush();
            finish(() => resolve({ text: frames.text, ended: true }));
          };
          stream.once("end", ended);
          stream.once("close", ended);
          stream.once("error", (error) => finish(() => reject(error)));
          abortSignal.addEventListener("abort", aborted, { once: true });
          if (abortSignal.aborted) aborted();
        });
      },
      options,
    );
  }

  async createNetwork(name: string, labels: Record<string, string>, options?: CallOptions): Promise<string> {
    const network = await this.call(
      "create network",
      { network: name },
      (abortSignal) =>
        this.docker.createNetwork({
          Name: name,
          Driver: "bridge",
          CheckDuplicate: true,
          Labels: labels,
          abortSignal,
        }),
      options,
    );
    return network.id;
  }

  inspectNetwork(ref: string, options?: CallOptions): Promise<Docker.NetworkInspectInfo | undefined> {
    return this.orUndefined(
      this.call(
        "inspect network",
        { network: ref },
        (abortSignal) => this.inspect<Docker.NetworkInspectInfo>(`/networks/${ref}`, "network", abortSignal),
        options,
      ),
    );
  }

  listNetworks(labels: string[], options?: CallOptions): Promise<Docker.NetworkInspectInfo[]> {
    const filters = JSON.stringify({ label: labels });
    return this.call(
      "list networks",
      {},
      (abortSignal) => this.docker.listNetworks({ filters, abortSignal }),
      options,
    );
  }

  removeNetwork(id: string, name: string, options?: CallOptions): Promise<boolean> {
    const remove = (abortSignal: AbortSignal) => this.docker.getNetwork(id).remove({ abortSignal });
    return this.removed(this.call("remove network", { network: name }, remove, options));
  }

  async connectNetwork(
    network: string,
    container: string,
    aliases?: string[],
    options?: CallOptions,
  ): Promise<void> {
    await this.call(
      "connect to network",
      { network, container },
      (abortSignal) =>
        this.docker.getNetwork(network).connect({
          Container: container,
          EndpointConfig: aliases ? { Aliases: aliases } : undefined,
          abortSignal,
        } as Docker.NetworkConnectOptions),
      options,
    );
  }

  async disconnectNetwork(network: string, container: string, options?: CallOptions): Promise<boolean> {
    try {
      return await this.removed(
        this.call(
          "disconnect from network",
          { network, container },
          (abortSignal) =>
            this.docker.getNetwork(network).disconnect({ Container: container, Force: true, abortSignal }),
          options,
        ),
      );
    } catch (error) {
      if (
        error instanceof DockerCallError &&
        !error.unreachable &&
        /is not connected to (the )?network/i.test(error.reason)
      ) {
        return false;
      }
      throw error;
    }
  }

  inspectImage(image: string, options?: CallOptions): Promise<Docker.ImageInspectInfo | undefined> {
    return this.orUndefined(
      this.call(
        "inspect image",
        { image },
        (abortSignal) => this.inspect<Docker.ImageInspectInfo>(`/images/${image}/json`, "image", abortSignal),
        options,
      ),
    );
  }

  exec(
    id: string,
    name: string,
    cmd: string[],
    options?: CallOptions,
  ): Promise<{ exitCode: number; output: string }> {
    return this.call(
      "exec in container",
      { container: name },
      async (abortSignal) => {
        const exec = await this.docker.getContainer(id).exec({
          Cmd: cmd,
          AttachStdout: true,
          AttachStderr: true,
          abortSignal,
        } as Docker.ExecCreateOptions);
        const stream = await exec.start({
          hijack: true,
          stdin: false,
          abortSignal,
        } as Docker.ExecStartOptions);
        const chunks: Buffer[] = [];
        await new Promise<void>((resolve, reject) => {
          abortSignal.addEventListener("abort", () => stream.destroy(new Error("aborted")), { once: true });
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", resolve);
          stream.on("close", resolve);
          stream.on("error", reject);
        });
        const info = await exec.inspect({ abortSignal } as object);
        return { exitCode: info.ExitCode ?? -1, output: demuxLogs(Buffer.concat(chunks)) };
      },
      options,
    );
  }

  async putArchive(
    id: string,
    name: string,
    path: string,
    archive: Buffer,
    options?: CallOptions,
  ): Promise<void> {
    await this.call(
      "copy files into container",
      { container: name },
      (abortSignal) => this.docker.getContainer(id).putArchive(archive, { path, abortSignal }),
      options,
    );
  }

  async writeStdin(id: string, name: string, data: Buffer, options?: CallOptions): Promise<void> {
    await this.call(
      "write to container input",
      { container: name },
      async (abortSignal) => {
        const stream = (await this.docker
          .getContainer(id)
          .attach({ stream: true, stdin: true, hijack: true, abortSignal })) as unknown as Duplex;
        await new Promise<void>((resolve, reject) => {
          const aborted = () => failed(abortSignal.reason as Error);
          const failed = (error: Error) => {
            abortSignal.removeEventListener("abort", aborted);
            stream.destroy();
            reject(error);
          };
          stream.once("error", failed);
          abortSignal.addEventListener("abort", aborted, { once: true });
          // Ended, not destroyed: the Engine reads all of it, closes the input, then the connection (at once when
          // the container has not started yet; when it runs, only once it is gone, so it is let go after a while).
          stream.end(data, (error?: Error | null) => {
            if (error) return failed(error);
            abortSignal.removeEventListener("abort", aborted);
            stream.off("error", failed);
            stream.on("error", () => undefined);
            const letGo = setTimeout(() => stream.destroy(), inputLingerMs);
            letGo.unref();
            stream.once("close", () => {
              clearTimeout(letGo);
              this.#refill.taken();
            });
            (stream as Duplex & { unref?: () => void }).unref?.();
            resolve();
          });
        });
      },
      options,
    );
  }

  async pullImage(image: string, options?: CallOptions): Promise<void> {
    await this.call(
      "pull image",
      { image },
      async (abortSignal) => {
        const stream = await this.docker.pull(image, { abortSignal });
        await new Promise<void>((resolve, reject) => {
          abortSignal.addEventListener(
            "abort",
            () => (stream as NodeJS.ReadableStream & { destroy(): void }).destroy(),
            {
              once: true,
            },
          );
          this.docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
            if (error) return reject(error);
            const failed = output?.find((event) => event.error)?.error;
            // The Engine answered (200) and then said in its progress that the pull failed: a registry's
            // answer, not an Engine out of reach.
            if (failed) reject(Object.assign(new Error(failed), { statusCode: 200 }));
            else resolve();
          });
        });
      },
      options,
      this.options.pullMs,
    );
  }
}

/** Docker multiplexes stdout and stderr of a container without a TTY into framed chunks. */
/** A log stream read as it comes: frames may arrive split across chunks, or several in one. */
class LogFrames {
  text = "";
  #pending: Buffer = Buffer.alloc(0);
  #framed: boolean | undefined;

  push(chunk: Buffer): void {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    // A container with a TTY sends plain text; without one, every frame has an 8-byte header.
    this.#framed ??= this.#pending.length >= 8 ? isFramed(this.#pending) : undefined;
    if (this.#framed === undefined) return;
    if (!this.#framed) {
      this.text += this.#pending.toString("utf8");
      this.#pending = Buffer.alloc(0);
      return;
    }
    let offset = 0;
    while (offset + 8 <= this.#pending.length) {
      const size = this.#pending.readUInt32BE(offset + 4);
      if (offset + 8 + size > this.#pending.length) break;
      this.text += this.#pending.subarray(offset + 8, offset + 8 + size).toString("utf8");
      offset += 8 + size;
    }
    this.#pending = this.#pending.subarray(offset);
  }

  /** The stream ended: what is left is text, however short. */
  flush(): void {
    if (this.#framed !== false && this.#framed !== undefined) return;
    this.text += this.#pending.toString("utf8");
    this.#pending = Buffer.alloc(0);
  }
}

function isFramed(buffer: Buffer): boolean {
  return (buffer[0] ?? 0) <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
}

export function demuxLogs(buffer: Buffer): string {
  if (buffer.length < 8 || (buffer[0] ?? 0) > 2 || buffer[1] !== 0) return buffer.toString("utf8");
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size).toString("utf8"));
    offset += 8 + size;
  }
  return parts.join("");
}
