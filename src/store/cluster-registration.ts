import { isIP } from "node:net";
import { join, resolve } from "node:path";
import { createDockerClient } from "../docker/docker-client.js";
import { readDockerContext } from "../docker/docker-context.js";
import { readDockerEnvFile } from "../docker/docker-env-file.js";
import { type DockerPing, pingDocker } from "../docker/docker-ping.js";
import { type DockerUrl, formatDockerUrl, isLoopback, parseDockerUrl } from "../docker/docker-url.js";
import { checkTlsMaterial, readTlsFolder, type TlsMaterial } from "../docker/tls-material.js";
import type { Actor } from "../domain/actor.js";
import { clusterNamePattern } from "../domain/cluster.js";
import { UserError } from "../errors.js";
import type { ClusterCandidate, ClusterRegistry } from "./cluster-registry.js";
import type { ClusterRecord } from "./schema.js";

/** Where a new cluster's address and credentials come from. */
export type ClusterSource =
  | { kind: "env-file"; path: string }
  | { kind: "host"; url: string; certPath?: string }
  | { kind: "context"; name: string };

/** What `clusters add` asks for. */
export interface ClusterRequest {
  name: string;
  source: ClusterSource;
  advertise?: string;
  channels?: string[];
  /** CIDRs the cluster's containers reach other hosts from, when not its advertise address. */
  egress?: string[];
}

export interface ResolveOptions {
  /** Folder relative paths are read from. */
  cwd?: string;
  /** The Docker CLI configuration folder, for --context (see dockerConfigDir). */
  dockerConfigDir?: string;
  now?: Date;
}

const hostnamePattern =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const channelPattern = /^[CGD][A-Z0-9]{6,20}$/;

export function checkClusterName(name: string): void {
  if (!clusterNamePattern.test(name)) {
    throw new UserError(
      "bad-name",
      `"${name}" is not a valid cluster name: use 1-63 lowercase letters, digits or dashes, starting with a letter or digit`,
    );
  }
}

function checkAdvertise(address: string): void {
  if (!isIP(address) && !hostnamePattern.test(address)) {
    throw new UserError("bad-advertise", `--advertise "${address}" is not an IP address or a host name`);
  }
}

/** An IPv4 CIDR (`10.0.0.0/24`, or an address alone for /32), normalised to address/bits. */
function checkEgress(cidr: string): string {
  const [address = "", bits = "32", extra] = cidr.trim().split("/");
  const width = Number(bits);
  if (isIP(address) !== 4 || extra !== undefined || !/^\d{1,2}$/.test(bits) || width > 32) {
    throw new UserError(
      "bad-egress",
      `--egress "${cidr}" is not an IPv4 address or CIDR such as 10.0.0.0/24`,
    );
  }
  return `${address}/${width}`;
}

function checkChannels(channels: string[]): void {
  for (const channel of channels) {
    if (!channelPattern.test(channel)) {
      throw new UserError(
        "bad-channel",
        `--channel "${channel}" is not a Slack channel ID (like C0123ABCD; copy it from the channel's details)`,
      );
    }
  }
}

interface Located {
  host: string;
  /** Folder with ca.pem, cert.pem, key.pem. */
  tlsDir?: string;
  /** Why TLS is absent, for the message when it is required. */
  noTlsReason: string;
  origin: string;
}

async function locate(source: ClusterSource, options: ResolveOptions): Promise<Located> {
  const cwd = options.cwd ?? process.cwd();
  switch (source.kind) {
    case "env-file": {
      const bundle = await readDockerEnvFile(source.path, cwd);
      return {
        host: bundle.host,
        tlsDir: bundle.tlsVerify ? bundle.certPath : undefined,
        noTlsReason: `${bundle.envFile} does not set DOCKER_TLS_VERIFY=1`,
        origin: bundle.envFile,
      };
    }
    case "host":
      return {
        host: source.url,
        tlsDir: source.certPath ? resolve(cwd, source.certPath) : undefined,
        noTlsReason: "no --cert-path was given",
        origin: "--host",
      };
    case "context": {
      if (!options.dockerConfigDir)
        throw new Error("the Docker configuration folder is needed for --context");
      const context = await readDockerContext(source.name, options.dockerConfigDir);
      if (context.skipTlsVerify) {
        throw new UserError(
          "tls-skip-verify",
          `the Docker context "${source.name}" skips TLS verification; ambassador always verifies the server certificate, so fix the context first`,
        );
      }
      return {
        host: context.host,
        tlsDir: context.tlsDir,
        noTlsReason: `the Docker context "${source.name}" has no TLS material`,
        origin: `context ${source.name}`,
      };
    }
  }
}

async function readTls(dir: string, now: Date | undefined): Promise<TlsMaterial> {
  const material = await readTlsFolder(dir);
  checkTlsMaterial(
    material,
    { ca: join(dir, "ca.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") },
    now,
  );
  return material;
}

function defaultAdvertise(url: DockerUrl): string | undefined {
  return url.scheme === "unix" ? undefined : url.hostname;
}

/**
 * Applies every rule to a request without touching the store or the network: the name, the channels, the
 * URL, TLS required for any tcp:// host that is not loopback, and the TLS files (present, readable, key
 * matching the certificate, within their dates).
 */
export async function resolveClusterRequest(
  request: ClusterRequest,
  options: ResolveOptions = {},
): Promise<ClusterCandidate> {
  checkClusterName(request.name);
  const channels = [...new Set(request.channels ?? [])];
  checkChannels(channels);
  if (request.advertise !== undefined) checkAdvertise(request.advertise);
  const egress = request.egress?.length ? request.egress.map(checkEgress) : undefined;
  const located = await locate(request.source, options);
  const url = parseDockerUrl(located.host);
  let tls: TlsMaterial | undefined;
  if (url.scheme === "tcp") {
    if (located.tlsDir) tls = await readTls(located.tlsDir, options.now);
    else if (!isLoopback(url.hostname)) {
      throw new UserError(
        "tls-required",
        `${formatDockerUrl(url)} is not a loopback address, so it needs TLS with ca.pem, cert.pem and key.pem, but ${located.noTlsReason}`,
      );
    }
  } else if (located.tlsDir && request.source.kind === "host") {
    throw new UserError(
      "tls-not-applicable",
      `--cert-path applies to tcp:// hosts only, not ${url.scheme}://`,
    );
  }
  const advertise = request.advertise ?? defaultAdvertise(url);
  if (!advertise) {
    throw new UserError(
      "advertise-required",
      `${formatDockerUrl(url)} has no network address; add --advertise <ip or hostname> that other hosts use to reach its published ports`,
    );
  }
  return {
    name: request.name,
    host: formatDockerUrl(url, tls !== undefined),
    tls,
    advertise,
    channels,
    egress,
  };
}

/**
 * Connects to a candidate with a fresh client (never the process's DOCKER_* variables) within the deadline;
 * an ssh:// host's key must be in `knownHostsFile` (default ~/.ssh/known_hosts).
 */
export function verifyCluster(
  candidate: ClusterCandidate,
  timeoutMs: number,
  knownHostsFile?: string,
): Promise<DockerPing> {
  const docker = createDockerClient(
    { host: candidate.host, tls: candidate.tls },
    { timeoutMs, knownHostsFile },
  );
  return pingDocker(docker, candidate.host, candidate.name, timeoutMs);
}

/** What preparing a cluster needs: where to read from, and how to connect before saving. */
export interface PrepareOptions extends ResolveOptions {
  /** Deadline for the connection made before saving; default 5 s. */
  connectTimeoutMs?: number;
  /** Where ssh:// host keys are checked; default ~/.ssh/known_hosts. */
  knownHostsFile?: string;
}

/** A cluster whose files were read and checked and whose Engine answered: ready to be saved. */
export interface PreparedCluster {
  candidate: ClusterCandidate;
  ping: DockerPing;
}

/**
 * The part of `clusters add` that needs no store: checks every rule, reads the credentials files and connects
 * to the Engine. Run it before taking the store's lock, so a slow file or host never holds the store.
 */
export async function prepareCluster(
  request: ClusterRequest,
  options: PrepareOptions = {},
): Promise<PreparedCluster> {
  const candidate = await resolveClusterRequest(request, options);
  const ping = await verifyCluster(candidate, options.connectTimeoutMs ?? 5_000, options.knownHostsFile);
  return { candidate, ping };
}

export interface RegisterOptions extends PrepareOptions {
  registry: ClusterRegistry;
  actor: Actor;
}

/** `clusters add`: checks every rule, connects to the Engine, and only then saves (sealed, audited). */
export async function registerCluster(
  request: ClusterRequest,
  options: RegisterOptions,
): Promise<{ record: ClusterRecord; ping: DockerPing }> {
  checkClusterName(request.name);
  if (options.registry.get(request.name)) {
    throw new UserError(
      "cluster-exists",
      `a cluster named "${request.name}" is already registered; remove it first (ambassador clusters remove ${request.name})`,
    );
  }
  const { candidate, ping } = await prepareCluster(request, options);
  const record = await options.registry.add(candidate, options.actor);
  return { record, ping };
}
