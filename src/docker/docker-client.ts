import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { inspect } from "node:util";
// Before dockerode: it stands in for the modules dockerode would otherwise load at once and seldom use.
import "./deferred-modules.js";
import Docker from "dockerode";
import { defaultKnownHostsFile } from "./known-hosts.js";
import { SshDockerAgent } from "./ssh-agent.js";

/** Where a Docker Engine listens and the TLS material to reach it (private key in plain text, in memory only). */
export interface DockerEndpoint {
  host: string;
  tls?: { ca: string; cert: string; key: string };
}

export interface DockerClientOptions {
  /** Deadline for every call, in milliseconds. */
  timeoutMs?: number;
  /** The known_hosts file an ssh:// host's key must be listed in; default ~/.ssh/known_hosts. */
  knownHostsFile?: string;
}

/**
 * How long an idle connection to a host stays open: longer than the link checks' default interval, so a
 * running bot keeps one TLS session per host instead of a handshake per call.
 */
export const keepAliveMs = 60_000;

const dockerEnvironment = [
  "DOCKER_HOST",
  "DOCKER_TLS_VERIFY",
  "DOCKER_CERT_PATH",
  "DOCKER_CLIENT_TIMEOUT",
  "DOCKER_PATH_PREFIX",
];

/**
 * One TLS context for every connection to a host, made once: each new connection otherwise parses the CA, certificate
 * and key again (about a millisecond each here). Material it refuses is left to each connection, which says why.
 */
function sharedContext(tls: NonNullable<DockerEndpoint["tls"]>): { secureContext?: SecureContext } {
  try {
    return { secureContext: createSecureContext(tls) };
  } catch {
    return {};
  }
}

/**
 * A dockerode client for exactly this endpoint. docker-modem fills unset options from the process's own
 * DOCKER_* variables, so every option is set here and those variables are hidden while it is built.
 */
export function createDockerClient(endpoint: DockerEndpoint, options: DockerClientOptions = {}): Docker {
  const url = new URL(endpoint.host);
  const common = {
    timeout: options.timeoutMs ?? 10_000,
    ca: endpoint.tls?.ca,
    cert: endpoint.tls?.cert,
    key: endpoint.tls?.key,
    pathPrefix: undefined,
    version: "v1.41",
  };
  // docker-modem honours `agent` for http and https; its type definitions leave it out.
  let modemOptions: Docker.DockerOptions & { agent?: HttpAgent };
  // The client's own pool: its idle connection is kept (and unreferenced, so a one-shot command still exits).
  const pool = { keepAlive: true, timeout: keepAliveMs, scheduling: "lifo" as const };
  switch (url.protocol) {
    case "unix:":
      modemOptions = {
        ...common,
        socketPath: url.pathname,
        host: undefined,
        port: undefined,
        protocol: undefined,
        agent: new HttpAgent(pool),
      };
      break;
    case "tcp:": {
      const context = endpoint.tls ? sharedContext(endpoint.tls) : {};
      modemOptions = {
        ...common,
        // The pool's context carries the material: docker-modem would otherwise copy it into every request's
        // options, which it formats for its debug line even while debugging is off.
        ...(context.secureContext ? { ca: undefined, cert: undefined, key: undefined } : {}),
        socketPath: undefined,
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (endpoint.tls ? "2376" : "2375"),
        protocol: endpoint.tls ? "https" : "http",
        agent: endpoint.tls ? new HttpsAgent({ ...pool, ...context }) : new HttpAgent(pool),
      };
      break;
    }
    case "ssh:": {
      const hostname = url.hostname.replace(/^\[|\]$/g, "");
      const port = Number(url.port || 22);
      modemOptions = {
        ...common,
        // http's own timeout would be set on the SSH channel; every call has its deadline elsewhere.
        timeout: undefined,
        socketPath: undefined,
        host: hostname,
        port,
        protocol: "http",
        agent: new SshDockerAgent({
          hostname,
          port,
          username: url.username ? decodeURIComponent(url.username) : undefined,
          knownHostsFile: options.knownHostsFile ?? defaultKnownHostsFile(),
          url: endpoint.host,
          timeoutMs: options.timeoutMs ?? 10_000,
        }),
      };
      break;
    }
    default:
      throw new Error(`unsupported Docker URL scheme ${url.protocol} (use tcp://, unix:// or ssh://)`);
  }
  // docker-modem formats each request's options, agent included, for a debug line even while debugging is off: a pool
  // with open TLS connections takes tens of milliseconds of CPU to format, on every call, so it formats as a name.
  Object.defineProperty(modemOptions.agent, inspect.custom, {
    value: () => `[Docker connections to ${url.host}]`,
  });
  const saved = new Map(dockerEnvironment.map((name) => [name, process.env[name]]));
  for (const name of dockerEnvironment) delete process.env[name];
  try {
    return new Docker(modemOptions);
  } finally {
    for (const [name, value] of saved) if (value !== undefined) process.env[name] = value;
  }
}
