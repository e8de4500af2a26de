import { z } from "zod";
import { Actor } from "../domain/actor.js";
import { AuditEntry } from "../domain/audit.js";
import { ClusterName } from "../domain/cluster.js";
import { LinkRecord } from "../domain/link.js";

/** A secret sealed with AES-256-GCM; every value has its own nonce. */
export const SealedSecret = z.object({
  alg: z.literal("aes-256-gcm"),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type SealedSecret = z.infer<typeof SealedSecret>;

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
  /** CIDRs this cluster's containers reach other hosts from, when not its advertise address. */
  egress: z.array(z.string()).optional(),
  /** Slack channel IDs allowed to use this cluster; empty means any. */
  channels: z.array(z.string()),
  addedAt: z.string(),
  addedBy: Actor,
});
export type ClusterRecord = z.infer<typeof ClusterRecord>;

/** The bot's own CA for links: its certificate, and its key sealed like the hosts' keys. */
export const LinkAuthorityRecord = z.object({
  cert: z.string(),
  key: SealedSecret,
  createdAt: z.string(),
});

export const StoreData = z.object({
  version: z.literal(1),
  clusters: z.array(ClusterRecord),
  authority: LinkAuthorityRecord.optional(),
  links: z.array(LinkRecord),
  audit: z.array(AuditEntry),
});
export type StoreData = z.infer<typeof StoreData>;

export function emptyStoreData(): StoreData {
  return { version: 1, clusters: [], links: [], audit: [] };
}
