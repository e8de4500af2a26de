import type { CommandResult } from "../commands/command.js";
import { type LinkHealth, type LinkRecord, targetClusters } from "../domain/link.js";
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

/** One target of a link as a picture shows it: its host, its ambassador and its consumer with the consumer's URLs. */
export interface TargetFacts {
  cluster: string;
  address?: string;
  ambassador: LinkPart;
  web?: LinkPart;
  webUrls: string[];
}

/** What a picture of a link shows: the hosts, the parts, the ports, the protection and the health. */
export interface LinkFacts {
  /** What the answer did: `linked`, `status`, `repaired`. */
  caption: string;
  id: string;
  alias: string;
  protection: "mtls" | "plaintext";
  /** Who may reach the source ambassador's port: the targets, or any address (an image without admission). */
  admits: "targets" | "any";
  source: { cluster: string; address?: string };
  container: LinkPart & { ports: number[] };
  sourceAmbassador: LinkPart;
  /** Every target, in the link's order: one source side serves each. */
  targets: TargetFacts[];
  /** host:port the target ambassadors forward each port to. */
  connections: { port: number; address: string }[];
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

function partName(link: LinkRecord, role: string, cluster: string): string | undefined {
  return link.resources.find((r) => r.kind === "container" && r.role === role && r.cluster === cluster)?.name;
}

function baseFacts(link: LinkRecord, state: PartState): Omit<LinkFacts, "health" | "caption"> {
  return {
    id: link.id,
    alias: link.alias,
    protection: link.protection ?? (link.modes?.source === "tls" ? "mtls" : "plaintext"),
    admits: link.admits ?? "targets",
    source: { cluster: link.sourceCluster, address: hostOf(link.connections[0]?.address) },
    container: { name: link.container, state, ports: link.ports },
    sourceAmbassador: {
      name: partName(link, "source", link.sourceCluster) ?? "source",
      state,
      detail: link.modes?.source,
    },
    targets: targetClusters(link).map((cluster) => {
      const web = link.web && (partName(link, "web", cluster) ?? link.web.name);
      return {
        cluster,
        ambassador: {
          name: partName(link, "target", cluster) ?? "target",
          state,
          detail: link.modes?.target,
        },
        ...(link.web && web ? { web: { name: web, state, detail: link.web.image } } : {}),
        webUrls: [],
      };
    }),
    connections: link.connections,
  };
}

/** A target's consumer URLs, and its host's address as they name it. */
function withUrls(target: TargetFacts, webUrls: string[]): TargetFacts {
  return { ...target, webUrls, address: hostOf(webUrls[0]) };
}

/** The picture of a link `link` just made (or found already made). */
export function factsOfLinkResult(result: LinkResult): LinkFacts {
  const facts = baseFacts(result.link, result.existing ? "kept" : "new");
  // Not made by the link: one is made only from a container that runs.
  if (!result.existing) facts.container.state = "running";
  facts.sourceAmbassador.detail = result.source.mode;
  const targets = facts.targets.map((target) => {
    const made = result.targets.find((t) => t.cluster === target.cluster);
    if (!made) return target;
    return withUrls(
      { ...target, ambassador: { ...target.ambassador, detail: made.ambassador.mode } },
      made.webUrls,
    );
  });
  const health = result.existing ? result.link.health : undefined;
  return {
    ...facts,
    targets,
    caption: result.existing ? "already linked" : "linked",
    health: health ? { state: health.state, problems: health.problems } : { state: "new", problems: [] },
  };
}

/** The picture of a link as `status` sees it: each part's live state, the consumers' URLs and the last health check. */
export function factsOfView(view: LinkView): LinkFacts {
  const facts = baseFacts(view.link, "new");
  const found = (role: string, cluster: string) =>
    view.containers.find((c) => c.role === role && c.cluster === cluster);
  const live = (role: string, cluster: string, part: LinkPart): LinkPart => ({
    ...part,
    state: found(role, cluster)?.state ?? "missing",
  });
  const health = view.health;
  return {
    ...facts,
    caption: "status",
    container: {
      ...live("container", view.link.sourceCluster, facts.container),
      ports: facts.container.ports,
    },
    sourceAmbassador: live("source", view.link.sourceCluster, facts.sourceAmbassador),
    targets: facts.targets.map((target) => {
      // What the target's consumer publishes: the one `--web` started, or a `--consumer` that ran already.
      const consumer = found("web", target.cluster) ?? found("consumer", target.cluster);
      const urls = (consumer?.mappings ?? []).flatMap((m) => (m.url ? [m.url] : []));
      return withUrls(
        {
          ...target,
          ambassador: live("target", target.cluster, target.ambassador),
          ...(target.web ? { web: live("web", target.cluster, target.web) } : {}),
        },
        urls,
      );
    }),
    health: health
      ? { state: health.state, problems: health.problems }
      : { state: "unknown", problems: ["not checked yet"] },
  };
}

/** The link a result is about when it has a picture: `link`, `status`, and `repair` as the link is after it. */
export function factsOfResult(result: CommandResult): LinkFacts | undefined {
  if (result.kind === "link") {
    // A link found already made is drawn as its hosts say it is now.
    if (result.view) return { ...factsOfView(result.view), caption: "already linked" };
    return factsOfLinkResult(result.result);
  }
  if (result.kind === "status") return factsOfView(result.view);
  if (result.kind === "repair" && result.view) {
    const facts = factsOfView(result.view);
    // A repair replaces what the last check found broken; the next check says how the new parts do.
    if (result.result.status === "nothing-to-repair") return { ...facts, caption: "needs no repair" };
    return { ...facts, caption: "repaired", health: { state: "new", problems: [] } };
  }
  return undefined;
}
