import type { LinkResource } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import type { AmbassadorLauncher } from "./ambassador-launcher.js";
import type { Attempt } from "./attempt.js";
import { createImageCheck, type ImageCheck } from "./image-check.js";
import {
  type Build,
  hostOfPart,
  type LinkPart,
  linkParts,
  portsFreedFor,
  readConnections,
  usedHostPorts,
} from "./link-parts.js";
import type { LinkPlan } from "./link-plan.js";
import { publishedPorts } from "./mappings.js";
import { once } from "./once.js";
import type { Connection, RepairedPart } from "./types.js";

/** Makes a part when it needs making; otherwise keeps the live one. */
async function ensure(build: Build, part: LinkPart): Promise<void> {
  const live = build.plan.live[part.role];
  const reason = part.needs(build);
  if (!reason) {
    if (live?.info && (part.role === "source" || part.role === "target" || part.role === "web")) {
      build.containers[part.role] = { id: live.info.Id, name: live.resource.name, mode: live.mode };
    }
    return;
  }
  build.renewing.add(part.role);
  const made = await part.make(build);
  build.remade.set(part.role, {
    cluster: hostOfPart(build, part.role).name,
    kind: made.kind,
    role: part.role,
    name: made.name,
    reason,
  });
}

/** A link built: its source side, and one build per target sharing the source's connection information. */
export interface LinkBuild {
  source: Build;
  targets: Build[];
}

/** Every part a build made anew, and why, source side first. */
export function remadeParts(built: LinkBuild): RepairedPart[] {
  return [built.source, ...built.targets].flatMap((build) => [...build.remade.values()]);
}

/**
 * One target's side of the link: its ambassador once the source's address is known, beside its consumer (after it,
 * with legacy links, which name it; before it when the ambassador runs in the consumer's network namespace), then
 * the consumer's ports.
 */
async function buildTarget(
  build: Build,
  source: Build,
  sourceAddress: Promise<void>,
  network: Promise<void>,
): Promise<void> {
  const { plan, attempt } = build;
  // Assigned below, before the consumer's side first resumes.
  let targetSide: Promise<void> = Promise.resolve();
  const webCreated = new Promise<void>((resolve) => {
    build.onWebCreated = (container) => {
      build.webStarting = { created: container, running: webSide };
      resolve();
    };
  });
  const webSide = (async () => {
    await network;
    if (plan.wiring === "legacy-links") await targetSide;
    await ensure(build, linkParts.web);
  })();
  targetSide = (async () => {
    // In the consumer's network namespace: made once the consumer exists (or is kept), started once it runs.
    const consumer = plan.wiring === "shared" ? [Promise.race([webSide, webCreated])] : [];
    await attempt.all([sourceAddress, network, ...consumer]);
    build.connections = source.connections;
    build.containers.source = source.containers.source;
    await ensure(build, linkParts.target);
  })();
  // A consumer that already runs only joins the target network (never with legacy links, which it cannot have).
  const consumerSide = (async () => {
    await network;
    await ensure(build, linkParts.consumer);
  })();
  // Where the consumer publishes is read as soon as it runs, while the target ambassador may still be starting.
  const webPorts = (async () => {
    await attempt.all([webSide, consumerSide]);
    const web = build.containers.web ?? plan.consumer;
    if (web) {
      build.webMappings = await attempt.step(
        "read web ports",
        plan.target.name,
        (signal) => publishedPorts(plan.target, web, signal),
        { makesNothing: true },
      );
    }
  })();
  await attempt.all([targetSide, webPorts]);
}

/**
 * Once Docker says where the source ambassador listens: a target ambassador made (or kept) for another address, as
 * when a process outside Docker held the chosen port, is made again for this one.
 */
async function followSourceAddress(build: Build, source: Build): Promise<void> {
  if (sameConnections(build.connections, source.connections)) return;
  const made = build.remade.has("target") ? build.containers.target : undefined;
  if (made) {
    await build.attempt.step("remove stale target ambassador", build.plan.target.name, async () => {
      await build.plan.target.removeContainer(made.id, made.name);
      build.attempt.untrack(build.plan.target.name, made.id);
    });
    build.remade.delete("target");
  }
  build.connections = source.connections;
  await ensure(build, linkParts.target);
}

function sameConnections(a: readonly Connection[], b: readonly Connection[]): boolean {
  return a.length === b.length && a.every((c, i) => c.port === b[i]?.port && c.address === b[i]?.address);
}

/**
 * Makes every part of the link the plan says is missing or stale: the source side beside every target's network,
 * then each target's side, targets at once. A new source ambassador's host ports are chosen before it is made, so
 * the targets are made beside it; a target made for a port the source could not have is made again.
 */
export async function buildLink(
  plan: LinkPlan,
  attempt: Attempt,
  launcher: AmbassadorLauncher,
  authority: LinkAuthority,
  /** Runs first: a new link checks every image it needs before it makes anything. */
  prepare?: (images: ImageCheck) => Promise<unknown>,
): Promise<LinkBuild> {
  const certificates = plan.targets.flatMap((t) => (t.certificate ? [t.certificate] : []));
  const freed = portsFreedFor(plan);
  const source: Build = {
    plan,
    attempt,
    launcher,
    images: createImageCheck(attempt),
    credentials: once(() => authority.issue(plan.id, certificates)),
    usedHostPorts: once(() => usedHostPorts(plan.source, attempt, freed)),
    remade: new Map(),
    renewing: new Set(),
    containers: {},
    connections: [],
    sourceMappings: [],
    webMappings: [],
  };
  // Read and made while the images are checked (and what an interrupted link left is cleared): the parts need them.
  if (plan.live.source?.state !== "running") source.usedHostPorts().catch(() => undefined);
  if (plan.protection === "mtls") source.credentials().catch(() => undefined);
  let planned = false;
  const sourcePlanned = new Promise<void>((resolve) => {
    source.onSourcePlanned = (connections) => {
      planned = true;
      source.connections = connections;
      resolve();
    };
  });
  const sourceStarted = new Promise<void>((resolve) => {
    source.onSourceStarted = (container) => {
      source.containers.source = container;
      resolve();
    };
  });
  const targets = plan.targets.map(
    (target): Build => ({
      ...source,
      plan: { ...plan, target: target.host, certificate: target.certificate, live: target.live },
      usedTargetPorts: once(() => usedHostPorts(target.host, attempt, freed)),
      remade: new Map(),
      renewing: new Set(),
      containers: {},
      onSourcePlanned: undefined,
      onSourceStarted: undefined,
    }),
  );
  for (const build of targets) {
    if (build.plan.web && build.plan.live.web?.state !== "running")
      build.usedTargetPorts?.().catch(() => undefined);
  }
  await prepare?.(source.images);
  const sourceDone = (async () => {
    await ensure(source, linkParts.sourceNetwork);
    // The ambassador is created while the source container joins the network, and starts once it has.
    source.appJoined = ensure(source, linkParts.connection);
    await attempt.all([source.appJoined, ensure(source, linkParts.source)]);
  })();
  // The targets need only where the source ambassador listens: chosen before it is made on an mTLS link, else read
  // from the one that runs (kept, plaintext, or made for legacy links, whose consumer names the target ambassador).
  const sourceAddress = (async () => {
    await Promise.race([sourcePlanned, sourceStarted, sourceDone]);
    if (!planned) await readConnections(source, sourceDone);
  })();
  // What Docker says the new source ambassador publishes, read as soon as it runs.
  const sourceRead = (async () => {
    await Promise.race([sourceStarted, sourceDone]);
    if (planned) await readConnections(source, sourceDone);
  })();
  const networks = targets.map((build) => ensure(build, linkParts.targetNetwork));
  await attempt.all([
    sourceDone,
    sourceAddress,
    sourceRead,
    ...networks,
    ...targets.map((build, i) => buildTarget(build, source, sourceAddress, networks[i] as Promise<void>)),
  ]);
  await attempt.all(targets.map((build) => followSourceAddress(build, source)));
  return { source, targets };
}

/** The stored parts a build made anew, which the record drops for the new ones. */
export function replacedParts(built: LinkBuild): LinkResource[] {
  return [built.source, ...built.targets].flatMap((build) =>
    Object.values(build.plan.live).flatMap((live) =>
      live && build.remade.has(live.resource.role) ? [live.resource] : [],
    ),
  );
}
