import type { Actor } from "../domain/actor.js";
import type { ClusterProbe } from "../domain/cluster.js";
import type { LinkHealth, LinkRecord, LinkStatus, ResourceRole } from "../domain/link.js";

/** Who asked, and from where; recorded in labels, the store and the audit log. */
export interface RequestContext {
  actor: Actor;
  /** Slack channel ID the request came from, when it came from Slack. */
  channel?: string;
  /**
   * The registered clusters the request may act on beyond those it names, as the command layer decided (a Slack
   * channel's); every one when absent (the terminal).
   */
  clusters?: readonly string[];
}

/** How an ambassador forwards: DNAT in its namespace, a plaintext relay, or a mutually authenticated TLS relay. */
export type AmbassadorMode = "kernel" | "relay" | "tls";

/** Where a target ambassador forwards one port: the source ambassador's `host:port`. */
export interface Connection {
  port: number;
  address: string;
}

export interface LinkOptions {
  /** Name the consumer uses for the container; defaults to the container's name. */
  alias?: string;
  /** Container ports to carry; defaults to every TCP port the container exposes. */
  ports?: number[];
  /** Image to run on the target cluster as the consumer. */
  web?: string;
  webName?: string;
  /** A container already running on the target cluster to connect to the link (instead of `web`). */
  consumer?: string;
  /** Wire with legacy `--link` as the seed tutorial does, instead of user-defined networks. */
  legacyLinks?: boolean;
  /** Ambassador mode of a plaintext link; by default the fastest the host permits. */
  mode?: AmbassadorMode;
  /** Carry the bytes between the hosts unencrypted (still admitted from the target only); default mTLS. */
  plaintext?: boolean;
}

export interface AmbassadorInfo {
  cluster: string;
  name: string;
  id: string;
  mode: AmbassadorMode;
}

/** One published port, as `docker port` prints it: `5000/tcp -> 10.0.0.12:32770`. */
export interface PortMapping {
  cluster: string;
  container: string;
  containerPort: number;
  protocol: "tcp" | "udp" | "sctp";
  hostIp: string;
  hostPort: number;
  /** http://host:port for TCP bindings. */
  url?: string;
}

export interface StepTiming {
  step: string;
  cluster?: string;
  ms: number;
}

/** One target of a link as `link` answers it: its ambassador, its consumer's published ports and URLs. */
export interface TargetResult {
  cluster: string;
  ambassador: AmbassadorInfo;
  mappings: PortMapping[];
  webUrls: string[];
}

export interface LinkResult {
  link: LinkRecord;
  /** True when an identical link already existed and was returned as it is. */
  existing: boolean;
  source: AmbassadorInfo;
  /** The first target's ambassador. */
  target: AmbassadorInfo;
  /** Every target, in the order asked for. */
  targets: TargetResult[];
  /** host:port the target ambassador forwards to, one per port. */
  connections: Connection[];
  /** The source ambassador's mappings, then every target's consumer's. */
  mappings: PortMapping[];
  /** Every target's consumer URLs. */
  webUrls: string[];
  /** Each step's own time; steps run side by side, so they add up to more than `tookMs`. */
  timings: StepTiming[];
  /** Wall-clock time the link took to make, from the request to the saved record; 0 for an existing link. */
  tookMs: number;
  /** What an interrupted link of the same container had left, removed before this one was made. */
  cleared?: { cluster: string; kind: string; name: string }[];
  /** Clusters the link does not use, where an interrupted link's labels said it left parts, that did not answer. */
  unclearedOn?: string[];
  /** Ports of the container that answered no connection from beside it as the new source ambassador started. */
  silentPorts?: number[];
  /** Consumers started under another name than the one asked for (`--web-name`, else `web`), which was taken. */
  renamedWebs?: { cluster: string; asked: string; name: string }[];
}

/**
 * A cluster a read answered without: known to be down since `since` (not asked; checked in the background),
 * or asked at `since` and still `waiting` for its answer; or, `unregistered`, one a stored link names but the
 * store no longer does (`clusters remove --force`), never asked.
 */
export interface SilentCluster {
  cluster: string;
  since: string;
  waiting: boolean;
  unregistered?: true;
}

/** A read across clusters in two stages: what came within the answer time, and the whole once the rest came. */
export interface Staged<T> {
  now: T;
  /** Absent when no asked cluster was still out; never rejects. */
  later?: Promise<T>;
}

/**
 * Why something failed on a cluster: `error`, and `errorWithoutAddress`, the same without the Docker API's URL or
 * address (a connection that failed names them), for Slack.
 */
export interface ClusterFailure {
  cluster: string;
  error: string;
  errorWithoutAddress: string;
}

export interface PortsResult {
  container: string;
  searched: string[];
  unreachable: ClusterFailure[];
  found: { cluster: string; container: string; id: string; mappings: PortMapping[] }[];
  /** Clusters not heard from (absent: every cluster answered or failed). */
  silent?: SilentCluster[];
}

/** What the clusters' pings said, and the clusters not heard from. */
export interface ProbeList {
  probes: ClusterProbe[];
  silent: SilentCluster[];
}

/** The links with their live state, and the clusters whose containers could not be read in time. */
export interface LinkList {
  views: LinkView[];
  silent: SilentCluster[];
}

export interface TeardownResult {
  linkId: string;
  /** The one target removed (`teardown --target`), the others left working; absent when the whole link went. */
  target?: string;
  removed: { cluster: string; kind: string; name: string }[];
  /** What the link had made that was no longer there to remove (removed by hand, say). */
  gone?: { cluster: string; kind: string; name: string }[];
  /**
   * What was not removed: on a host that did not answer (the link stays `partial` until a repeat finishes); `forGood`,
   * what a repeat leaves too: on a cluster no longer registered (the link goes all the same), or not the link's own
   * (no label of it).
   */
  left: (ClusterFailure & { kind: string; name: string; forGood?: true })[];
  /** Containers not of the link that had joined one of its networks, disconnected (never stopped) so it could go. */
  disconnected?: { cluster: string; container: string; network: string }[];
  status: "removed" | "partial";
}

/**
 * `disconnected`: runs, but cut off from what it serves: a consumer no longer on the link's target network, a target
 * ambassador left in its consumer's old network namespace, a source ambassador Docker-linked to a container since
 * replaced under its name.
 */
export type LiveState = "running" | "paused" | "stopped" | "missing" | "unreachable" | "disconnected";

export interface LinkView {
  link: LinkRecord;
  /** As its hosts show it now; `unknown` when every part seen runs but a host did not answer. */
  status: LinkStatus | "unknown";
  /** Each container with its live state; a consumer and the source ambassador with their published ports. */
  containers: {
    cluster: string;
    role: string;
    name: string;
    state: LiveState;
    mappings?: PortMapping[];
    /** An mTLS target ambassador on the link's network, made by an older version, that admits the host's processes. */
    openToHost?: true;
    /** The source container, missing under its name: the name it was renamed to (`docker rename`). */
    renamedTo?: string;
  }[];
  /** Containers on its clusters that carry its label but are not in its record (an interrupted repair's). */
  unrecorded?: { cluster: string; role: string; name: string; state: "running" | "stopped" }[];
  health?: LinkHealth;
}

export interface ReconcileResult {
  orphans: { cluster: string; kind: "container" | "network"; id: string; name: string; linkId: string }[];
  /**
   * Links whose parts are gone from hosts that answered; `finish` for one a teardown left partly done (the target it
   * was removing, if only one), which only a teardown finishes.
   */
  broken: { linkId: string; missing: string[]; finish?: { target?: string } }[];
  /**
   * Objects labelled for a stored link that its record does not list, as a crash during its repair or teardown can
   * leave; never removed by `--fix` (the link may be being mended), always by the link's teardown.
   */
  unlisted?: {
    cluster: string;
    kind: "container" | "network";
    id: string;
    name: string;
    linkId: string;
    /** Its link was left partly torn down: only that teardown (of the target named, if one) removes it. */
    finish?: { target?: string };
  }[];
  removed: number;
  /** Clusters that could not be searched. */
  unreachable?: ClusterFailure[];
  /** Objects labelled for links another store keeps (another bot on the same hosts): never orphans, left alone. */
  otherStores?: number;
}

/** One part of a link a repair made anew, and why. */
export interface RepairedPart {
  cluster: string;
  kind: "container" | "network" | "connection";
  role: ResourceRole;
  name: string;
  /** "missing", "stopped", "stale connection information", "not on <network>", or what it depends on being recreated. */
  reason: string;
}

/** What `repair` did: nothing when every part was there and current; else what it recreated. */
export interface RepairResult {
  linkId: string;
  status: "repaired" | "nothing-to-repair";
  recreated: RepairedPart[];
  /** Stopped or stale containers the new ones replaced, removed once the repair succeeded. */
  replaced: { cluster: string; name: string }[];
  /**
   * Replaced containers their host would not remove: they carry the link's label but are no longer in its record, and
   * the next repair (or the teardown) removes them.
   */
  left?: (ClusterFailure & { name: string })[];
  /** What an interrupted attempt on the link had made and its record did not name, removed before the repair. */
  cleared: { cluster: string; kind: string; name: string }[];
  /** host:port the target ambassador forwards to, one per port, after the repair. */
  connections: Connection[];
  webUrls: string[];
}

/** Which links `list` returns: all, those made in a channel, those on none of some clusters. */
export interface LinkFilter {
  /** Only these links: their clusters alone are asked. */
  ids?: readonly string[];
  channel?: string;
  /** Leaves out every link with a cluster (source or target) not among these. */
  onlyOn?: readonly string[];
}

/** The link engine: the ambassador pattern across two Docker hosts. Knows nothing of Slack. */
export interface Engine {
  /** One source side serving every target cluster named (one, or several for a fan-out). */
  link(
    container: string,
    sourceCluster: string,
    targetClusters: string | readonly string[],
    options: LinkOptions,
    context: RequestContext,
  ): Promise<LinkResult>;
  /** `docker port` on one cluster (named), on those listed, or on every cluster. */
  ports(container: string, cluster?: string | readonly string[]): Promise<PortsResult>;
  /** `ports` answered within the answer time with the clusters that answered, and the whole later. */
  stagedPorts(container: string, cluster?: string | readonly string[]): Promise<Staged<PortsResult>>;
  /**
   * The one link a reference names: its ID, its container, its consumer or one of its ambassadors; a name several
   * links share is looked for only among those `filter` keeps. Throws UserError("link-not-found" |
   * "ambiguous-link"), the latter naming the links the filter keeps.
   */
  find(ref: string, filter?: LinkFilter): LinkRecord;
  /**
   * Removes what the link `find(ref)` names made on every host, and nothing else; `partial` while a host is down.
   * With `target`, removes that target only and remakes the source ambassador without its certificate and egress.
   */
  teardown(ref: string, context: RequestContext, options?: { target?: string }): Promise<TeardownResult>;
  list(filter?: LinkFilter): Promise<LinkView[]>;
  /** `list` answered within the answer time with the clusters that answered, and the whole later. */
  stagedList(filter?: LinkFilter): Promise<Staged<LinkList>>;
  /** Pings the clusters, skipping those known to be down, in two stages like the reads. */
  stagedProbe(names: readonly string[]): Promise<Staged<ProbeList>>;
  /**
   * Compares the store with the hosts; `shown` limits the links it names as missing parts or owning an unlisted
   * object (and, with `fix`, marks broken) to those the filter keeps. Orphans are named on every cluster.
   */
  reconcile(options: { fix: boolean; shown?: LinkFilter }): Promise<ReconcileResult>;
  /** Recreates what a link is missing, all or nothing; rejects with a UserError when it cannot. */
  repair(ref: string, context: RequestContext): Promise<RepairResult>;
  /** Stops the background pings of clusters known to be down: each holds a connection that keeps a process up. */
  stop(): void;
}
