// First: every schema the modules below make reads it.
import "./zod-jitless.js";
import type { Readable, Writable } from "node:stream";
import type { DestinationStream } from "pino";
import { type AppServices, type BackendFactory, createServices, defaultBackend } from "./app-context.js";
import { changesLinks } from "./commands/changes-links.js";
import { findCommand } from "./commands/command-table.js";
import type { Services } from "./commands/services.js";
import { type Config, configSecrets, loadConfig } from "./config.js";
import { dockerConfigDir } from "./docker/docker-context.js";
import { describeError, isUserError, UserError } from "./errors.js";
import { handToRunningBot } from "./hand-off.js";
import { createLogger, type Logger, readableLog } from "./logger.js";
import type { LinkMonitor } from "./monitor/link-monitor.js";
import { httpLimits } from "./slack/http-limits.js";
import type { SlackBot, SlackBotOptions } from "./slack/slack-bot.js";
import type { PreparedCluster } from "./store/cluster-registration.js";
import type { StoreLock } from "./store/store-lock.js";
import { botSocketPath } from "./terminal/bot-socket.js";
import type { BotSocketServer } from "./terminal/bot-socket-server.js";
import { printClustersResult } from "./terminal/clusters-delegate.js";
import { localInvocation } from "./terminal/local-invocation.js";
import { answerWithoutStore } from "./terminal/no-store.js";
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
  /** The store's lock, begun while this program loaded (a one-shot command); the store takes it over. */
  storeLock?: Promise<StoreLock>;
}

/** Runs the command, or the bot, in this process; resolves to the exit code (or never, while a bot runs). */
export async function runHere(args: readonly string[], io: MainIo): Promise<number> {
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
    // At the terminal (the prompt and one-shot commands) a person reads them; with Slack, a log collector does.
    destination: io.log ?? (config.slack.mode === "terminal" ? readableLog(io.stderr) : undefined),
  });
  // Only the store on disk can be missing: a backend given in its place (tests) holds its own.
  const withoutStore = io.backend ? undefined : await answerWithoutStore(args, config.store.path, io);
  if (withoutStore !== undefined) return withoutStore;
  let ready: PreparedCluster | undefined;
  if (args[0] === "clusters" && args[1] === "add") {
    // Slack, the prompt and the clusters commands are loaded only by the runs that use them: a one-shot command starts sooner.
    const { prepareClustersAdd } = await import("./terminal/clusters-command.js");
    const prepared = await prepareClustersAdd(args.slice(2), { dockerConfigDir: dockerConfigDir(io.env) });
    if ("refused" in prepared) return printClustersResult(prepared.refused, io);
    ready = prepared.prepared;
  }
  let services: AppServices;
  // The lock begun before loading is for the first try only: one that found the store held is spent.
  let begun = io.storeLock;
  const open = (readOnly = false) => {
    const storeLock = readOnly ? undefined : begun;
    if (!readOnly) begun = undefined;
    return createServices(config, logger, io.backend ?? defaultBackend, {
      clustersCommand: args[0] === "clusters",
      storeLock,
      readOnly,
    });
  };
  // A command that only reads does not wait for another one-shot command's turn: it reads the store as it is.
  let mayRead = readsOnly(args);
  const waitUntil = performance.now() + config.storeWaitSeconds * 1000;
  let waited = false;
  for (;;) {
    try {
      services = await open();
      break;
    } catch (error) {
      const locked = args.length > 0 && isUserError(error) && error.code === "store-locked";
      if (locked) {
        // A bot that started after this command looked for one holds the store: it takes the command now.
        const answered = await handToRunningBot(args, io, config.store.path);
        if (answered !== undefined) return answered;
        if (mayRead) {
          mayRead = false;
          try {
            services = await open(true);
            break;
          } catch {
            // Being made or upgraded, say: it waits its turn as a change does.
          }
        }
        // Else another one-shot command does, for as long as it runs: this one waits its turn.
        if (performance.now() < waitUntil) {
          if (!waited)
            io.stderr.write(
              `Waiting for the store: ${describeError(error).replace(/; run this again.*$/, "")}…\n`,
            );
          waited = true;
          await new Promise((resolve) => setTimeout(resolve, storeRetryMs));
          continue;
        }
      }
      if (!isUserError(error)) logger.error({ err: error }, "could not start");
      io.stderr.write(`Could not start: ${describeError(error)}\n`);
      return 1;
    }
  }
  let socket: BotSocketServer | undefined;
  let serving = false;
  let removeSignals: (() => void) | undefined;
  const exit = io.exit ?? ((code: number) => process.exit(code));
  try {
    if (args[0] === "clusters" && services.runClustersCommand)
      return printClustersResult(await services.runClustersCommand(args.slice(1), { ready }), io);
    if (args.length > 0) {
      const command = args[0] as string;
      if (changesLinks.has(command)) removeSignals = finishBeforeLeaving(command, io, exit);
      return await runOnce(args, services, io);
    }
    if (config.slack.mode === "terminal") {
      // A signal closes the prompt as `exit` does: the command it runs and those handed over finish first.
      const stopping = new AbortController();
      removeSignals = onStopSignals(logger, exit, () => stopping.abort());
      socket = await listenForOtherProcesses(services, logger);
      // As the Slack bot does at start: what a crash left is named, and nothing is changed.
      const { logReconcileSummary } = await import("./monitor/start-monitor.js");
      void logReconcileSummary(services.engine, logger);
      const { runRepl } = await import("./terminal/repl.js");
      await runRepl(services, {
        input: io.stdin,
        output: io.stdout,
        errors: io.stderr,
        runClustersCommand: services.runClustersCommand,
        signal: stopping.signal,
      });
      return 0;
    }
    try {
      await serveSlack(services, logger, exit);
    } catch (error) {
      if (!isUserError(error)) throw error;
      io.stderr.write(`Could not start: ${describeError(error)}\n`);
      return 1;
    }
    serving = true;
    return await new Promise<number>(() => {});
  } finally {
    // Once Slack is served, the signal handlers close everything.
    if (!serving) {
      await socket?.close();
      await services.close?.();
      removeSignals?.();
    }
  }
}

/** Whether the command line is one that only reads the store (at the terminal, `clusters` has subcommands that change it). */
function readsOnly(args: readonly string[]): boolean {
  const name = args[0];
  return name !== undefined && name !== "clusters" && findCommand(name)?.mutating === false;
}

/**
 * The first SIGTERM or SIGINT calls `stop`, which lets running commands finish; a second one leaves at once, for
 * someone who will not wait (what it cuts short, the next start's reconcile names). Returns a function that removes them.
 */
function onStopSignals(
  logger: Logger,
  exit: (code: number) => void,
  stop: (signal: string) => void,
): () => void {
  return onSignals(
    (signal) => {
      logger.info({ signal }, "stopping");
      stop(signal);
    },
    (signal) => {
      logger.warn({ signal }, "second signal while stopping: leaving now, running commands cut short");
      exit(1);
    },
  );
}

/**
 * While a one-shot command that changes links runs, the first SIGINT or SIGTERM lets it finish, since a link cut
 * short leaves ambassadors the store does not know; a second one leaves at once, saying what to run then.
 */
export function finishBeforeLeaving(command: string, io: MainIo, exit: (code: number) => void): () => void {
  return onSignals(
    () =>
      io.stderr.write(
        `Finishing \`${command}\` first, so that nothing is left half-done; interrupt again to stop at once.\n`,
      ),
    (signal) => {
      io.stderr.write(`Stopped before \`${command}\` finished; \`reconcile\` names what it left behind.\n`);
      // As a shell reports a process a signal ended: 128 and the signal's number.
      exit(signal === "SIGTERM" ? 143 : 130);
    },
  );
}

/** Calls `first` on the first SIGTERM or SIGINT and `second` on the next; returns a function that removes them. */
function onSignals(first: (signal: string) => void, second: (signal: string) => void): () => void {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return second(signal);
    stopping = true;
    first(signal);
  };
  const onTerm = () => handle("SIGTERM");
  const onInt = () => handle("SIGINT");
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  return () => {
    process.removeListener("SIGTERM", onTerm);
    process.removeListener("SIGINT", onInt);
  };
}

/**
 * The socket other processes hand commands to, run over `services` as the bot's own commands are; without it the
 * bot still serves, and says why in the log.
 */
async function listenForOtherProcesses(
  services: AppServices,
  logger: Logger,
  onLinksChanged?: () => void,
): Promise<BotSocketServer | undefined> {
  // Only a process that holds the store (the real backend, which manages its clusters) owns the socket beside it.
  if (!services.runClustersCommand) return undefined;
  const path = botSocketPath(services.config.store.path);
  try {
    const { listenForCommands } = await import("./terminal/bot-socket-server.js");
    const afterRun = (command: string) => {
      if (changesLinks.has(command)) onLinksChanged?.();
    };
    return await listenForCommands(
      path,
      {
        clusters: services.runClustersCommand,
        command: (argv, io) => runOnce(argv, services, io, localInvocation(), afterRun),
      },
      logger,
    );
  } catch (error) {
    logger.warn(
      { err: error, path },
      "cannot listen for commands from other processes: stop the bot to run them at the terminal",
    );
    return undefined;
  }
}

/** The Slack bot with the link monitor that alerts through it. */
export interface SlackBotWithMonitor extends SlackBot {
  /** The link monitor, when there is a store of links to watch. */
  monitor?: LinkMonitor;
  /** The services the bot's commands run over: the links' health as the monitor last saw it. */
  services: Services;
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
  const [{ startSlackBot }, { startLinkMonitor }] = await Promise.all([
    import("./slack/slack-bot.js"),
    import("./monitor/start-monitor.js"),
  ]);
  const watched: Services = {
    ...services,
    health: (linkId) => monitor?.health(linkId) ?? services.health?.(linkId),
  };
  const bot = await startSlackBot(watched, { ...options, beforeStop: async () => monitor?.stop() });
  // Started once the app runs, so a failed start leaves no checks behind.
  const { links, engine, clusters, logger, config } = services;
  if (links) {
    monitor = startLinkMonitor({
      links,
      engine,
      clusters,
      logger,
      audit: services.audit,
      checkIntervalSeconds: config.checkIntervalSeconds,
      autoRepair: config.autoRepair,
      client: bot.client,
      onChange: () => bot.linksChanged(),
    });
  }
  return { ...bot, monitor, services: watched };
}

/** How often a one-shot command waiting for the store looks again. */
const storeRetryMs = 100;

/** A port the bot could not listen on, said in a line that says what to do; any other error as it is. */
function listenRefusal(error: unknown, config: { port: number; host?: string }): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `port ${config.port}${config.host ? ` on ${config.host}` : ""}`;
  if (code === "EADDRINUSE") {
    return new UserError(
      "port-in-use",
      `${where} is taken by another process; stop it, or set PORT to a free port`,
    );
  }
  if (code === "EACCES") {
    return new UserError(
      "port-denied",
      `listening on ${where} is not allowed to this user; set PORT to 1024 or above`,
    );
  }
  return error;
}

/** How long closing the store may take after an unexpected error before the process leaves anyway. */
const crashCloseMs = 3_000;

/**
 * An error nothing caught leaves the bot in a state no one knows: it is logged, the store is closed (its lock
 * released) and the process exits 1, for the supervisor to restart it. Returns a function that removes the
 * handlers.
 */
function exitOnUnexpectedError(services: Services, logger: Logger, exit: (code: number) => void): () => void {
  let leaving = false;
  const leave = (error: unknown, origin: string) => {
    logger.fatal({ err: error, origin }, "unexpected error: closing the store and exiting");
    if (leaving) return;
    leaving = true;
    const giveUp = setTimeout(() => exit(1), crashCloseMs);
    void Promise.resolve()
      .then(() => services.close?.())
      .catch((closeError: unknown) => logger.error({ err: closeError }, "could not close the store"))
      .finally(() => {
        clearTimeout(giveUp);
        exit(1);
      });
  };
  const onException = (error: Error) => leave(error, "uncaughtException");
  const onRejection = (reason: unknown) => leave(reason, "unhandledRejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.removeListener("uncaughtException", onException);
    process.removeListener("unhandledRejection", onRejection);
  };
}

async function serveSlack(
  services: AppServices,
  logger: Logger,
  exit: (code: number) => void,
): Promise<void> {
  const removeCrashHandlers = exitOnUnexpectedError(services, logger, exit);
  let bot: SlackBotWithMonitor;
  try {
    bot = await startSlackWithMonitor(services);
  } catch (error) {
    removeCrashHandlers();
    throw listenRefusal(error, services.config);
  }
  // Commands handed over from the terminal see what Slack's see, and redraw the Home tabs as Slack's do.
  const socket = await listenForOtherProcesses({ ...services, ...bot.services }, logger, () =>
    bot.linksChanged(),
  );
  const { logReconcileSummary } = await import("./monitor/start-monitor.js");
  // Only logged: a slow or dead host must not hold up the start.
  void logReconcileSummary(services.engine, logger);
  const stop = async () => {
    try {
      // Commands running for Slack and for the terminal both finish before the store closes, even if one side fails.
      const stopped = await Promise.allSettled([bot.shutdown(), socket?.close(httpLimits.shutdownWorkMs)]);
      const failed = stopped.filter((side): side is PromiseRejectedResult => side.status === "rejected");
      for (const side of failed) logger.error({ err: side.reason }, "shutdown failed");
      await services.close?.();
      removeCrashHandlers();
      removeSignals();
      exit(failed.length ? 1 : 0);
    } catch (error) {
      logger.error({ err: error }, "shutdown failed");
      exit(1);
    }
  };
  const removeSignals = onStopSignals(logger, exit, () => void stop());
}
