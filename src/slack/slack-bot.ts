import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type BlockButtonAction, HTTPReceiver, type RespondFn, webApi } from "@slack/bolt";
import { changesLinks } from "../commands/changes-links.js";
import type { Invocation } from "../commands/command.js";
import { type Outcome, prepareCommand } from "../commands/execute.js";
import type { Services } from "../commands/services.js";
import { finishedWithin } from "../deadlines.js";
import { ClusterName } from "../domain/cluster.js";
import { errorReference } from "../errors.js";
import type { Logger } from "../logger.js";
import type { PageRequest } from "../render/pages.js";
import {
  escapeFallback,
  renderSlackFailure,
  renderSlackMessage,
  type SlackMessage,
  teardownActionPrefix,
  teardownButtonOf,
} from "../render/slack-message.js";
import { stoppedBefore } from "../render/stop-notices.js";
import { createAckGate } from "./ack-gate.js";
import { boltFailureHandlers } from "./bolt-failures.js";
import { createBoltLogger } from "./bolt-logger.js";
import { checkBotToken } from "./bot-token-check.js";
import { type ConnectionGuard, guardConnections } from "./connection-guard.js";
import { holdAudit } from "./held-audit.js";
import { registerHomeTab } from "./home-tab.js";
import { httpLimits, serverOptions } from "./http-limits.js";
import { tellInterrupted } from "./interrupted-commands.js";
import { registerLinkDialog } from "./link-dialog.js";
import { createPictureSender, type PictureDestination, pictureClientOptions } from "./link-picture-upload.js";
import { answerUnlistened, ListenedInteractions } from "./listened-interactions.js";
import { type RunAfterAck, registerMorePages } from "./more-pages.js";
import { rawRefusal } from "./raw-refusal.js";
import { refusalLog } from "./refusal-log.js";
import { refuseForeignResponseUrls, responseOrigins } from "./response-urls.js";
import { SeenSignatures } from "./seen-signatures.js";
import { guardSignedRequests, healthMethods, isHealthCheck } from "./signed-request-guard.js";
import { hasResponseUrl, isLinkId, type SlackContext, teamOf, type Unfinished } from "./slack-context.js";
import { fetchWithDeadline, slackPostDeadlineMs } from "./slack-fetch.js";
import { answerBeforeRefusing } from "./unreadable-requests.js";
import { createWorkTracker } from "./work-tracker.js";

/** The slash command the app answers. */
export const slashCommand = "/ambassador";
export const eventsPath = "/slack/events";
export const healthPath = "/healthz";

/** A running Slack bot. */
export interface SlackBot {
  /** The port serving /slack/events (HTTP mode) or /healthz (both modes). */
  port: number;
  /** The app's Web API client, for posting outside of a command. */
  client: webApi.WebClient;
  /** A link was made, removed or changed health elsewhere (the monitor): the open Home tabs are redrawn. */
  linksChanged(): void;
  /** /healthz turns 503, new commands are refused, running ones finish, `beforeStop` runs, the app stops. */
  shutdown(): Promise<void>;
}

export interface SlackBotOptions {
  /** Overrides the configured port (0 picks a free one). */
  port?: number;
  /** Runs on shutdown once the running commands have finished, before the app stops. */
  beforeStop?: () => Promise<void>;
  /** How long a post to Slack may take; default `slackPostDeadlineMs`. */
  postDeadlineMs?: number;
}

/** How long work after an ack yields to requests still waiting for their own ack. */
const ackFirstMs = 250;
/** How long after the last request came or was acked work waits: the rest of a burst arrives meanwhile. */
const ackQuietMs = 10;

/** A command's answer that its response URL did not take. */
class ResponseUrlFailed extends Error {
  constructor(cause: unknown) {
    super("could not post to the response URL", { cause });
  }
}

/**
 * Logs an answer its response URL did not take, with the post's own error, and says whether `error` was one: nothing
 * more is sent to that address.
 */
function warnedUnposted(log: Logger, error: unknown, fields: Record<string, unknown> = {}): boolean {
  if (!(error instanceof ResponseUrlFailed)) return false;
  log.warn({ err: error.cause, ...fields }, "could not post to the response URL");
  return true;
}

function ephemeral(text: string): SlackMessage {
  return { response_type: "ephemeral", text: escapeFallback(text) };
}

/** Starts the bot in HTTP or Socket Mode, as the configuration says. */
export async function startSlackBot(services: Services, options: SlackBotOptions = {}): Promise<SlackBot> {
  const { config, logger } = services;
  const { botToken, signingSecret, appToken, apiUrl, mode } = config.slack;
  if (mode === "terminal" || !botToken)
    throw new Error("Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN");
  const log = logger.child({ component: "slack-bot" });
  const slackApiUrl = apiUrl ? (apiUrl.endsWith("/") ? apiUrl : `${apiUrl}/`) : undefined;
  const boltLogger = createBoltLogger(logger);
  const state = { draining: false };
  const tracker = createWorkTracker((error) => log.error({ err: error }, "work after an ack failed"));
  const gate = createAckGate(ackFirstMs, ackQuietMs);

  const refused = refusalLog(log);
  // One answer a connection, in both modes, and any body left unread: a client that sends check after check without
  // reading the answers (pipelining) gets one, not an hour of the bot's time.
  const health = (res: ServerResponse) => {
    res.writeHead(state.draining ? 503 : 200, { "content-type": "text/plain", connection: "close" });
    res.end(state.draining ? "shutting down\n" : "ok\n");
  };

  let connections: ConnectionGuard | undefined;
  let receiver: HTTPReceiver | undefined;
  let seen: SeenSignatures | undefined;
  if (mode === "http") {
    if (!signingSecret) throw new Error("SLACK_SIGNING_SECRET is required in HTTP mode");
    receiver = new HTTPReceiver({
      signingSecret,
      endpoints: eventsPath,
      logger: boltLogger,
      bodyLimit: httpLimits.bodyBytes,
      customRoutes: [{ path: healthPath, method: healthMethods, handler: (_req, res) => health(res) }],
      ...boltFailureHandlers(log),
    });
    seen = services.seenRequestsFile
      ? await SeenSignatures.open(services.seenRequestsFile, (error) =>
          log.error({ err: error }, "could not write down the signatures of the requests taken"),
        )
      : undefined;
    guardSignedRequests(receiver, {
      seen,
      signingSecret,
      eventsPath,
      slashCommand,
      healthPath,
      refused,
      bodyBytes: httpLimits.bodyBytes,
      bodyDeadlineMs: httpLimits.bodyDeadlineMs,
      log,
      answering: (res) => connections?.answering(res),
      waiting: (res) => gate.waiting(res),
    });
  }
  // Bolt posts a command's answer to its response URL with this fetch, and the Web API calls go through it too.
  const clientOptions = {
    ...(slackApiUrl ? { slackApiUrl } : {}),
    fetch: fetchWithDeadline(options.postDeadlineMs ?? slackPostDeadlineMs),
  };
  const client = new webApi.WebClient(botToken, { ...clientOptions, logger: boltLogger });
  const app = new App({
    // The token as it is. Given the token alone, Bolt would hold every request until its auth.test answered, retried
    // for up to half an hour while Slack's Web API is slow or down: nothing would be acknowledged meanwhile.
    authorize: async () => ({ botToken }),
    logger: boltLogger,
    // Bolt's conversation store is a lookup per request on the way to the ack, for state this bot never keeps.
    convoStore: false,
    clientOptions,
    ...(mode === "socket" ? { socketMode: true, appToken } : { receiver }),
  });

  const sendPicture = createPictureSender({
    client: new webApi.WebClient(botToken, pictureClientOptions(slackApiUrl, boltLogger)),
    enabled: config.pictures,
    tracker,
    afterAcks: () => gate.clear(),
    log,
    refused,
  });

  const respondWith = async (respond: RespondFn, message: SlackMessage, replaceOriginal = false) => {
    try {
      await respond({ ...message, replace_original: replaceOriginal });
    } catch (error) {
      throw new ResponseUrlFailed(error);
    }
  };
  const tellBy = (respond: RespondFn) => (text: string) => respondWith(respond, ephemeral(text));
  // Commands that change links, running after their ack: whom to tell if the bot stops before they finish.
  const unfinished = new Set<Unfinished>();
  const track = (work: () => Promise<void>, running?: Unfinished) => {
    if (running) unfinished.add(running);
    tracker.run(async () => {
      try {
        await work();
      } finally {
        if (running) unfinished.delete(running);
      }
    });
  };
  const listened = new ListenedInteractions();
  app.use(refuseForeignResponseUrls(responseOrigins(apiUrl), refused));
  app.use(answerUnlistened(listened, log));
  const context: SlackContext = {
    services,
    client,
    log,
    listened,
    track,
    draining: () => state.draining,
    linksChanged: () => home.changed(),
  };
  const home = registerHomeTab(app, context);
  const linkDialog = registerLinkDialog(app, context);

  const deliver = async (respond: RespondFn, outcome: Outcome, paging?: PageRequest) => {
    if (!outcome.ok) return respondWith(respond, renderSlackFailure(outcome.failure));
    const first = renderSlackMessage(outcome.result, paging);
    await respondWith(respond, first);
    const whole = await outcome.later;
    // The response URL, not chat.update: it needs no scope and no channel membership (private channels and
    // DMs included), and chat.update would need the message's ts, which a response URL never gives back.
    if (whole) {
      await respondWith(
        respond,
        { ...renderSlackMessage(whole, paging), response_type: first.response_type },
        true,
      );
    }
  };
  const runAfterAck: RunAfterAck = (respond, prepared, what, paging, destination?: PictureDestination) => {
    const running = changesLinks.has(prepared.command.name)
      ? { change: prepared, tell: tellBy(respond) }
      : undefined;
    track(async () => {
      try {
        await gate.clear();
        const outcome = await prepared.run();
        if (changesLinks.has(prepared.command.name)) home.changed();
        await deliver(respond, outcome, paging);
        sendPicture(outcome, destination, tellBy(respond));
      } catch (error) {
        // The address the answer goes to failed it (no answer within the deadline, an error): an apology would go
        // there too.
        if (warnedUnposted(log, error, what)) return;
        const reference = errorReference();
        log.error({ err: error, reference, ...what }, "could not finish a command");
        await respondWith(
          respond,
          ephemeral(
            `Something went wrong while answering. The bot's operator can find the details under reference ${reference}.`,
          ),
        ).catch((postError: unknown) =>
          log.warn(
            { err: postError instanceof ResponseUrlFailed ? postError.cause : postError, reference },
            "could not post to the response URL",
          ),
        );
      }
    }, running);
  };

  /**
   * Tells each person whose link command is still running that the bot stopped before it finished, and what to do;
   * once told, its audit entry is ended, so the next start does not tell it again (untold, it does). One that ended
   * and is only posting its answer is left to that answer.
   */
  const tellUnfinished = () =>
    Promise.allSettled(
      [...unfinished]
        .filter(({ change }) => change.stage() !== "done")
        .map(async ({ change, tell }) => {
          const command = change.command.name;
          const text =
            change.stage() === "waiting"
              ? `The bot stopped before this \`${command}\` changed anything. Once the bot is back, run it again.`
              : `The bot stopped before this \`${command}\` finished. ${stoppedBefore(command, false)}`;
          // Out of the link checks' second, so that the bot still stops within 8 s.
          await finishedWithin(
            tell(text).then(change.cutShort, () => undefined),
            httpLimits.shutdownChecksMs,
          );
        }),
    );

  const failedToAnswer = (error: unknown, what: Record<string, unknown>): SlackMessage => {
    const reference = errorReference();
    log.error({ err: error, reference, ...what }, "could not answer a request");
    return ephemeral(
      `Something went wrong. The bot's operator can find the details in its log under reference ${reference}.`,
    );
  };

  app.command(slashCommand, async ({ command, ack, respond }) => {
    // Nothing between the signature check and the ack may touch the disk: audit lines wait for the ack.
    const held = holdAudit(services.audit);
    const scoped: Services = { ...services, audit: held.audit };
    let acked = false;
    const answer = async (message: SlackMessage) => {
      acked = true;
      await ack(message);
    };
    try {
      if (state.draining) {
        await answer(ephemeral("The bot is restarting; try again in a minute."));
        return;
      }
      const invocation: Invocation = {
        actor: { kind: "slack", team: command.team_id, user: command.user_id },
        channel: command.channel_id,
        trusted: false,
      };
      const line = command.text ?? "";
      if (line.trim() === "link") {
        // Slack allows 3 s from the command to open a dialog: the ack goes first, empty, and the dialog follows.
        acked = true;
        await ack();
        await linkDialog.open(command.trigger_id, { ...invocation, channel: command.channel_id });
        return;
      }
      const prepared = await prepareCommand(line, invocation, scoped);
      if (prepared.kind === "failed") {
        await answer(renderSlackFailure(prepared.failure));
        return;
      }
      const paging = { line, page: 1 };
      const destination = { channel: command.channel_id };
      if (!prepared.progress) {
        const outcome = await prepared.run();
        await answer(
          outcome.ok ? renderSlackMessage(outcome.result, paging) : renderSlackFailure(outcome.failure),
        );
        sendPicture(outcome, destination, tellBy(respond));
        return;
      }
      await answer(ephemeral(prepared.progress));
      runAfterAck(
        respond,
        prepared,
        { command: prepared.command.name, team: command.team_id, user: command.user_id },
        paging,
        destination,
      );
    } catch (error) {
      const message = failedToAnswer(error, { team: command.team_id, user: command.user_id });
      if (!acked) await ack(message);
    } finally {
      held.release();
    }
  });

  app.action<BlockButtonAction>(
    listened.action(new RegExp(`^${teardownActionPrefix}_`)),
    async ({ action, body, ack, respond }) => {
      await ack();
      if (!hasResponseUrl(body)) {
        log.warn(
          { action: action.action_id },
          "a teardown button came without a response URL: nothing removed, as there is nowhere to answer",
        );
        return;
      }
      if (state.draining) {
        await respondWith(respond, ephemeral("The bot is restarting; try again in a minute."));
        return;
      }
      const { link: linkId, target } = teardownButtonOf(action.value);
      if (!isLinkId(linkId) || (target !== undefined && !ClusterName.safeParse(target).success)) {
        log.warn({ action: action.action_id }, "a teardown button carried no usable link ID");
        await respondWith(
          respond,
          ephemeral(
            `This Tear down button carries no link ID the bot can use, so nothing was removed. Find the link's ID with \`${slashCommand} list\`, then run \`${slashCommand} teardown <link-id>\`.`,
          ),
        );
        return;
      }
      const invocation: Invocation = {
        actor: { kind: "slack", team: teamOf(body), user: body.user.id },
        channel: body.channel?.id,
        trusted: false,
      };
      const words = ["teardown", linkId, ...(target ? ["--target", target] : [])];
      const prepared = await prepareCommand(words, invocation, services);
      if (prepared.kind === "failed") {
        await respondWith(respond, renderSlackFailure(prepared.failure));
        return;
      }
      // The progress note takes the place of the list of buttons, so the same link cannot be chosen twice.
      if (prepared.progress) await respondWith(respond, ephemeral(prepared.progress), true);
      runAfterAck(respond, prepared, { command: "teardown", team: invocation.actor, link: linkId });
    },
  );

  registerMorePages(app, context, runAfterAck);

  app.error(async (error) => {
    // A listener's answer its response URL did not take (refused, or no answer in time), as Bolt wraps it.
    if (warnedUnposted(log, (error as { original?: unknown }).original ?? error)) return;
    log.error({ err: error }, "Bolt reported an error");
  });

  const port = options.port ?? config.port;
  const listenOn = { port, host: config.host };
  const limits = {
    max: httpLimits.maxConnections,
    hardMax: httpLimits.burstConnections,
    settleMs: httpLimits.connectionSettleMs,
  };
  const onEvict = () =>
    refused("too many connections: closed the oldest idle one of the busiest address", {
      max: httpLimits.maxConnections,
    });
  let stopServer: () => Promise<void>;
  let listening: number;
  // Audit entries from before this are the last runs'; a command may begin as soon as the app starts.
  const startedAt = new Date();
  if (mode === "http") {
    // A request with no Host is refused by the guard, in turn with the others on its connection, not by Node.
    const server = (await app.start(listenOn, { ...serverOptions, requireHostHeader: false })) as Server;
    // A request that says what it expects is handled as any other: the guard says "continue" once its headers pass,
    // where Node would say it to every one, the refused too, and refuses any other expectation with the connection
    // closed, in turn with the requests before it.
    server.on("checkContinue", (req, res) => server.emit("request", req, res));
    server.on("checkExpectation", (req, res) => server.emit("request", req, res));
    // A tunnel (CONNECT), which Node leaves to a listener and otherwise drops without a word, is a method not taken.
    server.on("connect", (_req, socket) => {
      refused("refused requests for other paths or methods", { status: 405 });
      socket.end(
        rawRefusal(
          "405 Method Not Allowed",
          `Method not allowed: the bot takes no tunnel; send POST ${eventsPath}.`,
          { Allow: "POST" },
        ),
      );
    });
    answerBeforeRefusing(server);
    connections = guardConnections(server, limits, onEvict);
    listening = (server.address() as AddressInfo).port;
    stopServer = async () => {
      await app.stop();
      await seen?.flushed();
    };
  } else {
    const healthServer = createServer(serverOptions, (req, res) => {
      if (isHealthCheck(req.method) && new URL(req.url ?? "/", "http://localhost").pathname === healthPath)
        health(res);
      else res.writeHead(404, { connection: "close" }).end();
    });
    connections = guardConnections(healthServer, limits, onEvict);
    const closeHealth = () => new Promise<void>((resolve) => healthServer.close(() => resolve()));
    // Its health checks answered first: a bot that cannot listen for them never connects to Slack.
    try {
      await new Promise<void>((resolve, reject) => {
        healthServer.once("error", reject);
        healthServer.listen(listenOn, () => resolve());
      });
      await app.start();
    } catch (error) {
      await closeHealth();
      throw error;
    }
    listening = (healthServer.address() as AddressInfo).port;
    stopServer = async () => {
      await app.stop();
      await closeHealth();
    };
  }
  log.info(
    { mode, port: listening },
    `Slack bot started (${mode === "http" ? `POST ${eventsPath}` : "Socket Mode"})`,
  );
  void checkBotToken(botToken, { ...clientOptions, logger: boltLogger }, log);
  tracker.run(() => tellInterrupted(services.audit, client, log, startedAt));

  let stopping: Promise<void> | undefined;
  return {
    port: listening,
    client,
    linksChanged: () => home.changed(),
    shutdown() {
      stopping ??= (async () => {
        state.draining = true;
        log.info({ running: tracker.running }, "shutting down: waiting for running commands");
        const started = performance.now();
        if (!(await finishedWithin(tracker.idle(), httpLimits.shutdownWorkMs))) {
          log.warn(
            { running: tracker.running, waitedMs: httpLimits.shutdownWorkMs },
            "stopping with commands still running: what they leave half-made carries the link's labels, for reconcile to name",
          );
          await tellUnfinished();
        }
        // The link checks (and a repair one of them started) share the same budget.
        const checksUntil = httpLimits.shutdownWorkMs + httpLimits.shutdownChecksMs;
        const checksLeft = Math.max(0, checksUntil - (performance.now() - started));
        if (options.beforeStop && !(await finishedWithin(options.beforeStop(), checksLeft))) {
          log.warn({ waitedMs: checksUntil }, "stopping with link checks still running");
        }
        await connections?.stop(stopServer, httpLimits.shutdownGraceMs, httpLimits.shutdownHardMs);
        log.info("Slack bot stopped");
      })();
      return stopping;
    },
  };
}
