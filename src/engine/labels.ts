import type { Actor } from "../domain/actor.js";
import { describeActor } from "../domain/actor.js";
import type { ResourceRole } from "../domain/link.js";

/** Prefix of every label the bot puts on what it creates; Docker's labels are the ground truth. */
export const labelPrefix = "io.ambassador.";

export const labelKeys = {
  link: `${labelPrefix}link`,
  role: `${labelPrefix}role`,
  by: `${labelPrefix}by`,
  channel: `${labelPrefix}channel`,
  container: `${labelPrefix}container`,
  mode: `${labelPrefix}mode`,
  store: `${labelPrefix}store`,
  clusters: `${labelPrefix}clusters`,
  containerId: `${labelPrefix}container-id`,
  admits: `${labelPrefix}admits`,
} as const;

/** What the labels of one created object say. */
export interface LabelInput {
  linkId: string;
  role: ResourceRole;
  actor: Actor;
  channel?: string;
  container: string;
  /** The store whose link this is. */
  store?: string;
  /** Every cluster the link spans, source first: where to look for the rest of it. */
  clusters?: readonly string[];
  /** The ID of the container a source ambassador serves, as it was when the ambassador was made. */
  containerId?: string;
  /** Whom an ambassador admits, where the link's wiring could let others reach it: `network`, its network's containers. */
  admits?: "network";
}

export function linkLabels(input: LabelInput): Record<string, string> {
  const labels: Record<string, string> = {
    [labelKeys.link]: input.linkId,
    [labelKeys.role]: input.role,
    [labelKeys.by]: describeActor(input.actor),
    [labelKeys.container]: input.container,
  };
  if (input.channel) labels[labelKeys.channel] = input.channel;
  if (input.store) labels[labelKeys.store] = input.store;
  if (input.clusters?.length) labels[labelKeys.clusters] = input.clusters.join(",");
  if (input.containerId) labels[labelKeys.containerId] = input.containerId;
  if (input.admits) labels[labelKeys.admits] = input.admits;
  return labels;
}

/**
 * Whether an object's labels leave it to the store `storeId`: they name that store, or none (objects made before
 * stores named themselves, and any object when `storeId` is unknown).
 */
export function leftToStore(labels: Record<string, string> | undefined | null, storeId?: string): boolean {
  const store = labels?.[labelKeys.store];
  return storeId === undefined || store === undefined || store === storeId;
}

/** The link a Docker object belongs to, when it carries the bot's labels. */
export function linkIdOf(labels: Record<string, string> | undefined | null): string | undefined {
  return labels?.[labelKeys.link] || undefined;
}

/**
 * Whether an mTLS target ambassador on a network of the link's was made to admit only the containers on it (an
 * older version's admitted the target host's own processes too).
 */
export function admitsOnlyContainersOnItsNetwork(labels: Record<string, string> | undefined | null): boolean {
  return labels?.[labelKeys.admits] === "network";
}

/**
 * Whether a source ambassador Docker-linked to its container (no network of the link's) serves one that is gone: the
 * container under that name now is another (`docker rm` then `docker run`), which Docker's link does not follow.
 * Unknown, so false, for an ambassador made before its label said which container it served.
 */
export function servesReplacedContainer(
  sourceLabels: Record<string, string> | undefined | null,
  containerId: string | undefined,
): boolean {
  const served = sourceLabels?.[labelKeys.containerId];
  return served !== undefined && containerId !== undefined && served !== containerId;
}
