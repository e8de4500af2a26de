import type { LinkResource } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import type { AmbassadorLauncher } from "./ambassador-launcher.js";
import type { Attempt } from "./attempt.js";
import { createImageCheck, type ImageCheck } from "./image-check.js";
import { type Build, hostOfPart, type LinkPart, linkParts, readConnections } from "./link-parts.js";
import type { LinkPlan } from "./link-plan.js";
import { publishedPorts } from "./mappings.js";

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

/**
 * Makes every part of the link the plan says is missing or stale, in order: the source side beside the target
 * network, then the target ambassador beside the consumer (after it, with legacy links, which name it).
 */
export async function buildLink(
  plan: LinkPlan,
  attempt: Attempt,
  launcher: AmbassadorLauncher,
  authority: LinkAuthority,
  /** Runs first: a new link checks every image it needs before it makes anything. */
  prepare?: (images: ImageCheck) => Promise<unknown>,
): Promise<Build> {
  const build: Build = {
    plan,
    attempt,
    launcher,
    images: createImageCheck(attempt),
    credentials: once(() => authority.issue(plan.id)),
    remade: new Map(),
    containers: {},
    connections: [],
    sourceMappings: [],
    webMappings: [],
  };
  await prepare?.(build.images);
  // The certificates are made while the networks are.
  if (plan.protection === "mtls") build.credentials().catch(() => undefined);
  const sourceStarted = new Promise<void>((resolve) => {
    build.onSourceStarted = (container) => {
      build.containers.source = container;
      resolve();
    };
  });
  const sourceSide = (async () => {
    await ensure(build, linkParts.sourceNetwork);
    await ensure(build, linkParts.connection);
    await ensure(build, linkParts.source);
  })();
  const targetNetwork = ensure(build, linkParts.targetNetwork);
  // The target needs only where the source ambassador publishes, which Docker knows once it runs: the target
  // side is made while the source ambassador is still getting ready.
  const targetSide = (async () => {
    await Promise.race([sourceStarted, sourceSide]);
    await readConnections(build);
    await targetNetwork;
    await ensure(build, linkParts.target);
  })();
  const webSide = (async () => {
    await targetNetwork;
    if (plan.wiring === "legacy-links") await targetSide;
    await ensure(build, linkParts.web);
  })();
  // A consumer that already runs only joins the target network (never with legacy links, which it cannot have).
  const consumerSide = (async () => {
    await targetNetwork;
    await ensure(build, linkParts.consumer);
  })();
  await attempt.all([sourceSide, targetNetwork, targetSide, webSide, consumerSide]);
  const web = build.containers.web ?? plan.consumer;
  if (web) {
    build.webMappings = await attempt.step("read web ports", plan.target.name, (signal) =>
      publishedPorts(plan.target, web, signal),
    );
  }
  return build;
}

/** The stored parts a build made anew, which the record drops for the new ones. */
export function replacedParts(build: Build): LinkResource[] {
  return Object.values(build.plan.live).flatMap((live) =>
    live && build.remade.has(live.resource.role) ? [live.resource] : [],
  );
}
