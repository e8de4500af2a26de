import type Docker from "dockerode";
import { DockerCallError, type DockerHost } from "../docker/docker-host.js";
import { otherHostPorts } from "./host-ports.js";
import { namespaceOwner } from "./namespace-owner.js";
import type { AmbassadorMode } from "./types.js";

/** A container the link engine created; rollback and teardown undo these. */
export interface CreatedContainer {
  id: string;
  name: string;
}

/** Called right after a container exists, so an interrupted attempt can still remove it. */
export type OnCreated = (container: CreatedContainer) => void;
/** Called when an attempt removed its own container again. */
export type OnRemoved = (container: CreatedContainer) => void;

/** The ambassador would not run in the mode it was asked for (exited, or never said it was ready). */
export class AmbassadorRefused extends Error {
  override readonly name = "AmbassadorRefused";
}

const nameTaken = /conflict|already in use/i;
/** Docker's refusal of a host port something else holds. */
export const portTaken = /port is already allocated|address already in use/i;
const notOwnAddress = /cannot assign requested address/i;

/** Creates a container under `base`, or `base-2`, `base-3`… when a name is taken: never clobbers. */
export async function createUniquelyNamed(
  host: DockerHost,
  base: string,
  spec: Docker.ContainerCreateOptions,
  onCreated: OnCreated,
  signal?: AbortSignal,
): Promise<CreatedContainer> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const name = attempt === 1 ? base : `${base}-${attempt}`;
    // A create is never cancelled midway, so whatever it made is known and can be removed.
    signal?.throwIfAborted();
    try {
      const id = await host.createContainer({ ...spec, name });
      const created = { id, name };
      onCreated(created);
      return created;
    } catch (error) {
      if (error instanceof DockerCallError && error.statusCode === 409 && nameTaken.test(error.reason))
        continue;
      throw error;
    }
  }
  throw new Error(`no free container name like ${base} (tried ${base} to ${base}-50)`);
}

/** One ambassador to run: where, under what name, forwarding what. */
export interface AmbassadorRequest {
  host: DockerHost;
  baseName: string;
  image: string;
  /** `<NAME>_PORT_<p>_TCP=tcp://host:port` and any other variable the image needs. */
  env: string[];
  ports: number[];
  labels: Record<string, string>;
  /** Host ports to publish each container port on ("" lets Docker pick); none for the target side. */
  publish?: Map<number, string>;
  /** The host address to publish on; all of the host's addresses when unset. */
  publishIp?: string;
  /** The ambassador sets firewall rules in its own namespace (admission, redirection), whatever its mode. */
  netAdmin?: boolean;
  /**
   * Runs once the container exists: private files go in here, and the ambassador waits for them. While it starts; with
   * `stdin`, before it starts.
   */
  prepare?: (container: CreatedContainer) => Promise<void>;
  /** Created with its standard input open until `prepare` has written it and closed it (OpenStdin, StdinOnce). */
  stdin?: boolean;
  /**
   * Called once the container exists and awaited before it starts (while `prepare` runs): what must exist, or be
   * gone, before the ambassador runs. Called once however often the start is tried.
   */
  beforeStart?: () => Promise<unknown>;
  /** Told as soon as the container runs with its ports published, before it reports that it forwards. */
  onStarted?: (container: CreatedContainer) => void;
  networkMode?: string;
  networkAliases?: string[];
  links?: string[];
}

/** How long an ambassador has to report that it runs. */
export interface RunnerOptions {
  /** How long our entrypoint has to say which mode it runs, before the image is taken for a foreign one. */
  handshakeMs: number;
  /** How long an ambassador has to say it forwards once it said its mode. */
  readyMs: number;
  /** Stops the run (and its Docker calls) when the attempt it belongs to failed elsewhere. */
  signal?: AbortSignal;
}

/** An ambassador that forwards, and the mode it does it in. */
export interface RunningAmbassador extends CreatedContainer {
  mode: AmbassadorMode;
  /** False for an image that does not speak our handshake (svendowideit/ambassador): relay contract only. */
  handshake: boolean;
  /** What it warned of before it said it forwards: each route's destination that answered no connection. */
  warnings: string[];
}

/**
 * How a retried start publishes: on other host ports when the wanted ones were taken, and on every address when the
 * wanted one is not the host's.
 */
interface PublishFallback {
  ports?: ReadonlyMap<number, string>;
  anyAddress: boolean;
}

/** Starts tried on other host ports before a taken port is reported. */
const portTries = 5;

function containerSpec(request: AmbassadorRequest, mode: AmbassadorMode, fallback: PublishFallback) {
  const exposed = Object.fromEntries(request.ports.map((port) => [`${port}/tcp`, {}]));
  const bindings = request.publish
    ? Object.fromEntries(
        request.ports.map((port) => [
          `${port}/tcp`,
          [
            {
              HostIp: fallback.anyAddress ? undefined : request.publishIp,
              HostPort: (fallback.ports ?? request.publish)?.get(port) ?? "",
            },
          ],
        ]),
      )
    : undefined;
  const kernel = mode === "kernel";
  // In another container's network namespace, ports are that container's to expose and publish: Docker refuses both.
  const joining = namespaceOwner(request.networkMode) !== undefined;
  const spec: Docker.ContainerCreateOptions = {
    Image: request.image,
    Env: [...request.env, `AMBASSADOR_MODE=${mode}`],
    ExposedPorts: joining ? undefined : exposed,
    Labels: request.labels,
    ...(request.stdin ? { OpenStdin: true, StdinOnce: true } : {}),
    HostConfig: {
      RestartPolicy: { Name: "unless-stopped" },
      PortBindings: bindings,
      NetworkMode: request.networkMode,
      Links: request.links,
      CapAdd: kernel || request.netAdmin ? ["NET_ADMIN"] : undefined,
      Sysctls: kernel ? { "net.ipv4.ip_forward": "1" } : undefined,
    },
  };
  if (request.networkMode && request.networkAliases) {
    spec.NetworkingConfig = {
      EndpointsConfig: { [request.networkMode]: { Aliases: request.networkAliases } },
    };
  }
  return spec;
}

/**
 * Runs one ambassador in one mode: create, start (on other host ports the bot chooses when a wanted one is taken),
 * then wait until the entrypoint reports it forwards. A container it made and could not
 * get running is removed again before the error is thrown.
 */
export async function runAmbassador(
  request: AmbassadorRequest,
  mode: AmbassadorMode,
  options: RunnerOptions,
  onCreated: OnCreated,
  onRemoved: OnRemoved,
): Promise<RunningAmbassador> {
  const { host } = request;
  const { signal } = options;
  const discard = async (container: CreatedContainer) => {
    try {
      await host.removeContainer(container.id, container.name);
      onRemoved(container);
    } catch {
      // Left registered: the caller's rollback retries it and reports it when the host is gone.
    }
  };
  let readyToStart: Promise<unknown> | undefined;
  /** Creates and starts the container; one that would not start is removed again before the error is thrown. */
  const launch = async (fallback: PublishFallback) => {
    const made = await createUniquelyNamed(
      host,
      request.baseName,
      containerSpec(request, mode, fallback),
      onCreated,
      signal,
    );
    try {
      // The files go in while it starts: the ambassador waits for the last of them before it reads any. Its standard
      // input is written before: written to a running container, the Engine holds the connection until it is gone.
      const filing = request.prepare?.(made);
      const [filed, started] = await Promise.allSettled([
        filing,
        (async () => {
          readyToStart ??= request.beforeStart?.();
          await readyToStart;
          if (request.stdin) await filing;
          signal?.throwIfAborted();
          await host.startContainer(made.id, made.name);
        })(),
      ]);
      // A start refused for its port comes first: the caller retries that on another port.
      if (started.status === "rejected") throw started.reason;
      if (filed.status === "rejected") throw filed.reason;
      return made;
    } catch (error) {
      await discard(made);
      throw error;
    }
  };
  let container: CreatedContainer | undefined;
  const fallback: PublishFallback = { anyAddress: false };
  const tried = new Set([...(request.publish?.values() ?? [])].map(Number));
  for (let portTry = 1; !container; ) {
    try {
      container = await launch(fallback);
    } catch (error) {
      const reason = error instanceof DockerCallError ? error.reason : "";
      const taken = portTaken.test(reason);
      // An advertise address behind NAT is not the host's own: publish on every address (admission still applies).
      const foreign = request.publishIp !== undefined && notOwnAddress.test(reason) && !fallback.anyAddress;
      if (!request.publish || !(taken || foreign) || (taken && portTry++ >= portTries)) throw error;
      // Other ports the bot chooses, never Docker's pick at each start: the targets dial the port it has now.
      if (taken) fallback.ports = otherHostPorts(request.ports, tried);
      if (foreign) fallback.anyAddress = true;
    }
  }
  request.onStarted?.(container);
  try {
    const { handshake, warnings } = await awaitReady(host, container, mode, options);
    return { ...container, mode, handshake, warnings };
  } catch (error) {
    await discard(container);
    throw error;
  }
}

const readyLine = /^ambassador: ready$/m;
const spokeLine = /^ambassador: /m;
const warningLines = /^ambassador: warning: (.+)$/gm;

/**
 * Follows the ambassador's output until it says it forwards (handshake true, with what it warned of before), or, for
 * an image that says nothing of ours within the handshake time, takes it for a foreign one (false). Stopping, or
 * saying the wrong mode, refuses it.
 */
async function awaitReady(
  host: DockerHost,
  container: CreatedContainer,
  mode: AmbassadorMode,
  options: RunnerOptions,
): Promise<{ handshake: boolean; warnings: string[] }> {
  const { handshakeMs, readyMs } = options;
  const foreign = { handshake: false, warnings: [] };
  if (handshakeMs === 0) {
    await refuseStopped(host, container, mode, "", options.signal);
    return foreign;
  }
  const timeUp = new AbortController();
  let read = "";
  // Judged on what the stream gave: over a slow connection, nothing read yet is not silence.
  let handshakeOver = false;
  const judgeHandshake = () => {
    if (handshakeOver && read && !spokeLine.test(read)) timeUp.abort("handshake");
  };
  const timers = [
    setTimeout(() => {
      handshakeOver = true;
      judgeHandshake();
    }, handshakeMs),
    setTimeout(() => timeUp.abort("ready"), handshakeMs + readyMs),
  ];
  try {
    const { text, ended } = await host.followLogs(
      container.id,
      container.name,
      (text) => {
        read = text;
        judgeHandshake();
        return readyLine.test(text);
      },
      {
        signal: options.signal ? AbortSignal.any([options.signal, timeUp.signal]) : timeUp.signal,
        timeoutMs: handshakeMs + readyMs + 1000,
      },
    );
    if (ended) {
      await refuseStopped(host, container, mode, text, options.signal);
      throw new Error(
        `the log stream of ambassador ${container.name} ended while it runs, before it said it forwards; try again`,
      );
    }
    const reported = /^ambassador: mode (\w+)$/m.exec(text)?.[1];
    if (reported && reported !== mode) {
      throw new AmbassadorRefused(`ambassador ${container.name} runs ${reported}, not ${mode}`);
    }
    return { handshake: true, warnings: [...text.matchAll(warningLines)].map((m) => m[1] as string) };
  } catch (error) {
    if (!timeUp.signal.aborted || options.signal?.aborted) throw error;
    if (timeUp.signal.reason === "handshake") return foreign;
    throw new AmbassadorRefused(
      `ambassador ${container.name} did not start forwarding in ${mode} mode within ${Math.round((handshakeMs + readyMs) / 1000)} s: ${lastLine(read)}`,
    );
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}

/** Refuses an ambassador that stopped (or restarts), with its last word; returns false while it runs. */
async function refuseStopped(
  host: DockerHost,
  container: CreatedContainer,
  mode: AmbassadorMode,
  logs: string,
  signal: AbortSignal | undefined,
): Promise<false> {
  const info = await host.inspectContainer(container.id, { signal });
  if (info?.State.Running && !info.State.Restarting && info.RestartCount === 0) return false;
  const last = lastLine(logs) || lastLine(await host.containerLogs(container.id, container.name, { signal }));
  throw new AmbassadorRefused(
    `ambassador ${container.name} stopped in ${mode} mode: ${last || `exit code ${info?.State.ExitCode ?? "unknown"}`}`,
  );
}

/** The last line of a container's output, trimmed. */
export function lastLine(text: string): string {
  return text.trim().split("\n").at(-1)?.trim() ?? "";
}
