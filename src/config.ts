import { isIP } from "node:net";
import { z } from "zod";
import { type Deadlines, defaultDeadlines } from "./deadlines.js";
import { isUserError, UserError } from "./errors.js";
import { loadStoreConfig, type StoreConfig } from "./store/store-config.js";

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const blank = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

const hostName =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const slackUserId = /^[UW][A-Z0-9]{2,}$/;
const teamScopedUserId = /^T[A-Z0-9]{2,}:[UW][A-Z0-9]{2,}$/;

/** A switch: on or off (1/true/yes or 0/false/no), `fallback` when unset. */
const onOff = (fallback: "on" | "off") =>
  z.preprocess(
    (value) => (typeof value === "string" ? value.trim().toLowerCase() || undefined : value),
    z
      .enum(["1", "true", "yes", "on", "0", "false", "no", "off"], {
        message: "must be on or off (1/true/yes or 0/false/no)",
      })
      .default(fallback)
      .transform((value) => ["1", "true", "yes", "on"].includes(value)),
  );

const EnvSchema = z.object({
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText.refine((value) => value === undefined || /^xox[bp]-/.test(value), {
    message: "must be a bot token starting with xoxb-",
  }),
  SLACK_APP_TOKEN: optionalText.refine((value) => value === undefined || value.startsWith("xapp-"), {
    message: "must be an app-level token starting with xapp-",
  }),
  SLACK_API_URL: optionalText.pipe(
    z
      .url({ protocol: /^https?$/, message: "must be an http(s) URL such as https://slack.com/api/" })
      .optional(),
  ),
  PORT: z.preprocess(
    blank,
    z.coerce
      .number({ message: "must be a port number" })
      .int("must be a whole number")
      .min(0, "must be 0-65535")
      .max(65535, "must be 0-65535")
      .default(3000),
  ),
  HOST: optionalText.refine((value) => value === undefined || isIP(value) !== 0 || hostName.test(value), {
    message: "must be an IP address to listen on, such as 127.0.0.1, 0.0.0.0 or ::, or a host name",
  }),
  AMBASSADOR_ADMINS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    )
    .refine((ids) => ids.every((id) => slackUserId.test(id) || teamScopedUserId.test(id)), {
      message:
        "must be comma-separated Slack user IDs such as U012AB3CD (or TEAM:USER such as T0123:U012AB3CD)",
    }),
  AMBASSADOR_IMAGE: optionalText.pipe(z.string().default("ambassador-bot/ambassador:latest")),
  AMBASSADOR_CHECK_INTERVAL: z.preprocess(
    blank,
    z.coerce
      .number({ message: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(1, "must be at least 1 second")
      .default(30),
  ),
  AMBASSADOR_STORE_WAIT: z.preprocess(
    blank,
    z.coerce
      .number({ message: "must be a number of seconds" })
      .int("must be a whole number of seconds")
      .min(0, "must be 0 (do not wait) or more seconds")
      .default(30),
  ),
  AMBASSADOR_AUTO_REPAIR: onOff("off"),
  AMBASSADOR_PICTURES: onOff("on"),
  LOG_LEVEL: z.preprocess(
    blank,
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
        message: "must be one of fatal, error, warn, info, debug, trace, silent",
      })
      .optional(),
  ),
});

/** How the bot talks to people: Slack over HTTP, Slack over Socket Mode, or a terminal prompt. */
export type SlackMode = "http" | "socket" | "terminal";

/** The bot's configuration, read once from the environment. */
export interface Config {
  slack: {
    mode: SlackMode;
    signingSecret?: string;
    botToken?: string;
    appToken?: string;
    apiUrl?: string;
  };
  port: number;
  /** The address the HTTP server listens on (HOST); every address when unset. */
  host?: string;
  /** Slack user IDs (or TEAM:USER pairs) allowed to link and tear down. */
  admins: string[];
  ambassadorImage: string;
  /** The store's file and where its encryption key comes from. */
  store: StoreConfig;
  checkIntervalSeconds: number;
  /** How long a one-shot command waits for another to finish with the store (AMBASSADOR_STORE_WAIT; 30 s). */
  storeWaitSeconds: number;
  /** Repair a link as soon as the monitor finds it broken (AMBASSADOR_AUTO_REPAIR; off by default). */
  autoRepair: boolean;
  /** Upload a picture of the link with the answers of link, status and repair in Slack (AMBASSADOR_PICTURES; on by default). */
  pictures: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Every deadline of the bot, in one table. */
  deadlines: Deadlines;
}

function slackMode(env: z.infer<typeof EnvSchema>): SlackMode {
  const { SLACK_SIGNING_SECRET: secret, SLACK_BOT_TOKEN: bot, SLACK_APP_TOKEN: app } = env;
  if (app) {
    if (!bot) throw badVariable("SLACK_BOT_TOKEN", "is required with SLACK_APP_TOKEN for Socket Mode");
    return "socket";
  }
  if (secret && bot) return "http";
  if (secret) throw badVariable("SLACK_BOT_TOKEN", "is required with SLACK_SIGNING_SECRET");
  if (bot)
    throw badVariable(
      "SLACK_SIGNING_SECRET",
      "is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)",
    );
  return "terminal";
}

function badVariable(name: string, problem: string): UserError {
  return new UserError("bad-config", `Configuration: ${name} ${problem}.`);
}

function readStoreConfig(env: NodeJS.ProcessEnv): StoreConfig {
  try {
    return loadStoreConfig(env);
  } catch (error) {
    if (!isUserError(error)) throw error;
    const [name = "environment", ...problem] = error.message.split(": ");
    throw badVariable(name, problem.join(": "));
  }
}

/** Reads and checks the configuration; a bad value throws a UserError that names the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw badVariable(name, issue?.message ?? "is not valid");
  }
  const values = parsed.data;
  const mode = slackMode(values);
  return {
    slack: {
      mode,
      signingSecret: values.SLACK_SIGNING_SECRET,
      botToken: values.SLACK_BOT_TOKEN,
      appToken: values.SLACK_APP_TOKEN,
      apiUrl: values.SLACK_API_URL,
    },
    port: values.PORT,
    host: values.HOST,
    admins: values.AMBASSADOR_ADMINS,
    ambassadorImage: values.AMBASSADOR_IMAGE,
    store: readStoreConfig(env),
    checkIntervalSeconds: values.AMBASSADOR_CHECK_INTERVAL,
    storeWaitSeconds: values.AMBASSADOR_STORE_WAIT,
    autoRepair: values.AMBASSADOR_AUTO_REPAIR,
    pictures: values.AMBASSADOR_PICTURES,
    // At a terminal the person reads results, not the log: only warnings and errors unless asked for more.
    logLevel: values.LOG_LEVEL ?? (mode === "terminal" ? "warn" : "info"),
    deadlines: {
      ...defaultDeadlines,
      check: Math.min(defaultDeadlines.check, values.AMBASSADOR_CHECK_INTERVAL * 1000),
    },
  };
}

/** The values that must never appear in a log line. */
export function configSecrets(config: Config): string[] {
  return [
    config.slack.signingSecret,
    config.slack.botToken,
    config.slack.appToken,
    config.store.key?.toString("base64"),
  ].filter((value): value is string => value !== undefined && value.length >= 6);
}
