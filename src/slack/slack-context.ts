import type { webApi } from "@slack/bolt";
import type { ReadyCommand } from "../commands/execute.js";
import type { Services } from "../commands/services.js";
import type { Logger } from "../logger.js";
import type { ListenedInteractions } from "./listened-interactions.js";

/** A running command that changes links, and how to tell its person that the bot stopped before it finished. */
export interface Unfinished {
  /** The command: its name, where it stands, and how its audit entry is ended as cut short. */
  change: Pick<ReadyCommand, "command" | "stage" | "cutShort">;
  tell(text: string): Promise<unknown>;
}

/** What the Slack handlers share: the services, the log, and the bot's running work. */
export interface SlackContext {
  services: Services;
  /** The Web API with the bot's token, for calls outside a listener's own client. */
  client: webApi.WebClient;
  log: Logger;
  /** Where every interaction listener takes the ID it is registered with. */
  listened: ListenedInteractions;
  /**
   * Runs work after an ack, so shutdown waits for it; with `unfinished`, a command that changes links, whose person
   * is told (by `tell`) if the bot stops before it finishes.
   */
  track(work: () => Promise<void>, unfinished?: Unfinished): void;
  /** True once shutdown began: new work is refused. */
  draining(): boolean;
  /** A link was made, torn down, repaired or changed health: the Home tabs open on it are redrawn. */
  linksChanged(): void;
}

/** A Slack ID as Slack writes them; anything else in a payload is not used. */
export function isSlackId(value: unknown): value is string {
  return typeof value === "string" && /^[A-Z0-9]{2,32}$/.test(value);
}

/** A link reference as the buttons carry it. */
export function isLinkId(value: unknown): value is string {
  return typeof value === "string" && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(value);
}

/** The team an interaction comes from, as the audit records it: the payload's team, else the user's, else none. */
export function teamOf(body: { team?: { id?: string } | null; user?: { team_id?: string } | null }): string {
  return body.team?.id ?? body.user?.team_id ?? "";
}

/** Whether an interaction carries a response URL to answer at, as Slack sends with a press of a message's button. */
export function hasResponseUrl(body: { response_url?: unknown }): boolean {
  if (typeof body.response_url !== "string") return false;
  try {
    return ["https:", "http:"].includes(new URL(body.response_url).protocol);
  } catch {
    return false;
  }
}
