import type { Readable, Writable } from "node:stream";
import type { DestinationStream } from "pino";
import { type AppServices, type BackendFactory, createServices, defaultBackend } from "./app-context.js";
import type { Services } from "./commands/services.js";
import { type Config, configSecrets, loadConfig } from "./config.js";
import { dockerConfigDir } from "./docker/docker-context.js";
import { describeError, isUserError } from "./errors.js";
import { createLogger, type Logger } from "./logger.js";
import type { LinkMonitor } from "./monitor/link-monitor.js";
import { logReconcileSummary, startLinkMonitor } from "./monitor/start-monitor.js";
import { type SlackBot, type SlackBotOptions, startSlackBot } from "./slack/slack-bot.js";
import type { PreparedCluster } from "./store/cluster-registration.js";
import { prepareClustersAdd } from "./terminal/clusters-command.js";
import { printClustersResult } from "./terminal/clusters-delegate.js";
import { runRepl } from "./terminal/repl.js";
import { runOnce } from "./terminal/run-once.js";

export interface MainIo {
  env: NodeJS.ProcessEnv;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  backend?: BackendFactory;
  /** Where the JSON log goes; standard error by default. */
  log?: DestinationStream;
  /** Called when the bot should leave after a signal; the default exits the process. */
  exit?: (code: number) => void;
}

const usage = `usage:
  ambassador                         start the bot (Slack when SLACK_* is set, else a prompt)
  ambassador <command> [arguments]   run one command and exit; "ambassador help" lists them
  ambassador clusters add|list|remove|test ...   manage the registered Docker hosts`;

/** The command-line entry point; resolves to the exit code (or never, while a bot runs). */
export async function main(args: readonly string[], io: MainIo): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    io.stderr.write(`${describeError(error)}\n`);
    return 2;
  }
  const logger = createLogger({
    level: config.logLevel,
    secrets: configSecrets(config),
    destination: io.log,
  });
  let ready: PreparedCluster | undefined;
  if (args[0] === "clusters" && args[1] === "add") {
    const prepared = await prepareClustersAdd(args.slice(2), { dockerConfigDir: dockerConfigDir(io.env) });
    if ("refused" in prepared) return printClustersResult(prepared.refused, io);
    ready = prepared.prepared;
  }
  let services: AppServices;
  try {
    services = await createServices(config, logger, io.backend ?? defaultBackend, {
      clustersCommand: args[0] === "clusters",
    });
  } catch (error) {
    if (!isUserError(error)) logger.error({ err: error }, "could not start");
    io.stderr.write(`Could not start: ${describeError(error)}\n`);
    return 1;
  }
  try {
    if (args[0] === "clusters" && services.runClustersCommand)
      return printClustersResult(await services.runClustersCommand(args.slice(1), ready), io);
    if (args.length > 0) return await runOnce(args, services, io);
    if (config.slack.mode === "terminal") {
      await runRepl(services, {
        input: io.stdin,
        output: io.stdout,
        errors: io.stderr,
        runClustersCommand: services.runClustersCommand,
      });
      return 0;
    }
    await serveSlack(services, logger, io.exit ?? ((code) => process.exit(code)));
    return await new Promise<number>(() => {});
  } finally {
    if (args.length > 0 || config.slack.mode === "terminal") await services.close?.();
  }
}

/** The Slack bot with the link monitor that alerts through it. */
export interface SlackBotWithMonitor extends SlackBot {
  /** The link monitor, when there is a store of links to watch. */
  monitor?: LinkMonitor;
}

/**
 * Starts the Slack bot, then the link monitor over the stored links. Commands see the health the monitor last
 * saw, and shutdown stops the monitor once the running commands have finished, before the app stops.
 */
export async function startSlackWithMonitor(
  services: Services,
  options: Omit<SlackBotOptions, "beforeStop"> = {},
): Promise<SlackBotWithMonitor> {
  let monitor: LinkMonitor | undefined;
  const bot = await startSlackBot(
    { ...services, health: (linkId) => monitor?.health(linkId) ?? services.health?.(linkId) },
    { ...options, beforeStop: async () => monitor?.stop() },
  );
  // Started once the app runs, so a failed start leaves no checks behind.
  const { links, engine, clusters, logger, config } = services;
  if (links) {
    monitor = startLinkMonitor({
      links,
      engine,
      clusters,
      logger,
      checkIntervalSeconds: config.checkIntervalSeconds,
      autoRepair: config.autoRepair,
      client: bot.client,
    });
  }
  return { ...bot, monitor };
}

async function serveSlack(services: Services, logger: Logger, exit: (code: number) => void): Promise<void> {
  const bot = await startSlackWithMonitor(services);
  // Only logged: a slow or dead host must not hold up the start.
  void logReconcileSummary(services.engine, logger);
  const stop = async (signal: string) => {
    logger.info({ signal }, "stopping");
    try {
      await bot.shutdown();
      await services.close?.();
      exit(0);
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      exit(1);
    }
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}
