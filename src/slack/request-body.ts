import { type JsonObject, objectOf } from "./json-object.js";
import { hasResponseUrl } from "./slack-context.js";

/**
 * What a signed body must be before Bolt reads it: UTF-8, and one of the kinds of request Slack sends this app. Bolt
 * reads a form with Node's `querystring`, which turns a repeated field into an array and a bad escape into U+FFFD:
 * a repeated `text` or `user_id` reached the command as an array, a form without `command` or `payload` waited
 * three seconds for an ack that never came, and a slash command without `response_url` failed after its ack.
 */

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Slack's forms carry about a dozen; Bolt's reader keeps the first thousand, so past this both would differ. */
const maxFormFields = 100;

/** What the slash command's handler needs: who asks, from where, and where the answer goes after the ack. */
const slashCommandFields = ["team_id", "user_id", "channel_id", "response_url"];

/** A field's name as it is shown back: quoted, on one line, and short whatever was sent. */
function quoted(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

function decodeFormPart(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, " "));
}

/** The fields of a form, each once, or why the form cannot be read that way. */
function readForm(text: string): Map<string, string> | string {
  const fields = new Map<string, string>();
  for (const piece of text.split("&")) {
    if (piece === "") continue;
    if (fields.size === maxFormFields)
      return `the form has more than ${maxFormFields} fields; send only the fields Slack sends`;
    const equals = piece.indexOf("=");
    const rawName = equals === -1 ? piece : piece.slice(0, equals);
    let name: string;
    let value: string;
    try {
      name = decodeFormPart(rawName);
      value = equals === -1 ? "" : decodeFormPart(piece.slice(equals + 1));
    } catch {
      return `the form field ${quoted(rawName)} is not percent-encoded UTF-8; encode every field as UTF-8`;
    }
    if (fields.has(name)) return `the form field ${quoted(name)} is repeated; send each field once`;
    fields.set(name, value);
  }
  return fields;
}

function parsedObject(text: string): JsonObject | undefined {
  try {
    return objectOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

const named = (value: unknown) => typeof value === "string" && value !== "";

/**
 * A team or enterprise ID Bolt would look its clients up by that names a property every object has (`__proto__`,
 * `constructor`): Bolt finds that property instead of a client and fails with a 500. No workspace has such an ID.
 */
function workspaceIdProblem(ids: readonly unknown[]): string | undefined {
  // As Bolt uses it, as a property's name: a list or a number is turned into text first.
  const taken = ids.find((id) => id !== undefined && id !== null && String(id) in Object.prototype);
  return taken === undefined
    ? undefined
    : `names a team or enterprise ${quoted(String(taken))}, which no workspace is`;
}

/**
 * Fields by which Bolt tells the kinds of request apart, in its order (`event`, `command`, `name`, `actions`): an
 * interaction holding one of another kind's is read as that kind, so its handler never runs or Bolt fails.
 */
const otherKindsFields: Record<string, readonly string[]> = {
  block_actions: ["event", "command", "name"],
  block_suggestion: ["event", "command"],
  shortcut: ["event", "command", "name", "actions"],
  view_submission: ["event", "command", "name", "actions"],
};

function otherKindProblem(payload: JsonObject): string | undefined {
  const field = otherKindsFields[String(payload.type)]?.find((name) => Object.hasOwn(payload, name));
  return field === undefined
    ? undefined
    : `has a field ${quoted(field)}, which another kind of request carries`;
}

/**
 * The interactions this app answers, each with what its handler reads (besides who pressed: `user.id`), or why it
 * lacks it. Bolt answered one without them with a 500, or held it three seconds and answered 404.
 */
const interactionFields: Record<string, (payload: JsonObject) => string | undefined> = {
  block_actions: (p) =>
    Array.isArray(p.actions) && p.actions.length > 0 && p.actions.every((a) => named(objectOf(a)?.action_id))
      ? undefined
      : 'has no "actions", each with an "action_id"',
  block_suggestion: (p) => (named(p.action_id) ? undefined : 'has no "action_id"'),
  shortcut: (p) =>
    named(p.callback_id) && named(p.trigger_id) ? undefined : 'has no "callback_id" or "trigger_id"',
  view_submission: (p) => {
    const view = objectOf(p.view);
    return named(view?.id) && named(view?.callback_id) && objectOf(objectOf(view?.state)?.values)
      ? undefined
      : 'has no "view" with an "id", a "callback_id" and "state.values"';
  },
};

/**
 * Who acts, as every handler reads it: `user.id`, and the team's ID, which the audit records, as text wherever
 * it is given (null for some organisation-wide apps).
 */
function actorProblem(payload: JsonObject): string | undefined {
  const user = objectOf(payload.user);
  if (!named(user?.id)) return 'has no "user.id"';
  if (user?.team_id !== undefined && user.team_id !== null && typeof user.team_id !== "string")
    return 'has a "user.team_id" that is not text';
  if (payload.team !== undefined && payload.team !== null && !named(objectOf(payload.team)?.id))
    return 'has a "team" without an "id"';
  return undefined;
}

/**
 * Where it happened, and where to answer: Bolt reads the conversation's ID from any channel given, null included,
 * and the first response URL of any list of them.
 */
function channelProblem(payload: JsonObject): string | undefined {
  if (payload.channel !== undefined && !objectOf(payload.channel))
    return 'has a "channel" that is not an object';
  const urls = payload.response_urls;
  if (urls !== undefined && !(Array.isArray(urls) && urls.every(objectOf)))
    return 'has "response_urls" that are not a list of objects';
  return undefined;
}

/**
 * An event as Bolt and the handlers read it: a type; the user who acts, the conversation and the authorizations,
 * where given, as Slack writes them (Bolt reads the ID of a null channel or authorization, the Home tab a null user's).
 */
function eventFieldsProblem(body: JsonObject): string | undefined {
  const event = objectOf(body.event);
  if (!named(event?.type)) return 'has no "event" with a "type"';
  if (event?.user !== undefined && !named(event.user) && !named(objectOf(event.user)?.id))
    return 'has an "event.user" that is neither an ID nor a user with an "id"';
  const channel = event?.channel;
  if (channel !== undefined && typeof channel !== "string" && !objectOf(channel))
    return 'has an "event.channel" that is neither an ID nor an object';
  if (event?.item !== undefined && !objectOf(event.item)) return 'has an "event.item" that is not an object';
  // Bolt reads who made a user group of an event that names no user.
  if (event?.subteam !== undefined && !objectOf(event.subteam))
    return 'has an "event.subteam" that is not an object';
  // Bolt reads the first authorization's team and enterprise.
  const { authorizations } = body;
  if (authorizations !== undefined && !(Array.isArray(authorizations) && authorizations.every(objectOf)))
    return 'has "authorizations" that are not a list of objects';
  const first = Array.isArray(authorizations) ? objectOf(authorizations[0]) : undefined;
  return workspaceIdProblem([body.team_id, body.enterprise_id, first?.team_id, first?.enterprise_id]);
}

/** The events API's requests this app takes, with what each must carry, or why it lacks it. */
const callbacks: Record<string, (body: JsonObject) => string | undefined> = {
  url_verification: (b) => (named(b.challenge) ? undefined : 'has no "challenge"'),
  event_callback: eventFieldsProblem,
  // Slack's notice that it holds back this app's events for a while: answered 200 at once (isRateLimitNotice).
  app_rate_limited: () => undefined,
};

/** What a JSON body of one of these kinds lacks, as one line naming it; undefined when it is whole. */
function shapeProblem(
  text: string,
  kinds: Record<string, (body: JsonObject) => string | undefined>,
  say: { whole: string; kind: string; noun: string; fix: string },
): string | undefined {
  const body = parsedObject(text);
  if (!body || typeof body.type !== "string")
    return `${say.whole} is not a JSON object with a "type"; ${say.fix}`;
  const lacks = kinds[body.type];
  if (!lacks)
    return `the ${say.kind} ${quoted(body.type)} is not one this app takes; send ${Object.keys(kinds).join(", ")}`;
  const missing = lacks(body);
  return missing ? `the ${quoted(body.type)} ${say.noun} ${missing}; send it as Slack does` : undefined;
}

const interactions = Object.fromEntries(
  Object.entries(interactionFields).map(([type, lacks]) => [
    type,
    (payload: JsonObject) =>
      otherKindProblem(payload) ??
      lacks(payload) ??
      actorProblem(payload) ??
      channelProblem(payload) ??
      workspaceIdProblem([
        objectOf(payload.team)?.id,
        objectOf(payload.team)?.enterprise_id,
        objectOf(payload.enterprise)?.id,
        objectOf(payload.view)?.app_installed_team_id,
        objectOf(payload.user)?.team_id,
      ]),
  ]),
);

function interactionProblem(text: string): string | undefined {
  return shapeProblem(text, interactions, {
    whole: 'the "payload" field',
    kind: "interaction",
    noun: "interaction",
    fix: "send the interaction as Slack does",
  });
}

function eventProblem(text: string): string | undefined {
  return shapeProblem(text, callbacks, {
    whole: "the body",
    kind: "request type",
    noun: "request",
    fix: "send an event as Slack does",
  });
}

/**
 * Whether a body that passed requestBodyProblem is Slack's notice that it holds back this app's events
 * (`app_rate_limited`): Slack wants a 200, and Bolt, which has no listener for it, would answer 404 after 3 s.
 */
export function isRateLimitNotice(contentType: string | undefined, body: Buffer): boolean {
  return (
    contentType !== "application/x-www-form-urlencoded" &&
    parsedObject(body.toString("utf8"))?.type === "app_rate_limited"
  );
}

function formProblem(text: string, slashCommand: string): string | undefined {
  const form = readForm(text);
  if (typeof form === "string") return form;
  const payload = form.get("payload");
  if (payload !== undefined) return interactionProblem(payload);
  const command = form.get("command");
  if (command === undefined)
    // Slack's check of the certificate, which Bolt answers itself.
    return form.has("ssl_check")
      ? undefined
      : 'the form has neither a "command" nor a "payload" field; send a slash command or an interaction';
  if (command !== slashCommand)
    return `the command ${quoted(command)} is not this app's; send ${slashCommand}`;
  const missing = slashCommandFields.find((name) => !form.get(name));
  if (missing) return `the slash command has no ${quoted(missing)}; send every field Slack sends with one`;
  // Its answer goes there after the ack: a command whose answer could go nowhere is not run.
  if (!hasResponseUrl({ response_url: form.get("response_url") }))
    return 'the slash command\'s "response_url" is not an http or https URL; send the one Slack gives';
  // Bolt reads a form with an "event" field as an event, whatever else it holds.
  if (form.has("event"))
    return 'the slash command has a field "event", which another kind of request carries; send the fields Slack sends';
  const workspace = workspaceIdProblem([form.get("team_id"), form.get("enterprise_id")]);
  return workspace && `the slash command ${workspace}; send the fields Slack sends`;
}

/**
 * Why a signed body is not a request Slack sends this app, as one line that says what to send instead; undefined
 * when it is one. The content type is told apart as Bolt does: a form only when it is exactly Slack's form type.
 */
export function requestBodyProblem(
  contentType: string | undefined,
  body: Buffer,
  slashCommand: string,
): string | undefined {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return "the body is not valid UTF-8; send it encoded as UTF-8";
  }
  if (contentType === "application/x-www-form-urlencoded") return formProblem(text, slashCommand);
  if (contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return "a form is taken only as Content-Type application/x-www-form-urlencoded, in lower case with nothing after it; send it as Slack does";
  }
  return eventProblem(text);
}
