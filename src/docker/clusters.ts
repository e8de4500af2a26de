import type Docker from "dockerode";
import type { Actor, LinkRecord } from "../store/schema.js";

/** A registered cluster, ready to use: a reused dockerode client with a deadline on every call. */
export interface ClusterConnection {
  name: string;
  /** The address other hosts use to reach ports published on this cluster. */
  advertise: string;
  /** Slack channel IDs allowed to use this cluster; empty means any. */
  channels: string[];
  docker: Docker;
}

/** What may be shown about a cluster anywhere, Slack included: never key material. */
export interface ClusterSummary {
  name: string;
  host: string;
  tls: boolean;
  advertise: string;
  channels: string[];
}

export interface ClusterProbe {
  name: string;
  ok: boolean;
  /** Engine version when reachable. */
  version?: string;
  rttMs?: number;
  error?: string;
}

/** Resolves cluster names to Docker connections (from the store). */
export interface ClusterDirectory {
  list(): ClusterSummary[];
  /** Throws UserError("unknown-cluster") naming the registered clusters. */
  connect(name: string): ClusterConnection;
  /** Connects to each named cluster (all when none named) in parallel, each within the deadline. */
  probe(names?: string[], timeoutMs?: number): Promise<ClusterProbe[]>;
}

/** Where links are kept (the store); every write goes through one serialised path. */
export interface LinkRepository {
  all(): LinkRecord[];
  get(id: string): LinkRecord | undefined;
  /** Creates or replaces the link; `actor` (who asked) goes into the audit log. */
  save(link: LinkRecord, actor?: Actor): Promise<void>;
  remove(id: string, actor?: Actor): Promise<void>;
}
