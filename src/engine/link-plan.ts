import type Docker from "dockerode";
import type { DockerHost } from "../docker/docker-host.js";
import type { Actor } from "../domain/actor.js";
import type { LinkRecord, LinkResource, ResourceRole } from "../domain/link.js";
import type { AmbassadorMode } from "./types.js";

/** A part of a link as it is now on its host. */
export interface LivePart {
  resource: LinkResource;
  state: "running" | "stopped" | "missing";
  info?: Docker.ContainerInspectInfo;
  /** The mode an ambassador runs in, as the store recorded it. */
  mode?: AmbassadorMode;
}

/** A link's parts on one host, by role, with their live state. */
export type LiveParts = Partial<Record<ResourceRole, LivePart>>;

/** One cluster a link serves, as a build needs it. */
export interface PlannedTarget {
  host: DockerHost;
  certificate?: string;
  /** Its stored parts (target network, ambassador, consumer) with their live state. */
  live: LiveParts;
}

/** Everything a link is to be: made from a `link` request, or read back from the store for `repair`. */
export interface LinkPlan {
  id: string;
  /** The store the link is kept in, named on everything it makes. */
  store?: string;
  /** The source container's name and ID, as its host reports them. */
  app: { name: string; id: string; networks: string[] };
  alias: string;
  ports: number[];
  wiring: LinkRecord["wiring"];
  /** The consumer to run: its image and the name to start from (`web`, `web-2`…). */
  web?: { image: string; base: string };
  /** A container already running on the target cluster, to connect to the target network: its name, ID and networks. */
  consumer?: { name: string; id: string; networks: string[] };
  channel?: string;
  actor: Actor;
  /** `mtls`: both ambassadors run `tls` with per-link certificates; `plaintext`: `mode` (or the fastest). */
  protection: "mtls" | "plaintext";
  mode?: AmbassadorMode;
  /** CIDRs the source ambassador admits: the union of every target cluster's egress addresses. */
  admit: string[];
  source: DockerHost;
  /** Every cluster the link serves, each with its own ambassador, network, consumer and certificate. */
  targets: PlannedTarget[];
  /** The target this part of the build is for (the first one while the source side is built). */
  target: DockerHost;
  /** The common name of `target`'s certificate, on mTLS links. */
  certificate?: string;
  /** What the link has now: nothing for a new link, the stored parts with their live state for a repair. */
  live: LiveParts;
  /** Host ports the source ambassador publishes on when they are free: the ones it had, so targets keep their address. */
  hostPorts?: Map<number, number>;
  /** Why the path through the link fails though every part runs (a stale address, a dead TLS peer…). */
  pathProblem?: string;
  /** Objects an interrupted link left, which a new link removes before it makes anything: their ports are free. */
  interrupted?: (labels: Record<string, string>) => boolean;
}

/** Whether a link's source ambassador reaches its container by a Docker link, with no network of the link's. */
export function sourceDockerLinked(link: Pick<LinkPlan, "wiring">): boolean {
  return link.wiring !== "networks";
}

/**
 * Whether a link's target ambassador admits only the containers on its network: an mTLS one on a network of the
 * link's, which the target host's own processes would reach through the network's gateway.
 */
export function admitsOnlyItsNetwork(link: { wiring: LinkPlan["wiring"]; protection?: string }): boolean {
  return link.wiring === "networks" && link.protection === "mtls";
}

/** The names of a link's networks, when it is wired with networks rather than legacy links. */
export function networkNames(plan: Pick<LinkPlan, "id" | "wiring">): { source?: string; target?: string } {
  if (plan.wiring !== "networks") return {};
  return { source: `ambassador-${plan.id}-source`, target: `ambassador-${plan.id}-target` };
}
