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

function hasType(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return (
      typeof parsed === "object" &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      typeof (parsed as { type?: unknown }).type === "string"
    );
  } catch {
    return false;
  }
}

function formProblem(text: string, slashCommand: string): string | undefined {
  const form = readForm(text);
  if (typeof form === "string") return form;
  const payload = form.get("payload");
  if (payload !== undefined)
    return hasType(payload)
      ? undefined
      : 'the "payload" field is not a JSON object with a "type"; send the interaction as Slack does';
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
  return undefined;
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
  return hasType(text)
    ? undefined
    : 'the body is not a JSON object with a "type"; send an event as Slack does';
}
