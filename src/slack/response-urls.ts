import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import { objectOf } from "./json-object.js";

/**
 * Where the bot posts an answer after its ack: only at Slack. A signed request that names another address as its
 * response URL would have the bot post there (inside the network it runs in) whatever the request says.
 */

/** Slack's hosts for response URLs: its own and GovSlack's. */
const slackHooks = ["https://hooks.slack.com", "https://hooks.slack-gov.com"];

/** The origins a response URL may have: Slack's, and SLACK_API_URL's when the bot talks to another Slack. */
export function responseOrigins(apiUrl: string | undefined): string[] {
  if (!apiUrl) return slackHooks;
  try {
    return [...slackHooks, new URL(apiUrl).origin];
  } catch {
    return slackHooks;
  }
}

/** Every response URL a request's body carries: a command's or a button's, and a dialog's list of them. */
function responseUrlsOf(body: unknown): unknown[] {
  const fields = objectOf(body);
  if (!fields) return [];
  const listed = Array.isArray(fields.response_urls)
    ? fields.response_urls.map((entry) => objectOf(entry)?.response_url)
    : [];
  return [...(fields.response_url === undefined ? [] : [fields.response_url]), ...listed];
}

/**
 * The origin of the body's first response URL that is not at one of `origins` ("not a URL" for one that is none):
 * only the origin, as the URL itself lets anyone post in the conversation. Undefined when there is none.
 */
export function foreignResponseOrigin(body: unknown, origins: readonly string[]): string | undefined {
  for (const url of responseUrlsOf(body)) {
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      return "not a URL";
    }
    // A user name or password in it: no post could be made (and the URL would be logged as the post failed).
    if (parsed.username || parsed.password) return `${parsed.origin}, with a user name or password`;
    if (!origins.includes(parsed.origin)) return parsed.origin.slice(0, 200);
  }
  return undefined;
}

/**
 * Acknowledges, and runs nothing for, a request whose response URL is not at Slack: in both modes, before any
 * listener, so no answer is posted there.
 */
export function refuseForeignResponseUrls(
  origins: readonly string[],
  refused: (message: string, fields?: object) => void,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const foreign = foreignResponseOrigin(args.body, origins);
    if (foreign === undefined) {
      await args.next();
      return;
    }
    refused("refused a request whose response URL is not at Slack: nothing run, nothing posted", {
      origin: foreign,
      allowed: origins,
    });
    if ("ack" in args && args.ack) await (args.ack as () => Promise<void>)();
  };
}
