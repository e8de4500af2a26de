import type Docker from "dockerode";

/** The container whose network namespace a `container:<id or name>` network mode joins; undefined for any other. */
export function namespaceOwner(networkMode: string | undefined): string | undefined {
  return /^container:(.+)$/.exec(networkMode ?? "")?.[1];
}

/**
 * Whether a container in another's network namespace is left in an old one: the owner is down, or started again
 * after it did (Docker gave the owner a namespace anew, and the joiner stays where it was).
 */
export function leftBehind(
  joiner: Pick<Docker.ContainerInspectInfo, "State">,
  owner: Pick<Docker.ContainerInspectInfo, "State"> | undefined,
): boolean {
  if (!owner?.State.Running) return true;
  return Date.parse(owner.State.StartedAt) > Date.parse(joiner.State.StartedAt);
}

/**
 * Whether a stopped container in another's network namespace stopped before that one last started: it left with the
 * old namespace, and Docker, which could not start it while the owner was down, did not try again. One stopped since
 * the owner started (`docker stop`, say) is merely stopped.
 */
export function stoppedBeforeOwner(
  joiner: Pick<Docker.ContainerInspectInfo, "State">,
  owner: Pick<Docker.ContainerInspectInfo, "State"> | undefined,
): boolean {
  if (!owner?.State.Running) return false;
  return Date.parse(owner.State.StartedAt) > Date.parse(joiner.State.FinishedAt);
}
