import { randomBytes } from "node:crypto";
import { z } from "zod";
import { Actor } from "../domain/actor.js";
import { AuditEntry } from "../domain/audit.js";
import { ClusterName } from "../domain/cluster.js";
import { LinkRecord, SingleTargetLinkRecord } from "../domain/link.js";

/** A value sealed with AES-256-GCM (base64 fields); every value has its own 12-byte nonce and a 16-byte tag. */
export const SealedSecret = z.object({
  alg: z.literal("aes-256-gcm"),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedSecret = z.infer<typeof SealedSecret>;

const clusterFields = {
  name: ClusterName,
  /** Docker URL: tcp://host:port, unix:///path or ssh://user@host */
  host: z.string(),
  /** The address other hosts use to reach ports published on this one. */
  advertise: z.string(),
  /** CIDRs this cluster's containers reach other hosts from, when not its advertise address. */
  egress: z.array(z.string()).optional(),
  /** Slack channel IDs allowed to use this cluster; empty means any. */
  channels: z.array(z.string()),
  addedAt: z.string(),
  addedBy: Actor,
};

/**
 * A registered cluster. `seal` holds its TLS private key (empty without TLS), sealed with every other field
 * of the record as additional authenticated data, so no field can be changed or swapped unnoticed.
 */
export const ClusterRecord = z.object({
  ...clusterFields,
  tls: z.object({ ca: z.string(), cert: z.string() }).optional(),
  seal: SealedSecret,
});
export type ClusterRecord = z.infer<typeof ClusterRecord>;

/** The bot's own CA for links: its certificate, and its key sealed like the hosts' keys. */
export const LinkAuthorityRecord = z.object({
  cert: z.string(),
  key: SealedSecret,
  createdAt: z.string(),
});

/** The fields a cluster's seal binds: the whole record but the seal itself. */
export type ClusterFields = Omit<ClusterRecord, "seal">;

const storeFields = {
  /**
   * The store's own name, on every object its links make (`io.ambassador.store`), so that bots sharing hosts leave
   * each other's objects alone; given once to a store that has none.
   */
  id: z
    .string()
    .regex(/^[0-9a-f]{12}$/)
    .optional(),
  /** A constant sealed under the store's key, so a wrong key is told apart from altered records. */
  keyCheck: SealedSecret.optional(),
  clusters: z.array(ClusterRecord),
  authority: LinkAuthorityRecord.optional(),
  links: z.array(LinkRecord),
};

/** The store: clusters, links and the link CA. The audit log is a file of its own beside it. */
export const StoreData = z.object({ version: z.literal(4), ...storeFields });
export type StoreData = z.infer<typeof StoreData>;

const singleTargetFields = { ...storeFields, links: z.array(SingleTargetLinkRecord) };

/** A store written by version 3: like the current one, but every link has one target only. */
export const SingleTargetStoreData = z.object({ version: z.literal(3), ...singleTargetFields });
export type SingleTargetStoreData = z.infer<typeof SingleTargetStoreData>;

/** A store written by version 2: sealed like version 3, with the audit log inside it. */
export const AuditedStoreData = z.object({
  version: z.literal(2),
  ...singleTargetFields,
  audit: z.array(AuditEntry),
});
export type AuditedStoreData = z.infer<typeof AuditedStoreData>;

/** A cluster as version 1 stored it: only the TLS key sealed, under `cluster:<name>:tls-key`. */
export const LegacyClusterRecord = z.object({
  ...clusterFields,
  tls: z.object({ ca: z.string(), cert: z.string(), key: SealedSecret }).optional(),
});
export type LegacyClusterRecord = z.infer<typeof LegacyClusterRecord>;

/** A store written by version 1, re-sealed (and its audit log moved out) the first time it is opened. */
export const LegacyStoreData = z.object({
  version: z.literal(1),
  clusters: z.array(LegacyClusterRecord),
  links: z.array(SingleTargetLinkRecord),
  audit: z.array(AuditEntry),
});
export type LegacyStoreData = z.infer<typeof LegacyStoreData>;

/** A store in a version older than the current one, as read from its file. */
export type OlderStoreData = LegacyStoreData | AuditedStoreData | SingleTargetStoreData;

export function emptyStoreData(): StoreData {
  return { version: 4, id: newStoreId(), clusters: [], links: [] };
}

export function newStoreId(): string {
  return randomBytes(6).toString("hex");
}
