import { describeError, describeErrorWithoutAddress } from "../errors.js";

/**
 * One thing wrong with a link: `shown` is kept in its health, which Slack shows (alerts, `status`, the Home tab, the
 * link's picture), so it names no Docker API URL or address; `logged` is the full text, for the bot's log.
 */
export interface LinkProblem {
  shown: string;
  logged: string;
  /**
   * A target ambassador of a link wired into its consumer's network namespace that is not running there: what
   * Docker's restart policy would mend, had the consumer been up when Docker tried.
   */
  outOfItsConsumer?: true;
}

/** A problem that names no error: the same text shown and logged. */
export function linkProblem(text: string): LinkProblem {
  return { shown: text, logged: text };
}

/** A problem caused by `error`, told by `say`: shown with the error's address-free message, logged with its own. */
export function linkProblemFrom(say: (why: string) => string, error: unknown): LinkProblem {
  return { shown: say(describeErrorWithoutAddress(error)), logged: say(describeError(error)) };
}
