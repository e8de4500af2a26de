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
    const copy = new Error(scrubText(value.message, secrets));
    copy.name = value.name;
    copy.stack = value.stack ? scrubText(value.stack, secrets) : undefined;
    const { code, cause } = value as Error & { code?: unknown };
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
