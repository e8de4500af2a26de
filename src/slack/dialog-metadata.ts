import { createHmac, timingSafeEqual } from "node:crypto";
import { isSlackId } from "./slack-context.js";

/** Where the link dialog was opened: the channel whose clusters it offers and where its result is posted. */
export interface DialogOrigin {
  channel?: string;
}

function sealOf(key: string, user: string, channel: string | undefined): string {
  return createHmac("sha256", key)
    .update(`ambassador link dialog\n${user}\n${channel ?? ""}`)
    .digest("base64url");
}

/**
 * The dialog's `private_metadata`: the channel it was opened from, sealed with `key` (the bot's token) for the person
 * who opened it, so its requests act for that channel only when they come from that person, and only with what the
 * bot itself wrote.
 */
export function sealDialogOrigin(key: string, user: string, origin: DialogOrigin): string {
  return JSON.stringify({ channel: origin.channel, seal: sealOf(key, user, origin.channel) });
}

/**
 * The origin a dialog's request carries, when the bot sealed it for the person who sends the request; otherwise
 * undefined: metadata the bot did not write, or written for someone else.
 */
export function openDialogOrigin(key: string, user: string, text: unknown): DialogOrigin | undefined {
  let parsed: { channel?: unknown; seal?: unknown };
  try {
    parsed = JSON.parse(typeof text === "string" ? text : "") as typeof parsed;
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object" || typeof parsed.seal !== "string") return undefined;
  const { channel } = parsed;
  if (channel !== undefined && !isSlackId(channel)) return undefined;
  const given = Buffer.from(parsed.seal);
  const expected = Buffer.from(sealOf(key, user, channel));
  return given.length === expected.length && timingSafeEqual(given, expected) ? { channel } : undefined;
}
