/** A certificate and its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** What the two ambassadors of one link need to authenticate each other: certificates issued for that link only. */
export interface LinkCredentials {
  /** The issuing CA's certificate, which both sides trust. */
  ca: string;
  source: KeyPair;
  target: KeyPair;
  /** The common name each side's certificate carries, which the other side requires. */
  names: { source: string; target: string };
}

/** Issues per-link certificates from the bot's own CA. */
export interface LinkAuthority {
  issue(linkId: string): Promise<LinkCredentials>;
}

/** The common names of a link's two ambassadors. */
export function linkCertificateNames(linkId: string): LinkCredentials["names"] {
  return { source: `ambassador-${linkId}-source`, target: `ambassador-${linkId}-target` };
}
