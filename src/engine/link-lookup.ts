import { type LinkRecord, targetClusters } from "../domain/link.js";
import { UserError } from "../errors.js";

/** A link as a choice among several: enough to tell two links of one container apart. */
function describe(link: LinkRecord): string {
  const by = link.consumer ? `consumer ${link.consumer.name}` : link.web ? `web ${link.web.name}` : undefined;
  return `${link.id}: ${link.container} ${link.sourceCluster} -> ${targetClusters(link).join(",")} as ${link.alias}${by ? `, ${by}` : ""}`;
}

function names(link: LinkRecord, ref: string): boolean {
  return (
    link.container === ref ||
    link.web?.name === ref ||
    link.consumer?.name === ref ||
    link.resources.some((r) => r.kind === "container" && r.name === ref)
  );
}

/**
 * The one link a reference names: its ID, else its container, its consumer or one of its ambassadors. A name
 * several links share is weighed among those `shown` keeps (the ones the person may see), so the others are
 * neither chosen nor named; a name only one link has names it, and acting on it is refused where it is not shown.
 */
export function findLink(
  links: readonly LinkRecord[],
  ref: string,
  shown: (link: LinkRecord) => boolean = () => true,
): LinkRecord {
  const byId = links.find((link) => link.id === ref);
  if (byId) return byId;
  const named = links.filter((link) => names(link, ref));
  const matches = named.length > 1 ? named.filter(shown) : named;
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    throw new UserError(
      "ambiguous-link",
      `"${ref}" is part of ${matches.length} links (${matches.map(describe).join("; ")}); name one by its link ID.`,
    );
  }
  // Which links exist is not said here: the person may not be allowed to see them all; `list` shows those they may.
  throw new UserError(
    "link-not-found",
    `No link with ID or container "${ref}". \`list\` shows the links you may see; \`reconcile\` names what a link cut short left behind.`,
  );
}
