import type { LinkResource } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import type { AmbassadorLauncher } from "./ambassador-launcher.js";
import type { Attempt } from "./attempt.js";
import { createImageCheck, type ImageCheck } from "./image-check.js";
import { type Build, hostOfPart, type LinkPart, linkParts, readConnections } from "./link-parts.js";
import type { LinkPlan } from "./link-plan.js";
import { publishedPorts } from "./mappings.js";
import type { RepairedPart } from "./types.js";

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

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

/** One target's side of the link: its network, then its ambassador beside the consumer, then the consumer's ports. */
async function buildTarget(build: Build, source: Build, network: Promise<void>): Promise<void> {
  const { plan, attempt } = build;
  await network;
  build.connections = source.connections;
  build.containers.source = source.containers.source;
  if (plan.wiring === "networks") {
    await attempt.all([ensure(build, linkParts.target), ensure(build, linkParts.web)]);
  } else {
    await ensure(build, linkParts.target);
    await ensure(build, linkParts.web);
  }
  const web = build.containers.web;
  if (web) {
    build.webMappings = await attempt.step("read web ports", plan.target.name, (signal) =>
      publishedPorts(plan.target, web, signal),
    );
  }
}

/**
 * Makes every part of the link the plan says is missing or stale: the source side beside every target's network,
 * then each target's ambassador beside its consumer (after it, with legacy links, which name it), targets at once.
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
  const source: Build = {
    plan,
    attempt,
    launcher,
    images: createImageCheck(attempt),
    credentials: once(() => authority.issue(plan.id, certificates)),
    remade: new Map(),
    containers: {},
    connections: [],
    sourceMappings: [],
    webMappings: [],
  };
  await prepare?.(source.images);
  const targets = plan.targets.map(
    (target): Build => ({
      ...source,
      plan: { ...plan, target: target.host, certificate: target.certificate, live: target.live },
      remade: new Map(),
      containers: {},
    }),
  );
  const sourceSide = async () => {
    await ensure(source, linkParts.sourceNetwork);
    await ensure(source, linkParts.connection);
    await ensure(source, linkParts.source);
    await readConnections(source);
  };
  const sourceDone = sourceSide();
  const networks = targets.map((build) => ensure(build, linkParts.targetNetwork));
  await attempt.all([
    sourceDone,
    ...targets.map((build, i) =>
      buildTarget(
        build,
        source,
        attempt.all([sourceDone, networks[i] as Promise<void>]).then(() => undefined),
      ),
    ),
  ]);
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
