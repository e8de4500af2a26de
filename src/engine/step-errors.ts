import { DockerCallError } from "../docker/docker-host.js";
import { describeError, describeErrorWithoutAddress, UserError } from "../errors.js";

/** Something an attempt could not remove, for the message and a later teardown. */
export interface Leftover {
  cluster: string;
  kind: string;
  name: string;
}

/** `link` or `repair` failed at a step; everything the attempt made was removed, or is named for a later teardown. */
export class LinkStepError extends UserError {
  constructor(
    readonly step: string,
    readonly cluster: string,
    readonly reason: string,
    readonly leftovers: Leftover[],
    readonly linkId: string,
    operation: "link" | "repair" = "link",
    /** `reason` without the Docker API's URL or address, for Slack. */
    reasonWithoutAddress = reason,
    /** Clusters the rollback could not search for what the attempt made (they did not answer). */
    readonly unsearched: string[] = [],
    /** The link's own parts the attempt removed to replace them, which its rollback cannot bring back. */
    readonly lost: Leftover[] = [],
  ) {
    const where = unsearched.join(", ");
    const answers = unsearched.length === 1 ? "that host answers" : "those hosts answer";
    const unknown = !unsearched.length
      ? ""
      : operation === "repair"
        ? ` What it may have made on ${where} could not be looked for; once ${answers}, \`reconcile\` names it and the link's teardown removes it.`
        : ` What it may have made on ${where} could not be looked for; once ${answers}, \`reconcile\` names it and \`reconcile --fix\` removes it.`;
    const unlooked = `what may have been made on ${where} (it could not be looked for)`;
    // A repair's leftovers carry the link's label outside its record: the next repair removes them and keeps the link.
    const finish =
      operation === "repair"
        ? `run repair ${linkId} again once the host answers: it removes ${leftovers.length === 1 ? "it" : "them"}${unsearched.length ? `, and ${unlooked},` : ""} and keeps the link`
        : `run teardown ${linkId} once the host answers${unsearched.length ? `, which also removes ${unlooked}` : ""}`;
    const cleanup = leftovers.length
      ? ` ${leftovers.length} object(s) could not be removed (${leftovers.map((l) => `${l.kind} ${l.name} on ${l.cluster}`).join(", ")}); ${finish}.`
      : unknown ||
        (operation === "repair" && !lost.length
          ? ` Nothing of this attempt was left behind; link ${linkId} is as it was.`
          : " Nothing of this attempt was left behind.");
    const gone = lost.length
      ? ` It had removed ${lost.map((l) => `${l.kind} ${l.name} on ${l.cluster}`).join(", ")} to replace ${lost.length === 1 ? "it" : "them"}: link ${linkId} is broken until repair ${linkId} succeeds.`
      : "";
    const what = operation === "repair" ? `Repair of link ${linkId}` : "Link";
    const say = (why: string) =>
      `${what} failed at step "${step}" on ${cluster}: ${why.replace(/\s+/g, " ").trim()}.${cleanup}${gone}`;
    super(`${operation}-failed`, say(reason), say(reasonWithoutAddress));
  }
}

/** A step that threw, with where it ran. */
export class StepFailure extends Error {
  constructor(
    readonly step: string,
    readonly cluster: string,
    override readonly cause: unknown,
  ) {
    super(`${step} on ${cluster}: ${describeError(cause)}`);
  }
}

/**
 * A step's failure in one line, naming the Docker call and object when it was one; with `withoutAddress`, without
 * the Docker API's URL or address.
 */
export function failureReason(cause: unknown, { withoutAddress = false } = {}): string {
  if (!(cause instanceof DockerCallError))
    return (withoutAddress ? describeErrorWithoutAddress(cause) : describeError(cause)).replace(/\.$/, "");
  const object = cause.context.container ?? cause.context.network;
  const reason = withoutAddress ? cause.reasonWithoutAddress : cause.reason;
  return `${cause.action}${object ? ` ${object}` : ""}: ${reason}`.replace(/\.$/, "");
}
