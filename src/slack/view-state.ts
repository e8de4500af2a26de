/**
 * Reads the fields of a view's state as Slack sends them back (`state.values[block][action]`), whatever the payload
 * holds: a field is a string, absent, or a problem to show on it. Absent covers a block or element that is missing
 * or not an object, and a select with no `selected_option`, as Slack sends a field left empty.
 */

import { type JsonObject, objectOf } from "./json-object.js";

/** A field's value; neither when it was left empty; a problem, one line saying what to do, when it came unreadable. */
export type FieldRead = { value?: string; problem?: undefined } | { value?: undefined; problem: string };

function elementOf(values: unknown, block: string | undefined, action: string): JsonObject | undefined {
  return block === undefined ? undefined : objectOf(objectOf(objectOf(values)?.[block])?.[action]);
}

const unreadableChoice = "Slack sent this choice in a form the bot cannot read; choose it again";
const unreadableText = "Slack sent this text in a form the bot cannot read; type it again";

/** The chosen option of a select. */
export function readChoice(values: unknown, block: string | undefined, action: string): FieldRead {
  const option = elementOf(values, block, action)?.selected_option;
  if (option === undefined || option === null) return {};
  const value = objectOf(option)?.value;
  if (typeof value !== "string") return { problem: unreadableChoice };
  return value ? { value } : {};
}

/** What was typed in a text input, trimmed. */
export function readText(values: unknown, block: string | undefined, action: string): FieldRead {
  const value = elementOf(values, block, action)?.value;
  if (value === undefined || value === null) return {};
  if (typeof value !== "string") return { problem: unreadableText };
  const trimmed = value.trim();
  return trimmed ? { value: trimmed } : {};
}

/** The chosen option of a select, or undefined when none was chosen or it came unreadable. */
export function chosen(values: unknown, block: string, action: string): string | undefined {
  return readChoice(values, block, action).value;
}
