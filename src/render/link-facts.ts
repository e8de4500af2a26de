import type { CommandResult } from "../commands/command.js";
import type { LinkHealth, LinkRecord } from "../domain/link.js";
import type { LinkResult, LinkView, LiveState } from "../engine/types.js";

/**
 * How a part of a link is doing: its live state; `new` when the answer has just made it (so it runs); `kept` when
 * `link` found the link already made and did not look at its parts again.
 */
export type PartState = LiveState | "new" | "kept";

/** One container of a link as a picture shows it. */
export interface LinkPart {
  name: string;
  state: PartState;
  /** The ambassador's mode (`tls`, `kernel`, `relay`) or the consumer's image. */
  detail?: string;
}

/** What a picture of a link shows: the hosts, the four parts, the ports, the protection and the health. */
export interface LinkFacts {
  /** What the answer did: `linked`, `status`, `repaired`. */
  caption: string;
  id: string;
  alias: string;
  protection: "mtls" | "plaintext";
  /** Who may reach the source ambassador's port: the targets, or any address (an image without admission). */
  admits: "targets" | "any";
  source: { cluster: string; address?: string };
  target: { cluster: string; address?: string };
  container: LinkPart & { ports: number[] };
  sourceAmbassador: LinkPart;
  targetAmbassador: LinkPart;
  web?: LinkPart;
  /** host:port the target ambassador forwards each port to. */
  connections: { port: number; address: string }[];
  webUrls: string[];
  /** `new`: made by this answer, not checked yet. */
  health: { state: LinkHealth["state"] | "new"; problems: string[] };
}

function hostOf(address: string | undefined): string | undefined {
  if (!address) return undefined;
  try {
    return new URL(address.includes("://") ? address : `tcp://${address}`).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return undefined;
  }
}

function partName(link: LinkRecord, role: string): string {
  return link.resources.find((r) => r.kind === "container" && r.role === role)?.name ?? role;
}

function baseFacts(
  link: LinkRecord,
  webUrls: string[],
  state: PartState = "new",
): Omit<LinkFacts, "health" | "caption"> {
  return {
    id: link.id,
    alias: link.alias,
    protection: link.protection ?? (link.modes?.source === "tls" ? "mtls" : "plaintext"),
    admits: link.admits ?? "targets",
    source: { cluster: link.sourceCluster, address: hostOf(link.connections[0]?.address) },
    target: { cluster: link.targetCluster, address: hostOf(webUrls[0]) },
    container: { name: link.container, state, ports: link.ports },
    sourceAmbassador: { name: partName(link, "source"), state, detail: link.modes?.source },
    targetAmbassador: { name: partName(link, "target"), state, detail: link.modes?.target },
    web: link.web ? { name: link.web.name, state, detail: link.web.image } : undefined,
    connections: link.connections,
    webUrls,
  };
}

/** The picture of a link `link` just made (or found already made). */
export function factsOfLinkResult(result: LinkResult): LinkFacts {
  const facts = baseFacts(result.link, result.webUrls, result.existing ? "kept" : "new");
  // Not made by the link: one is made only from a container that runs.
  if (!result.existing) facts.container.state = "running";
  facts.sourceAmbassador.detail = result.source.mode;
  facts.targetAmbassador.detail = result.target.mode;
  const health = result.existing ? result.link.health : undefined;
  return {
    ...facts,
    caption: result.existing ? "already linked" : "linked",
    health: health ? { state: health.state, problems: health.problems } : { state: "new", problems: [] },
  };
}

/** The picture of a link as `status` sees it: each part's live state and the last health check. */
export function factsOfView(view: LinkView, webUrls: string[] = []): LinkFacts {
  const facts = baseFacts(view.link, webUrls);
  const live = (role: string, part: LinkPart): LinkPart => {
    const found = view.containers.find((c) => c.role === role);
    return { ...part, state: found?.state ?? "missing" };
  };
  const health = view.health;
  return {
    ...facts,
    caption: "status",
    container: { ...live("container", facts.container), ports: facts.container.ports },
    sourceAmbassador: live("source", facts.sourceAmbassador),
    targetAmbassador: live("target", facts.targetAmbassador),
    web: facts.web && live("web", facts.web),
    health: health
      ? { state: health.state, problems: health.problems }
      : { state: "unknown", problems: ["not checked yet"] },
  };
}

/** The link a result is about when it has a picture: `link`, `status`, and `repair` as the link is after it. */
export function factsOfResult(result: CommandResult): LinkFacts | undefined {
  if (result.kind === "link") {
    // A link found already made is drawn as its hosts say it is now.
    if (result.view) return { ...factsOfView(result.view, result.result.webUrls), caption: "already linked" };
    return factsOfLinkResult(result.result);
  }
  if (result.kind === "status") return factsOfView(result.view);
  if (result.kind === "repair" && result.view) {
    const facts = factsOfView(result.view, result.result.webUrls);
    // A repair replaces what the last check found broken; the next check says how the new parts do.
    if (result.result.status === "nothing-to-repair") return { ...facts, caption: "needs no repair" };
    return { ...facts, caption: "repaired", health: { state: "new", problems: [] } };
  }
  return undefined;
}
