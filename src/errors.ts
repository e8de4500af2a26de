/**
 * What marks a UserError, in the registry every copy of this module shares: the built CLI's starter and the program
 * it loads each carry one, and a lock refused in the one is judged in the other.
 */
const userErrorMark = Symbol.for("ambassador.UserError");

/**
 * A failure a person caused or can fix: its message says what to do. `withoutAddress` is the same message without
 * any Docker API URL or address in it (naming the cluster instead), for where those may not be shown: Slack.
 */
export class UserError extends Error {
  override readonly name = "UserError";
  readonly [userErrorMark] = true;
  readonly withoutAddress: string;
  constructor(
    readonly code: string,
    message: string,
    withoutAddress = message,
  ) {
    super(message);
    this.withoutAddress = withoutAddress;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof Error && (error as Error & { [userErrorMark]?: unknown })[userErrorMark] === true;
}

/** A short reference that ties a message shown to a person to the full error in the log. */
export function errorReference(): string {
  return Math.random().toString(36).slice(2, 8).toUpperCase();
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** An error's message without any Docker API URL or address in it, when the error knows it; else its message. */
export function describeErrorWithoutAddress(error: unknown): string {
  const hidden = (error as { withoutAddress?: unknown } | undefined)?.withoutAddress;
  return typeof hidden === "string" ? hidden : describeError(error);
}

/**
 * A UserError whose message `say`s why, from `cause`: with the cause's own message, and, for Slack, with its message
 * without any Docker API URL or address.
 */
export function userErrorFrom(code: string, say: (why: string) => string, cause: unknown): UserError {
  return new UserError(code, say(describeError(cause)), say(describeErrorWithoutAddress(cause)));
}
