import { userInfo } from "node:os";
import type { Invocation } from "../commands/command.js";

/** The person at this terminal: trusted, and recorded in the audit log by their login name. */
export function localInvocation(user: string = safeUserName()): Invocation {
  return { actor: { kind: "local", user }, trusted: true };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? "local";
  }
}
