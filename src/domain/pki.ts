import { createHash } from "node:crypto";

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

/**
 * What the ambassadors of one link need to authenticate each other: certificates issued for that link only, one
 * for its source side and one per target, each target with a name of its own.
 */
export interface LinkCredentials {
  /** The issuing CA's certificate, which every side trusts. */
  ca: string;
  source: KeyPair;
  /** Each target's certificate, by the common name it carries. */
  targets: Map<string, KeyPair>;
  /** The common name of the source's certificate, which every target requires. */
  sourceName: string;
}

/** Issues per-link certificates from the bot's own CA. */
export interface LinkAuthority {
  /** A source certificate and one per target common name given. */
  issue(linkId: string, targetNames: readonly string[]): Promise<LinkCredentials>;
}

/** The common names of a link's ambassadors as single-target links before fan-out named them. */
export function linkCertificateNames(linkId: string): { source: string; target: string } {
  return { source: `ambassador-${linkId}-source`, target: `ambassador-${linkId}-target` };
}

/**
 * The common name of one target's certificate: `ambassador-<link>-target-<cluster>`, or a digest of the cluster's
 * name when that would pass the 64 characters a common name may have.
 */
export function targetCertificateName(linkId: string, cluster: string): string {
  const name = `ambassador-${linkId}-target-${cluster}`;
  if (name.length <= 64) return name;
  return `ambassador-${linkId}-target-${createHash("sha256").update(cluster).digest("hex").slice(0, 16)}`;
}
