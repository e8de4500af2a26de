/** A failure a person caused or can fix: its message is safe to show in chat and says what to do. */
export class UserError extends Error {
  override readonly name = "UserError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** A short reference that ties a message shown to a person to the full error in the log. */
export function errorReference(): string {
  return Math.random().toString(36).slice(2, 8).toUpperCase();
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
