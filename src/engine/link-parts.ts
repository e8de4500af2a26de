import { isIP } from "node:net";
import type Docker from "dockerode";
import { DockerCallError, type DockerHost } from "../docker/docker-host.js";
import { cidrsWithout } from "../domain/cidr.js";
import type { LinkResource, ResourceRole } from "../domain/link.js";
import type { LinkCredentials } from "../domain/pki.js";
import { type AmbassadorLauncher, type AmbassadorSpec, speaksHandshake } from "./ambassador-launcher.js";
import { createUniquelyNamed, portTaken } from "./ambassador-runner.js";
import type { Attempt } from "./attempt.js";
import { consumerStopped } from "./consumer-stopped.js";
import { anyEphemeral, otherHostPorts } from "./host-ports.js";
import { type ImageCheck, webImageFix } from "./image-check.js";
import { admitsOnlyContainersOnItsNetwork, linkIdOf, linkLabels, servesReplacedContainer } from "./labels.js";
import {
  admitsOnlyItsNetwork,
  type LinkPlan,
  type LivePart,
  networkNames,
  sourceDockerLinked,
} from "./link-plan.js";
import { connectionsOf, envName, linkEnvironment, publishedPorts, targetEnvironment } from "./mappings.js";
import { leftBehind, namespaceOwner } from "./namespace-owner.js";
import { once } from "./once.js";
import { tlsArchive, tlsDeliveryFor } from "./tls-files.js";
import type { AmbassadorMode, Connection, PortMapping, RepairedPart } from "./types.js";

/** A container of the link as it stands after the build: kept or made anew. */
export interface PartContainer {
  id: string;
  name: string;
  mode?: AmbassadorMode;
  /** False for an ambassador whose image knows nothing of our handshake, nor of admission; unknown for a kept one. */
  handshake?: boolean;
  /** What a new ambassador warned of as it started: a destination that answered no connection. */
  warnings?: string[];
}

/** Who a source ambassador admits: any address when its image knows nothing of our handshake, else the targets. */
export function admitsOf(source: PartContainer): "targets" | "any" {
  return source.handshake === false ? "any" : "targets";
}

/** A link being made or mended: the plan, the attempt, and what the parts so far gave. */
export interface Build {
  plan: LinkPlan;
  attempt: Attempt;
  launcher: AmbassadorLauncher;
  images: ImageCheck;
  /** This link's certificates, issued once per attempt when a TLS ambassador is made. */
  credentials: () => Promise<LinkCredentials>;
  /** Parts made by this attempt, and why. */
  remade: Map<ResourceRole, RepairedPart>;
  /** Parts this attempt makes anew, from the moment it starts making them: what depends on them is made anew too. */
  renewing: Set<ResourceRole>;
  containers: Partial<Record<"source" | "target" | "web", PartContainer>>;
  connections: Connection[];
  sourceMappings: PortMapping[];
  webMappings: PortMapping[];
  /** Host ports published on the source cluster now, read once per attempt. */
  usedHostPorts: () => Promise<Set<number>>;
  /** Host ports published on this build's target cluster now, read once per attempt (for the consumer's). */
  usedTargetPorts?: () => Promise<Set<number>>;
  /** The source container joined the source network: the source ambassador starts after it. */
  appJoined?: Promise<void>;
  /** Called with where the source ambassador is to listen, once its host ports are chosen and before it is made. */
  onSourcePlanned?: (connections: Connection[]) => void;
  /** Called when the source ambassador runs with its ports published, before it reports that it forwards. */
  onSourceStarted?: (container: PartContainer) => void;
  /** Called when the consumer this attempt makes is created, before it starts. */
  onWebCreated?: (container: PartContainer) => void;
  /**
   * The consumer this attempt makes, created and still starting, and when it runs: a target ambassador that joins its
   * network namespace is made meanwhile and started after it.
   */
  webStarting?: { created: PartContainer; running: Promise<unknown> };
}

/** One part of a link: how to tell whether it must be made, and how to make it. */
export interface LinkPart {
  role: ResourceRole;
  /** Why the part must be made now; undefined when it is there and current, or not part of this link. */
  needs(build: Build): string | undefined;
  make(build: Build): Promise<{ name: string; kind: LinkResource["kind"] }>;
}

/** The host's advertise address when it is an IP address of its own to publish on; else every address. */
function hostAddress(on: DockerHost): string | undefined {
  return isIP(on.advertise) ? on.advertise : undefined;
}

const labels = (build: Build, role: ResourceRole) =>
  linkLabels({
    linkId: build.plan.id,
    role,
    actor: build.plan.actor,
    channel: build.plan.channel,
    container: build.plan.app.name,
    store: build.plan.store,
    clusters: [build.plan.source.name, ...build.plan.targets.map((target) => target.host.name)],
    containerId: role === "source" ? build.plan.app.id : undefined,
    admits: role === "target" && admitsOnlyItsNetwork(build.plan) ? "network" : undefined,
  });

/** Missing or stopped, else the first dependency that was made anew. */
function containerNeeds(
  build: Build,
  role: ResourceRole,
  ...after: [ResourceRole, string][]
): string | undefined {
  const live = build.plan.live[role];
  if (live?.state !== "running") return live?.state ?? "missing";
  return after.find(([dependency]) => build.renewing.has(dependency))?.[1];
}

function networkPart(role: "source-network" | "target-network", side: "source" | "target"): LinkPart {
  return {
    role,
    needs: (build) =>
      networkNames(build.plan)[side] && build.plan.live[role]?.state !== "running" ? "missing" : undefined,
    async make(build) {
      const on = build.plan[side];
      const name = networkNames(build.plan)[side] as string;
      await build.attempt.step(`create ${side} network`, on.name, async () => {
        const id = await on.createNetwork(name, labels(build, role));
        build.attempt.track({ cluster: on.name, kind: "network", role, id, name });
      });
      return { name, kind: "network" };
    },
  };
}

/** A part that joins a container the bot did not make to the link's network on one side, and nothing more. */
function joinPart(
  role: "connection" | "consumer",
  side: "source" | "target",
  step: string,
  joining: (build: Build) => { id: string; name: string; networks: string[] } | undefined,
): LinkPart {
  return {
    role,
    needs(build) {
      const network = networkNames(build.plan)[side];
      const container = joining(build);
      if (!container || !network) return undefined;
      const connected = container.networks.includes(network) && !build.renewing.has(`${side}-network`);
      return connected ? undefined : `not on ${network}`;
    },
    async make(build) {
      const host = build.plan[side];
      const container = joining(build) as { id: string; name: string };
      const network = networkNames(build.plan)[side] as string;
      await build.attempt.step(step, host.name, async () => {
        await host.connectNetwork(network, container.id);
        build.attempt.track({
          cluster: host.name,
          kind: "connection",
          role,
          id: container.id,
          name: container.name,
          network,
        });
      });
      return { name: container.name, kind: "connection" };
    },
  };
}

const connectionPart = joinPart("connection", "source", "connect container", (build) => build.plan.app);

/** What makes an ambassador speak mTLS: its role, the peer it requires, and its private files, given as it is made. */
async function tlsSpec(
  build: Build,
  side: "source" | "target",
  image: Docker.ImageInspectInfo,
): Promise<Partial<AmbassadorSpec>> {
  const credentials = await build.credentials();
  const host = build.plan[side];
  // The source accepts every target's certificate; a target, the source's only.
  const peer =
    side === "source"
      ? build.plan.targets.flatMap((t) => (t.certificate ? [t.certificate] : [])).join(",")
      : credentials.sourceName;
  const pair = side === "source" ? credentials.source : credentials.targets.get(build.plan.certificate ?? "");
  if (!pair) throw new Error(`no certificate was issued for the target on ${host.name}`);
  const archive = await tlsArchive(credentials.ca, pair);
  const delivery = tlsDeliveryFor(image);
  return {
    env: [
      `AMBASSADOR_TLS_ROLE=${side === "source" ? "server" : "client"}`,
      `AMBASSADOR_TLS_PEER=${peer}`,
      ...delivery.env,
    ],
    stdin: delivery.stdin,
    prepare: (container) => delivery.give(host, container, archive, build.attempt.signal),
  };
}

/** The consumer a target ambassador was made to join was made again (for a host port taken meanwhile). */
class ConsumerReplaced extends Error {}

/**
 * Checks the image, then runs one side's ambassador: mTLS, or the plaintext mode the plan asks for. `again` is the
 * spec to run it with when the consumer it was made to join was replaced before it could start.
 */
async function startAmbassador(
  build: Build,
  side: "source" | "target",
  spec: Omit<AmbassadorSpec, "host">,
  again?: () => Omit<AmbassadorSpec, "host">,
): Promise<{ name: string; kind: "container" }> {
  const host = build.plan[side];
  const [found] = await build.images.ensure(host, [{ image: build.launcher.image, what: "ambassador" }]);
  const image = found as Docker.ImageInspectInfo;
  const tls = build.plan.protection === "mtls" ? await tlsSpec(build, side, image) : {};
  const mode = build.plan.protection === "mtls" ? "tls" : build.plan.mode;
  const launch = (wanted: Omit<AmbassadorSpec, "host">) =>
    build.launcher.launch(
      { ...wanted, ...tls, env: [...wanted.env, ...(tls.env ?? [])], host },
      labels(build, side),
      mode,
      build.attempt,
      side,
      image,
    );
  let joined = namespaceOwner(spec.networkMode);
  const started = await build.attempt.step(`start ${side} ambassador`, host.name, async () => {
    try {
      return await launch(spec).catch((error: unknown) => {
        if (!(error instanceof ConsumerReplaced && again)) throw error;
        const other = again();
        joined = namespaceOwner(other.networkMode);
        return launch(other);
      });
    } catch (error) {
      if (side === "source" && error instanceof DockerCallError && dockerLinkRefused.test(error.reason))
        throw sourceStopped(error, build.plan.app.name, host.name);
      // In the namespace of a consumer this attempt made: one that stopped as it started is named, with its last words.
      const made = joined !== undefined && build.attempt.created.some((r) => r.id === joined);
      throw (made && (await consumerStopped(host, joined, error))) || error;
    }
  });
  build.containers[side] = started;
  return { name: started.name, kind: "container" };
}

/** Docker's refusal to start a container Docker-linked to one that does not run. */
const dockerLinkRefused = /cannot link to a non running container/i;

/** The source ambassador's start refused as the container it serves stopped meanwhile (restarted, say): what to do. */
function sourceStopped(error: DockerCallError, name: string, cluster: string): DockerCallError {
  const reason = `${name} on ${cluster} stopped or restarted while this ran, and Docker starts an ambassador linked to a running container only; once ${name} runs (docker start ${name}, if it is stopped), run it again`;
  return new DockerCallError(error.cluster, error.action, error.context, reason, error.statusCode, {
    cause: error,
  });
}

/** The value of `name` in a container's environment. */
function envValue(env: readonly string[], name: string): string | undefined {
  return env.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
}

function sameList(value: string | undefined, wanted: readonly string[]): boolean {
  const listed = new Set(value?.split(",").filter(Boolean) ?? []);
  return (
    value !== undefined && listed.size === new Set(wanted).size && wanted.every((each) => listed.has(each))
  );
}

/**
 * A source ambassador that admits, or takes the certificate of, other targets than the link's now: one of a target
 * since removed (a `teardown --target` whose remaking of the source was cut short), or of a target cluster whose
 * egress addresses changed.
 */
function staleSource(build: Build): boolean {
  const env = build.plan.live.source?.info?.Config.Env;
  if (!env) return false;
  const peers = build.plan.targets.flatMap((target) => (target.certificate ? [target.certificate] : []));
  const peersChanged =
    build.plan.protection === "mtls" && !sameList(envValue(env, "AMBASSADOR_TLS_PEER"), peers);
  return peersChanged || !sameList(envValue(env, "AMBASSADOR_ADMIT"), build.plan.admit);
}

/**
 * A source ambassador of ours made without NET_ADMIN, by an older version: a host it does not admit reaches its port,
 * where HAProxy or socat closes the connection once made, instead of the kernel refusing its first packet.
 */
function openToOthers(build: Build): boolean {
  const info = build.plan.live.source?.info;
  return (
    info !== undefined &&
    build.plan.admit.length > 0 &&
    speaksHandshake(info.Config) &&
    !(info.HostConfig.CapAdd ?? []).includes("NET_ADMIN")
  );
}

/** A source ambassador Docker-linked to the container the link serves as it was before a `docker rm` and `run`. */
function linkedToReplaced(build: Build): boolean {
  const live = build.plan.live.source?.info;
  return (
    live !== undefined &&
    sourceDockerLinked(build.plan) &&
    servesReplacedContainer(live.Config.Labels, build.plan.app.id)
  );
}

const sourcePart: LinkPart = {
  role: "source",
  needs: (build) =>
    containerNeeds(build, "source", ["source-network", "its network was recreated"]) ??
    (staleSource(build) ? "it admits other targets than the link's" : undefined) ??
    (openToOthers(build) ? "its port was open to hosts it does not admit" : undefined) ??
    (linkedToReplaced(build)
      ? `${build.plan.app.name} was replaced by a new container of that name`
      : undefined) ??
    (build.plan.pathProblem ? `the path through the link failed (${build.plan.pathProblem})` : undefined),
  async make(build) {
    const { source, app, alias, ports } = build.plan;
    const network = networkNames(build.plan).source;
    const publish = choosePorts(ports, build.plan.hostPorts, await build.usedHostPorts());
    // Only an mTLS target may start before the port is certain: if another link's source ambassador, or a process
    // outside Docker, holds it, the peer's certificate name is refused and no byte reaches the wrong service.
    if (build.plan.wiring !== "legacy-links" && build.plan.protection === "mtls") {
      build.onSourcePlanned?.(
        ports.map((port) => ({ port, address: `${source.advertise}:${publish.get(port)}` })),
      );
    }
    return startAmbassador(build, "source", {
      baseName: `${app.name}-ambassador`,
      env: [
        ...ports.map(
          (port) => `${envName(alias)}_PORT_${port}_TCP=tcp://${network ? app.name : alias}:${port}`,
        ),
        `AMBASSADOR_ADMIT=${build.plan.admit.join(",")}`,
        "AMBASSADOR_CHECK_DESTINATIONS=1",
      ],
      ports,
      publish,
      publishIp: hostAddress(source),
      beforeStart: async () => build.appJoined,
      // So that a host it does not admit is refused by the kernel, before HAProxy answers it.
      netAdmin: build.plan.admit.length > 0,
      networkMode: network,
      links: network ? undefined : [`${app.name}:${alias}`],
      onStarted: (container) => build.onSourceStarted?.(container),
    });
  },
};

/**
 * Whether a listed container's host ports are free for the parts the attempt makes: it is one the attempt removes
 * before it makes anything (what an interrupted link left), or one of this link's own parts that does not run, which
 * holds no port and which a repair replaces (Docker still lists the ports of one a killed daemon left exited).
 */
export function portsFreedFor(
  plan: Pick<LinkPlan, "id" | "interrupted">,
): (container: Pick<Docker.ContainerInfo, "Labels" | "State">) => boolean {
  return (container) =>
    plan.interrupted?.(container.Labels) === true ||
    (container.State !== "running" && linkIdOf(container.Labels) === plan.id);
}

/** Host ports published on `host` now, by any container but those whose ports are `freed`. */
export async function usedHostPorts(
  host: DockerHost,
  attempt: Attempt,
  freed: (container: Pick<Docker.ContainerInfo, "Labels" | "State">) => boolean,
): Promise<Set<number>> {
  return attempt.step(
    "read used host ports",
    host.name,
    async (signal) => {
      const containers = (await host.listContainers([], { signal })).filter((c) => !freed(c));
      return new Set(containers.flatMap((c) => c.Ports.flatMap((p) => (p.PublicPort ? [p.PublicPort] : []))));
    },
    { makesNothing: true },
  );
}

/**
 * A host port for each carried port, known before the ambassador is made so the targets need not wait for it: the
 * one it had, else the same number as the container's, else a free one from Docker's own range.
 */
function choosePorts(
  ports: readonly number[],
  had: ReadonlyMap<number, number> | undefined,
  used: ReadonlySet<number>,
  /** Not the container's own number (a consumer's 80 is no port to take on a host): one from Docker's range. */
  options: { anyNumber?: boolean } = {},
): Map<number, string> {
  const taken = new Set(used);
  const chosen = new Map<number, string>();
  for (const port of ports) {
    let hostPort = had?.get(port) ?? (options.anyNumber ? anyEphemeral() : port);
    while (taken.has(hostPort)) hostPort = anyEphemeral();
    taken.add(hostPort);
    chosen.set(port, String(hostPort));
  }
  return chosen;
}

/**
 * Where the source ambassador listens now, read back from Docker as `docker port` does. When the read fails, it
 * first waits for `sourceSide`: an ambassador that stopped right after it started says why in its own step.
 */
export async function readConnections(build: Build, sourceSide?: Promise<unknown>): Promise<void> {
  const { source, ports } = build.plan;
  const ambassador = build.containers.source;
  if (!ambassador) throw new Error("the link records no source ambassador");
  await build.attempt.step(
    "read connection information",
    source.name,
    async (signal) => {
      try {
        build.sourceMappings = await publishedPorts(source, ambassador, signal);
        build.connections = connectionsOf(source, ambassador.name, ports, build.sourceMappings);
      } catch (error) {
        await sourceSide;
        throw error;
      }
    },
    { makesNothing: true },
  );
}

function staleTarget(build: Build): boolean {
  const env = build.plan.live.target?.info?.Config.Env ?? [];
  return targetEnvironment(build.plan.alias, build.connections).some((entry) => !env.includes(entry));
}

/**
 * Who may reach an mTLS target ambassador on its network: every address there but the gateway's, which is the
 * target host's own, where any of its processes would otherwise reach the link. A network Docker gave no IPv4
 * subnet and gateway is refused: the ambassador would admit every process of the host.
 */
async function networkPeers(build: Build, network: string): Promise<string[]> {
  const { target } = build.plan;
  const info = await build.attempt.step(
    "read target network",
    target.name,
    (signal) => target.inspectNetwork(network, { signal }),
    { makesNothing: true },
  );
  const ipv4 = info?.IPAM?.Config?.find(
    (config) => config.Subnet && config.Gateway && !config.Subnet.includes(":"),
  );
  const peers = ipv4?.Subnet && ipv4.Gateway ? cidrsWithout(ipv4.Subnet, ipv4.Gateway) : undefined;
  if (!peers?.length) {
    throw new Error(
      `Docker gave the link's network ${network} on ${target.name} no IPv4 subnet and gateway, so the target ambassador could not tell the containers on it from the host's own processes`,
    );
  }
  return peers;
}

/** An mTLS target ambassador on a network of the link's, made by an older version, that admits any address. */
function openOnItsNetwork(build: Build): boolean {
  const { plan } = build;
  const live = plan.live.target?.info;
  return (
    live !== undefined && admitsOnlyItsNetwork(plan) && !admitsOnlyContainersOnItsNetwork(live.Config.Labels)
  );
}

/** The loopback address a consumer reaches the alias on, with its target ambassador in its network namespace. */
const consumerAddress = "127.0.0.2";

/**
 * A target ambassador in its consumer's network namespace, where the consumer's /etc/hosts names the alias
 * `consumerAddress`: the ambassador redirects the consumer's connections there to itself (NET_ADMIN).
 */
function sharedSpec(web: PartContainer | undefined): Partial<AmbassadorSpec> {
  if (!web) throw new Error("the target ambassador of a shared link is made after its consumer");
  return {
    env: [`AMBASSADOR_CONSUMER_ADDRESS=${consumerAddress}`],
    netAdmin: true,
    networkMode: `container:${web.id}`,
  };
}

/**
 * A target ambassador in its consumer's network namespace that started before the consumer last did: Docker gave the
 * consumer a new namespace then, and the ambassador is left in the old one, which reaches nothing.
 */
function outlivedByConsumer(build: Build): boolean {
  const { web, target } = build.plan.live;
  return build.plan.wiring === "shared" && target?.info !== undefined && leftBehind(target.info, web?.info);
}

const targetPart: LinkPart = {
  role: "target",
  needs: (build) =>
    containerNeeds(
      build,
      "target",
      ["target-network", "its network was recreated"],
      ...(build.plan.wiring === "shared"
        ? [["web", "its consumer was recreated"] as [ResourceRole, string]]
        : []),
    ) ??
    (outlivedByConsumer(build) ? "its consumer restarted, and with it the network namespace" : undefined) ??
    (staleTarget(build) ? "stale connection information" : undefined) ??
    (openOnItsNetwork(build)
      ? "it admitted its host's processes, not only the containers on its network"
      : undefined),
  async make(build) {
    const { app, alias, target } = build.plan;
    const network = networkNames(build.plan).target;
    const spec = (shared: Partial<AmbassadorSpec>): Omit<AmbassadorSpec, "host"> => ({
      baseName: `${app.name}-ambassador`,
      networkMode: network,
      networkAliases: network ? [alias] : undefined,
      ...shared,
      env: [...targetEnvironment(alias, build.connections), ...(shared.env ?? [])],
      ports: build.connections.map((c) => c.port),
    });
    if (build.plan.wiring !== "shared") {
      const peers = admitsOnlyItsNetwork(build.plan)
        ? await networkPeers(build, network as string)
        : undefined;
      return startAmbassador(
        build,
        "target",
        spec(peers ? { env: [`AMBASSADOR_ADMIT=${peers.join(",")}`], netAdmin: true } : {}),
      );
    }
    // Two ambassadors in one namespace would both listen on its inner ports and share the consumer's connections:
    // the stale one there goes once the new one is made and given its files, just before it starts.
    const stale = build.plan.live.target;
    const removeStale = once(async () => {
      if (!stale?.info || stale.state !== "running") return;
      const { Id } = stale.info;
      await build.attempt.step("remove stale target ambassador", target.name, async () => {
        await target.removeContainer(Id, stale.resource.name);
        build.attempt.lose(stale.resource);
      });
    });
    const starting = build.containers.web ? undefined : build.webStarting;
    if (!starting) {
      return startAmbassador(build, "target", {
        ...spec(sharedSpec(build.containers.web)),
        beforeStart: removeStale,
      });
    }
    // Made and given its files while the consumer starts; started once the consumer runs, in its namespace.
    const { created, running } = starting;
    const beforeStart = async () => {
      await running;
      if (build.containers.web?.id !== created.id) throw new ConsumerReplaced();
      await removeStale();
    };
    return startAmbassador(build, "target", { ...spec(sharedSpec(created)), beforeStart }, () => ({
      ...spec(sharedSpec(build.containers.web)),
      beforeStart: removeStale,
    }));
  },
};

/**
 * How the consumer is wired: on the target network; or linked to the target ambassador (legacy links); or, shared,
 * on the default bridge with the alias naming `consumerAddress` in its /etc/hosts, where its target ambassador,
 * which joins its network namespace, takes the connections.
 */
function webNetworking(build: Build): Docker.HostConfig {
  const { plan } = build;
  const network = networkNames(plan).target;
  const target = build.containers.target;
  return {
    NetworkMode: network,
    Links: plan.wiring === "legacy-links" && target ? [`${target.name}:${plan.alias}`] : undefined,
    ExtraHosts: plan.wiring === "shared" ? [`${plan.alias}:${consumerAddress}`] : undefined,
  };
}

/** Starts of a consumer tried on other host ports before a taken port is reported. */
const webPortTries = 4;

const webPart: LinkPart = {
  role: "web",
  needs: (build) =>
    build.plan.web
      ? containerNeeds(
          build,
          "web",
          ["target-network", "its network was recreated"],
          ...(build.plan.wiring === "legacy-links"
            ? [["target", "its target ambassador was recreated"] as [ResourceRole, string]]
            : []),
        )
      : undefined,
  async make(build) {
    const { target, alias, ports } = build.plan;
    const web = build.plan.web as { image: string; base: string };
    const [[image], used] = await Promise.all([
      build.images.ensure(target, [{ image: web.image, what: "web", fix: webImageFix }]),
      build.usedTargetPorts?.() ?? new Set<number>(),
    ]);
    const exposed = Object.keys(image?.Config.ExposedPorts ?? {});
    const tcp = (key: string) => (key.endsWith("/tcp") ? Number(key.split("/")[0]) : undefined);
    const address = hostAddress(target);
    // TCP host ports of its own from Docker's range, chosen now rather than by Docker at each start, so its URL
    // outlives a restart of the consumer or of Docker; the ones a consumer made before had, when they are free.
    const chosen = choosePorts(
      exposed.flatMap((key) => tcp(key) ?? []),
      hostPortsOf(build.plan.live.web),
      used,
      { anyNumber: true },
    );
    const networking = webNetworking(build);
    const spec = (hostPorts: ReadonlyMap<number, string>): Docker.ContainerCreateOptions => ({
      Image: web.image,
      Env: build.plan.wiring === "legacy-links" ? undefined : linkEnvironment(alias, ports),
      Labels: labels(build, "web"),
      HostConfig: {
        PortBindings: Object.fromEntries(
          exposed.map((key) => {
            const port = tcp(key);
            return [
              key,
              [{ HostIp: address, HostPort: port === undefined ? "" : (hostPorts.get(port) ?? "") }],
            ];
          }),
        ),
        RestartPolicy: { Name: "unless-stopped" },
        ...networking,
      },
    });
    const made = await build.attempt.step("start web", target.name, async (signal) => {
      // A port taken since the listing (by a process outside Docker, say): others from Docker's range, still chosen
      // here, so the URL stays when the consumer or Docker restarts.
      const tried = new Set([...used, ...[...chosen.values()].map(Number)]);
      for (let portTry = 1; ; portTry++) {
        const asked = portTry === 1 ? chosen : otherHostPorts([...chosen.keys()], tried);
        const track = (c: { id: string; name: string }) =>
          build.attempt.track({
            cluster: target.name,
            kind: "container",
            role: "web",
            id: c.id,
            name: c.name,
            hostPorts: asked.size
              ? Object.fromEntries([...asked].map(([port, hostPort]) => [port, Number(hostPort)]))
              : undefined,
          });
        const created = await createUniquelyNamed(target, web.base, spec(asked), track, signal);
        build.onWebCreated?.(created);
        try {
          await target.startContainer(created.id, created.name);
          return created;
        } catch (error) {
          const taken = error instanceof DockerCallError && portTaken.test(error.reason);
          if (!taken || asked.size === 0 || portTry >= webPortTries) throw error;
          await target.removeContainer(created.id, created.name);
          build.attempt.untrack(target.name, created.id);
        }
      }
    });
    build.containers.web = made;
    return { name: made.name, kind: "container" };
  },
};

/**
 * The host port a consumer asked for each TCP port it publishes: the live one's, else what the link recorded when it
 * made the one that is gone.
 */
function hostPortsOf(live: LivePart | undefined): Map<number, number> {
  const had = new Map<number, number>(
    Object.entries(live?.resource.hostPorts ?? {}).map(([port, hostPort]) => [Number(port), hostPort]),
  );
  for (const [key, bindings] of Object.entries(live?.info?.HostConfig.PortBindings ?? {})) {
    const hostPort = Number((bindings as { HostPort?: string }[] | null)?.[0]?.HostPort);
    if (key.endsWith("/tcp") && hostPort > 0) had.set(Number(key.split("/")[0]), hostPort);
  }
  return had;
}

/** A consumer that already runs joins the target network, where the alias names the target ambassador. */
const consumerPart = joinPart("consumer", "target", "connect consumer", (build) => build.plan.consumer);

/** The parts of a link, in the order they are made. */
export const linkParts = {
  sourceNetwork: networkPart("source-network", "source"),
  connection: connectionPart,
  source: sourcePart,
  targetNetwork: networkPart("target-network", "target"),
  target: targetPart,
  web: webPart,
  consumer: consumerPart,
} as const;

/** The host a part lives on. */
export function hostOfPart(build: Build, role: ResourceRole): DockerHost {
  return role === "source" || role === "source-network" || role === "connection"
    ? build.plan.source
    : build.plan.target;
}
