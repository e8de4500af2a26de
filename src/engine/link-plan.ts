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

/** Everything a link is to be: made from a `link` request, or read back from the store for `repair`. */
export interface LinkPlan {
  id: string;
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
  /** CIDRs the source ambassador admits: the target cluster's egress addresses. */
  admit: string[];
  source: DockerHost;
  target: DockerHost;
  /** What the link has now: nothing for a new link, the stored parts with their live state for a repair. */
  live: Partial<Record<ResourceRole, LivePart>>;
  /** Why the path through the link fails though every part runs (a stale address, a dead TLS peer…). */
  pathProblem?: string;
}

/** The names of a link's networks, when it is wired with networks rather than legacy links. */
export function networkNames(plan: Pick<LinkPlan, "id" | "wiring">): { source?: string; target?: string } {
  if (plan.wiring !== "networks") return {};
  return { source: `ambassador-${plan.id}-source`, target: `ambassador-${plan.id}-target` };
}
