import { z } from "zod";

export const clusterNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const ClusterName = z
  .string()
  .regex(
    clusterNamePattern,
    "a cluster name is 1-63 lowercase letters, digits or dashes, not starting with a dash",
  );

/** A secret sealed with AES-256-GCM; every value has its own nonce. */
export const SealedSecret = z.object({
  alg: z.literal("aes-256-gcm"),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedSecret = z.infer<typeof SealedSecret>;

/** Who asked for something: a person at the terminal, or a Slack user of a workspace. */
export const Actor = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local"), user: z.string() }),
  z.object({ kind: z.literal("slack"), team: z.string(), user: z.string() }),
]);
export type Actor = z.infer<typeof Actor>;

export const ClusterRecord = z.object({
  name: ClusterName,
  /** Docker URL: tcp://host:port, unix:///path or ssh://user@host */
  host: z.string(),
  tls: z
    .object({
      ca: z.string(),
      cert: z.string(),
      key: SealedSecret,
    })
    .optional(),
  /** The address other hosts use to reach ports published on this one. */
  advertise: z.string(),
  /** Slack channel IDs allowed to use this cluster; empty means any. */
  channels: z.array(z.string()),
  addedAt: z.string(),
  addedBy: Actor,
});
export type ClusterRecord = z.infer<typeof ClusterRecord>;

export const ResourceRole = z.enum([
  "source",
  "target",
  "web",
  "source-network",
  "target-network",
  "connection",
]);
export type ResourceRole = z.infer<typeof ResourceRole>;

/** Something a link made on a host; a `connection` joins a container the bot did not make to a network it did. */
export const LinkResource = z.object({
  cluster: z.string(),
  kind: z.enum(["container", "network", "connection"]),
  role: ResourceRole,
  id: z.string(),
  name: z.string(),
  /** For a connection: the network the container was connected to. */
  network: z.string().optional(),
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

export const LinkRecord = z.object({
  id: z.string(),
  container: z.string(),
  alias: z.string(),
  sourceCluster: z.string(),
  targetCluster: z.string(),
  ports: z.array(z.number().int()),
  wiring: z.enum(["networks", "legacy-links"]),
  /** host:port other hosts use to reach the source ambassador, one per port. */
  connections: z.array(z.object({ port: z.number().int(), address: z.string() })),
  web: z.object({ image: z.string(), name: z.string() }).optional(),
  modes: z.object({ source: z.string(), target: z.string() }).optional(),
  status: LinkStatus,
  resources: z.array(LinkResource),
  createdAt: z.string(),
  createdBy: Actor,
  channel: z.string().optional(),
  health: LinkHealth.optional(),
});
export type LinkRecord = z.infer<typeof LinkRecord>;

export const AuditEntry = z.object({
  at: z.string(),
  actor: Actor,
  action: z.string(),
  target: z.string().optional(),
  channel: z.string().optional(),
  outcome: z.enum(["ok", "refused", "error"]),
  detail: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const StoreData = z.object({
  version: z.literal(1),
  clusters: z.array(ClusterRecord),
  links: z.array(LinkRecord),
  audit: z.array(AuditEntry),
});
export type StoreData = z.infer<typeof StoreData>;

export function emptyStoreData(): StoreData {
  return { version: 1, clusters: [], links: [], audit: [] };
}
