import { z } from "zod";
import { UserError } from "../errors.js";

export const clusterNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const ClusterName = z
  .string()
  .regex(
    clusterNamePattern,
    "a cluster name is 1-63 lowercase letters, digits or dashes, not starting with a dash",
  );

/** What may be shown about a cluster anywhere, Slack included: never key material. */
export interface ClusterSummary {
  name: string;
  host: string;
  tls: boolean;
  advertise: string;
  channels: string[];
  /** Addresses (CIDRs) this cluster's containers reach other hosts from; default its advertise address. */
  egress?: string[];
}

/**
 * Whether a cluster may be used and seen from a Slack channel (`undefined`: from outside any channel, such as the
 * Home tab): a cluster bound to no channel is open to all of them.
 */
export function clusterOpenTo(
  cluster: Pick<ClusterSummary, "channels">,
  channel: string | undefined,
): boolean {
  return cluster.channels.length === 0 || (channel !== undefined && cluster.channels.includes(channel));
}

/** Whether a cluster answered, how fast, and which Engine it runs. */
export interface ClusterProbe {
  name: string;
  ok: boolean;
  /** Engine version when reachable. */
  version?: string;
  rttMs?: number;
  error?: string;
  /** `error` without the Docker API's URL or address, for Slack. */
  errorWithoutAddress?: string;
}

/**
 * The refusal of a cluster name nobody registered. It names only `shown`, the clusters the person may see (none
 * where who asks is not known); `registered` counts every cluster, so an empty store says how to add one.
 */
export function unknownClusterError(name: string, shown: readonly string[], registered: number): UserError {
  const known = !registered
    ? "none is registered yet (ambassador clusters add)"
    : shown.length === registered
      ? `registered: ${shown.join(", ")}`
      : shown.length
        ? `registered and open here: ${shown.join(", ")}`
        : "`clusters` lists the ones you may use";
  return new UserError("unknown-cluster", `no cluster named "${name}"; ${known}`);
}
