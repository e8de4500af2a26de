import type { LinkResource } from "../domain/link.js";
import type { EngineLogger } from "./ambassador-launcher.js";
import type { Attempt } from "./attempt.js";
import type { LeftResource } from "./resource-removal.js";
import { failureReason, LinkStepError, StepFailure } from "./step-errors.js";

/**
 * Rolls a failed attempt back and explains it in one line: which step failed on which host, and what (if
 * anything) could not be removed. `keep` records the leftovers so a later teardown finds them.
 */
export async function failAttempt(
  attempt: Attempt,
  error: unknown,
  operation: "link" | "repair",
  clusters: readonly [string, ...string[]],
  logger: EngineLogger | undefined,
  options: { kept?: readonly LinkResource[]; keep?: (left: LeftResource[]) => Promise<void> } = {},
): Promise<never> {
  const { kept, keep } = options;
  const failure = error instanceof StepFailure ? error : new StepFailure(operation, clusters[0], error);
  const { left, unsearched } = await attempt.rollback(clusters, kept);
  const leftovers = left.map((l) => ({ cluster: l.cluster, kind: l.kind, name: l.name }));
  if (left.length && keep) {
    await keep(left).catch((saveError: unknown) =>
      logger?.error(
        { err: saveError, link: attempt.linkId },
        `could not record the leftovers of a failed ${operation}`,
      ),
    );
  }
  // The error below tells the user all of it; a terminal, which shows warnings, says it once. Something left
  // behind, a host not searched, or a repair's removed parts not replaced is worth a warning in the bot's log as well.
  const level = left.length || unsearched.length || attempt.lost.length ? "warn" : "info";
  logger?.[level](
    {
      link: attempt.linkId,
      step: failure.step,
      cluster: failure.cluster,
      err: failureReason(failure.cause),
      leftovers,
      unsearched,
    },
    `${operation} rolled back`,
  );
  throw new LinkStepError(
    failure.step,
    failure.cluster,
    failureReason(failure.cause),
    leftovers,
    attempt.linkId,
    operation,
    failureReason(failure.cause, { withoutAddress: true }),
    unsearched,
    attempt.lost.map((l) => ({ cluster: l.cluster, kind: l.kind, name: l.name })),
  );
}
