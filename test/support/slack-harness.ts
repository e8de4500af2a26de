import {
  type BotRequests,
  type ResponsePost,
  type SlackClient,
  startSlackClient,
} from "../../bench/slack-client.js";
import { type AppServices, type BackendFactory, createServices } from "../../src/app-context.js";
import { configSecrets, loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { type SlackBotWithMonitor, startSlackWithMonitor } from "../../src/run-here.js";
import { CapturedOutput, testServices } from "./fakes.js";
import { type MemoryEngine, memoryEngine } from "./memory-engine.js";

export interface HarnessOptions {
  /** The real engine over in-memory Docker hosts; default a fresh `memoryEngine()` unless a backend is given. */
  lab?: MemoryEngine;
  /** Extra environment for loadConfig (the Slack variables are set by the harness). */
  env?: NodeJS.ProcessEnv;
  /** The real store and engine (e.g. `defaultBackend` with AMBASSADOR_STORE in `env`) instead of memory. */
  backend?: BackendFactory;
  /** Hands the in-memory links to the bot as its store, so the Home tab and the monitor see them. */
  storedLinks?: boolean;
  /** The app's signing secret, as one app's bot started again keeps it; else a fresh one. */
  signingSecret?: string;
  /** How long the bot's posts to Slack may take; else the bot's default. */
  postDeadlineMs?: number;
  /** How the Web API stand-in answers from the start: methods refused with an error, methods never answered. */
  api?: { fail?: Record<string, string>; hold?: string[] };
}

/** The real app on an ephemeral port, with a test server for response URLs and the Web API. */
export interface SlackHarness extends BotRequests {
  url: string;
  /** The Slack stand-in's origin: where response URLs may point. */
  slackUrl: string;
  signingSecret: string;
  botToken: string;
  services: AppServices;
  /** The in-memory hosts and links the engine runs over, unless a backend was given. */
  lab: MemoryEngine | undefined;
  /** Log output of the whole run. */
  log: CapturedOutput;
  bot: SlackBotWithMonitor;
  responses: ResponsePost[];
  apiCalls: SlackClient["apiCalls"];
  waitForApi: SlackClient["waitForApi"];
  uploads: SlackClient["uploads"];
  events: SlackClient["events"];
  failApi: SlackClient["failApi"];
  waitForApiCall: SlackClient["waitForApiCall"];
  waitForResponses: SlackClient["waitForResponses"];
  close(): Promise<void>;
}

export async function startSlackHarness(options: HarnessOptions = {}): Promise<SlackHarness> {
  const slack = await startSlackClient({ signingSecret: options.signingSecret });
  for (const [method, error] of Object.entries(options.api?.fail ?? {})) slack.failApi(method, error);
  for (const method of options.api?.hold ?? []) slack.holdApi(method);
  const env: NodeJS.ProcessEnv = {
    AMBASSADOR_ADMINS: "UADMIN",
    LOG_LEVEL: "debug",
    ...options.env,
    ...slack.botEnv,
    PORT: "0",
  };
  const log = new CapturedOutput();
  let services: AppServices;
  const lab = options.backend ? undefined : (options.lab ?? memoryEngine());
  if (options.backend) {
    const config = loadConfig(env);
    const logger = createLogger({ level: config.logLevel, secrets: configSecrets(config), destination: log });
    services = await createServices(config, logger, options.backend);
  } else {
    const made = testServices({ lab, env, log });
    services = options.storedLinks ? { ...made, links: made.lab.links } : made;
  }
  const bot = await startSlackWithMonitor(services, { port: 0, postDeadlineMs: options.postDeadlineMs });
  const url = `http://127.0.0.1:${bot.port}`;

  return {
    ...slack.talkTo(url),
    url,
    slackUrl: new URL(slack.botEnv.SLACK_API_URL).origin,
    signingSecret: slack.signingSecret,
    botToken: slack.botToken,
    services,
    lab,
    log,
    bot,
    responses: slack.responses,
    apiCalls: slack.apiCalls,
    waitForApi: slack.waitForApi,
    uploads: slack.uploads,
    events: slack.events,
    failApi: slack.failApi,
    waitForApiCall: slack.waitForApiCall,
    waitForResponses: slack.waitForResponses,
    async close() {
      await bot.shutdown();
      await services.close?.();
      await slack.close();
    },
  };
}
