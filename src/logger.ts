import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

const secretPatterns: RegExp[] = [
  /xox[abposre]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /https?:\/\/[^\s"'<>]*\/(?:commands|actions)\/[^\s"'<>]+/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
];

const redactedKeys = [
  "token",
  "botToken",
  "appToken",
  "signingSecret",
  "signing_secret",
  "response_url",
  "responseUrl",
  "response_urls",
  "key",
  "privateKey",
  "authorization",
  "x-slack-signature",
];

/** Replaces tokens, response URLs, private keys and the given secret values in a string. */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("[redacted]");
  for (const pattern of secretPatterns) out = out.replace(pattern, "[redacted]");
  return out;
}

function scrubValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === "string") return scrubText(value, secrets);
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) {
    const { code, cause } = value as Error & { code?: unknown };
    // The log adds each cause's message after the error's own, as `outer: inner`: one that says its cause already
    // drops it, or the line would say it twice.
    const said = cause instanceof Error ? `: ${cause.message}` : undefined;
    const message =
      said && value.message.endsWith(said) ? value.message.slice(0, -said.length) : value.message;
    const copy = new Error(scrubText(message, secrets));
    copy.name = value.name;
    copy.stack = value.stack ? scrubText(value.stack, secrets) : undefined;
    if (typeof code === "string") Object.assign(copy, { code });
    if (cause !== undefined) copy.cause = scrubValue(cause, secrets, depth + 1);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = redactedKeys.includes(key) ? "[redacted]" : scrubValue(item, secrets, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Exact values never to print (tokens, the signing secret, the store key). */
  secrets?: readonly string[];
  destination?: DestinationStream;
}

/** A pino logger that never prints tokens, the signing secret, private keys or response URLs. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = options.secrets ?? [];
  return pino(
    {
      level: options.level ?? "info",
      base: { name: "ambassador" },
      formatters: {
        log: (object) => scrubValue(object, secrets) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === "string" ? scrubText(arg, secrets) : arg));
          return method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

const levelWords: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warning",
  50: "error",
  60: "fatal",
};

/** Control characters as JSON writes them, so a logged text cannot move the cursor or start a line of its own. */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters replaced.
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** A logged value as a short phrase: an error by its message, a list joined, anything else as JSON. */
function phrase(value: unknown): string {
  if (typeof value === "string") return printable(value);
  if (Array.isArray(value)) return value.map(phrase).join(", ");
  if (value && typeof value === "object" && "message" in value) return printable(String(value.message));
  return JSON.stringify(value);
}

/**
 * Log lines as a person reads them at a terminal, one line each: `warning: link rolled back (step: check images,
 * cluster: clusterc, err: …)`. The Slack bot keeps JSON, for whatever collects its logs.
 */
export function readableLog(out: { write(text: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const { level, time, name, pid, hostname, msg, ...fields } = entry;
      const details = Object.entries(fields)
        .filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0))
        .map(([key, value]) => `${key}: ${phrase(value)}`);
      const word = levelWords[Number(level)] ?? String(level);
      out.write(
        `${word}: ${printable(String(msg ?? ""))}${details.length ? ` (${details.join("; ")})` : ""}\n`,
      );
    },
  };
}
