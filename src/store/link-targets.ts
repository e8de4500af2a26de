import type { LinkRecord, SingleTargetLinkRecord } from "../domain/link.js";
import { linkCertificateNames } from "../domain/pki.js";
import type { SingleTargetStoreData, StoreData } from "./schema.js";

/**
 * A version 3 store as version 4 keeps it: each link's one target becomes the only entry of its `targets`, with the
 * certificate name its target ambassador already carries, so the link works on unchanged.
 */
export function withLinkTargets(older: SingleTargetStoreData): StoreData {
  const links = older.links.map(
    (link: SingleTargetLinkRecord): LinkRecord => ({
      ...link,
      targets: [
        {
          cluster: link.targetCluster,
          certificate: link.protection === "mtls" ? linkCertificateNames(link.id).target : undefined,
        },
      ],
    }),
  );
  return { ...older, version: 4, links };
}
