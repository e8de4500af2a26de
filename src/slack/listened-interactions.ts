import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Logger } from "../logger.js";
import { type JsonObject, objectOf } from "./json-object.js";

/** The interactions a listener is registered for, by the payload type Slack sends. */
export type InteractionKind = "block_actions" | "block_suggestion" | "shortcut" | "view_submission";

/** An ID as Bolt matches it: a string exactly, a RegExp by String.match. */
type IdPattern = string | RegExp;

/**
 * The IDs the app's interaction listeners are registered with. Every listener takes its ID through one of these
 * methods, named for the `app` method it is passed to, so this is the one list of what the app listens for.
 */
export class ListenedInteractions {
  readonly #patterns: Record<InteractionKind, IdPattern[]> = {
    block_actions: [],
    block_suggestion: [],
    shortcut: [],
    view_submission: [],
  };

  #listen<T extends IdPattern>(kind: InteractionKind, pattern: T): T {
    this.#patterns[kind].push(pattern);
    return pattern;
  }

  /** The action ID of an `app.action` listener. */
  action<T extends IdPattern>(pattern: T): T {
    return this.#listen("block_actions", pattern);
  }

  /** The action ID of an `app.options` listener. */
  options<T extends IdPattern>(pattern: T): T {
    return this.#listen("block_suggestion", pattern);
  }

  /** The callback ID of an `app.shortcut` listener. */
  shortcut<T extends IdPattern>(pattern: T): T {
    return this.#listen("shortcut", pattern);
  }

  /** The callback ID of an `app.view` listener, for the view's submission. */
  view<T extends IdPattern>(pattern: T): T {
    return this.#listen("view_submission", pattern);
  }

  /** Whether a listener of the kind is registered for the ID, as Bolt would match it. */
  has(kind: InteractionKind, id: string): boolean {
    return this.#patterns[kind].some((pattern) =>
      // As Bolt matches: String.match, which keeps no state between calls as a global RegExp's test does.
      typeof pattern === "string" ? pattern === id : id.match(pattern) !== null,
    );
  }
}

const idOf: Record<InteractionKind, (body: JsonObject) => unknown> = {
  // Bolt hands a listener the first action only.
  block_actions: (body) => (Array.isArray(body.actions) ? objectOf(body.actions[0])?.action_id : undefined),
  block_suggestion: (body) => body.action_id,
  shortcut: (body) => body.callback_id,
  view_submission: (body) => objectOf(body.view)?.callback_id,
};

/** The kind and ID of an interaction a listener may be registered for; undefined for any other request. */
function interactionOf(body: unknown): { kind: InteractionKind; id: string } | undefined {
  const payload = objectOf(body);
  const kind = payload?.type as InteractionKind;
  if (!payload || typeof payload.type !== "string" || !Object.hasOwn(idOf, kind)) return undefined;
  const id = idOf[kind](payload);
  return { kind, id: typeof id === "string" ? id : "" };
}

/**
 * Global middleware: an interaction whose ID no listener is registered for is acknowledged at once, with an empty
 * answer (no options, for a picker's query, which Slack shows as "no results"), and logged as one warning; nothing
 * else runs for it. Any other request goes on to the listeners, which acknowledge it themselves, so no request is
 * acknowledged twice.
 */
export function answerUnlistened(listened: ListenedInteractions, log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const asked = interactionOf(args.body);
    if (!asked || listened.has(asked.kind, asked.id) || !("ack" in args) || !args.ack) {
      await args.next();
      return;
    }
    log.warn(
      { kind: asked.kind, id: asked.id.slice(0, 255) },
      "no listener for this interaction's ID: acknowledged, nothing run",
    );
    await (args.ack as (answer?: { options: [] }) => Promise<void>)(
      asked.kind === "block_suggestion" ? { options: [] } : undefined,
    );
  };
}
