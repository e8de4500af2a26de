import { z } from "zod";
import { Actor } from "./actor.js";

export const ResourceRole = z.enum([
  "source",
  "target",
  "web",
  "source-network",
  "target-network",
  "connection",
  "consumer",
]);
export type ResourceRole = z.infer<typeof ResourceRole>;

/**
 * Something a link made on a host; a `connection` joins a container the bot did not make to a network it did (the
 * source container, or a `consumer` that already ran), and is undone by disconnecting it, never by removing it.
 */
export const LinkResource = z.object({
  cluster: z.string(),
  kind: z.enum(["container", "network", "connection"]),
  role: ResourceRole,
  id: z.string(),
  name: z.string(),
  /** For a connection: the network the container was connected to. */
  network: z.string().optional(),
  /** For a consumer the link started: the host port it asked for, by TCP port, so one made again keeps its URL. */
  hostPorts: z.record(z.string(), z.number().int()).optional(),
});
export type LinkResource = z.infer<typeof LinkResource>;

export const LinkStatus = z.enum(["active", "partial", "broken"]);
export type LinkStatus = z.infer<typeof LinkStatus>;

export const LinkHealth = z.object({
  state: z.enum(["healthy", "broken", "unknown"]),
  since: z.string(),
  lastCheck: z.string(),
  problems: z.array(z.string()),
});
export type LinkHealth = z.infer<typeof LinkHealth>;

/**
 * One cluster a link serves, and the common name its target ambassador's certificate carries (mTLS links); `leaving`
 * once a `teardown --target` of it removed only some of its parts, which the next one finishes.
 */
export const LinkTarget = z.object({
  cluster: z.string(),
  certificate: z.string().optional(),
  leaving: z.literal(true).optional(),
});
export type LinkTarget = z.infer<typeof LinkTarget>;

const linkFields = {
  id: z.string(),
  container: z.string(),
  alias: z.string(),
  sourceCluster: z.string(),
  /** The first of `targets`. */
  targetCluster: z.string(),
  ports: z.array(z.number().int()),
  /**
   * `networks`: the link's own network on each side; `shared`: none, the source ambassador linked to the source
   * container on the default bridge and the consumer in its target ambassador's network namespace; `legacy-links`:
   * Docker links on both sides, as the seed tutorial does.
   */
  wiring: z.enum(["networks", "shared", "legacy-links"]),
  /** host:port other hosts use to reach the source ambassador, one per port. */
  connections: z.array(z.object({ port: z.number().int(), address: z.string() })),
  /** The consumer `--web` started: its image, its name, and the name asked for when a container held it then. */
  web: z.object({ image: z.string(), name: z.string(), asked: z.string().optional() }).optional(),
  /** A container that already ran on the target cluster, connected to the link's target network (`--consumer`). */
  consumer: z.object({ name: z.string() }).optional(),
  modes: z.object({ source: z.string(), target: z.string() }).optional(),
  /** `mtls` between the ambassadors, or `plaintext` (admitted from the target only); absent on older links. */
  protection: z.enum(["mtls", "plaintext"]).optional(),
  /**
   * Who may reach the source ambassador's port: the targets' egress addresses, or any address when its image knows
   * nothing of admission (the seed's); absent on older links, which are taken to admit the targets only.
   */
  admits: z.enum(["targets", "any"]).optional(),
  status: LinkStatus,
  resources: z.array(LinkResource),
  createdAt: z.string(),
  createdBy: Actor,
  channel: z.string().optional(),
  health: LinkHealth.optional(),
};

/** A link as stores before version 4 kept it: one target, `targetCluster`. */
export const SingleTargetLinkRecord = z.object(linkFields);
export type SingleTargetLinkRecord = z.infer<typeof SingleTargetLinkRecord>;

/**
 * A link: one source side serving every target, each target with its own ambassador, network, consumer and
 * certificate (its resources are those on its cluster).
 */
export const LinkRecord = z.object({ ...linkFields, targets: z.array(LinkTarget).min(1) });
export type LinkRecord = z.infer<typeof LinkRecord>;

/** The name asked for a link's consumer: its own, unless a container held that one when it was made. */
export function askedWebName(web: { name: string; asked?: string }): string {
  return web.asked ?? web.name;
}

/**
 * Whether a link's consumer is the one a `link` asks for by `base`: the name asked for, as recorded; a record saved
 * before it was (no `asked`) may carry `-2` after it, as when a container held the name.
 */
export function webAskedAs(web: { name: string; asked?: string }, base: string): boolean {
  if (web.asked !== undefined) return web.asked === base;
  return (
    web.name === base || (web.name.startsWith(`${base}-`) && /^\d+$/.test(web.name.slice(base.length + 1)))
  );
}

/** A consumer record under a new name, still saying which it was asked to have when that one differs. */
export function renamedWeb<T extends { name: string; asked?: string }>(web: T, name: string): T {
  const { asked: _asked, ...rest } = web;
  const asked = askedWebName(web);
  return { ...rest, name, ...(name !== asked ? { asked } : {}) } as T;
}

/** The clusters a link serves, in the order they were asked for. */
export function targetClusters(link: Pick<LinkRecord, "targets">): string[] {
  return link.targets.map((target) => target.cluster);
}

/** Whether two versions of a link name the same parts on the same hosts. */
export function sameParts(a: Pick<LinkRecord, "resources">, b: Pick<LinkRecord, "resources">): boolean {
  const parts = (link: Pick<LinkRecord, "resources">) =>
    link.resources.map((r) => `${r.cluster}/${r.kind}/${r.role}/${r.id}`).join("\n");
  return parts(a) === parts(b);
}

/** The target a `teardown --target` removed only in part, if any. */
export function leavingTarget(link: Pick<LinkRecord, "targets">): string | undefined {
  return link.targets.find((target) => target.leaving)?.cluster;
}

/**
 * Whether a teardown left the link, or one of its targets, partly done: it is not meant to work in full, so it is
 * neither checked nor returned for a new request, and only a teardown finishes it.
 */
export function partlyTornDown(link: Pick<LinkRecord, "status" | "targets">): boolean {
  return link.status === "partial" || leavingTarget(link) !== undefined;
}

/** Every cluster a link touches: its source, then its targets. */
export function linkClusters(link: Pick<LinkRecord, "sourceCluster" | "targets">): string[] {
  return [link.sourceCluster, ...targetClusters(link)];
}

/** Where links are kept (the store); every write goes through one serialised path. */
export interface LinkRepository {
  /** The store's own ID, on every object its links make; none where links are kept in no store of their own. */
  readonly storeId?: string;
  all(): LinkRecord[];
  get(id: string): LinkRecord | undefined;
  /** Creates or replaces the link. */
  save(link: LinkRecord): Promise<void>;
  /**
   * Changes the link as it stands once every write asked before this one is done, so that none of them is undone;
   * nothing when the link is gone by then, or when `change` gives back nothing.
   */
  update(id: string, change: (current: LinkRecord) => LinkRecord | undefined): Promise<void>;
  remove(id: string): Promise<void>;
}

const roleNames: Record<string, string> = {
  container: "container",
  source: "source ambassador",
  target: "target ambassador",
  web: "consumer",
  "source-network": "source network",
  "target-network": "target network",
  connection: "connection",
  consumer: "consumer",
};

/** What a part of a link is, in words: `target ambassador`, `consumer`… */
export function describeRole(role: string): string {
  return roleNames[role] ?? role;
}
