import type { App, BlockButtonAction } from "@slack/bolt";
import type { Invocation } from "../commands/command.js";
import { prepareCommand } from "../commands/execute.js";
import { homeLinks } from "../commands/home-links.js";
import { homeActions, homeView } from "../render/home-blocks.js";
import { answerView } from "../render/link-dialog-blocks.js";
import { renderSlackFailure, renderSlackMessage, type SlackMessage } from "../render/slack-message.js";
import { type ClusterReachability, createClusterReachability } from "./cluster-reachability.js";
import { isLinkId, isSlackId, type SlackContext, teamOf } from "./slack-context.js";

/** The Home tab: who has it open, and a way to redraw it for all of them. */
export interface HomeTab {
  /** Redraws the Home tab of everyone who opened it, at most once per `coalesceMs`. */
  changed(): void;
}

/** How long a cluster ping may take before the Home tab says it does not answer. */
const probeDeadlineMs = 2_000;
/** Changes within this window are drawn once. */
const coalesceMs = 200;
/** The people whose Home tab is kept current; past this, the one who opened it longest ago is forgotten. */
const maxViewers = 1_000;

const verbs = {
  [homeActions.status]: { command: "status", title: "Status" },
  [homeActions.repair]: { command: "repair", title: "Repair" },
  [homeActions.teardown]: { command: "teardown", title: "Tear down" },
} as const;

interface Viewer {
  team: string;
  user: string;
  page: number;
}

/** Serves `app_home_opened` and the Home tab's buttons; the buttons run the typed commands' own path. */
export function registerHomeTab(app: App, context: SlackContext): HomeTab {
  const { services, log } = context;
  const reachability: ClusterReachability = createClusterReachability(services.clusters, probeDeadlineMs);
  const viewers = new Map<string, Viewer>();

  const publish = async (viewer: Viewer) => {
    const shown = homeLinks(services, {
      actor: { kind: "slack", team: viewer.team, user: viewer.user },
      trusted: false,
    });
    const view = homeView({
      links: shown.links,
      clusters: shown.clusters.map((name) => ({ name, probe: reachability.get(name) })),
      admin: shown.admin,
      page: viewer.page,
      hiddenLinks: shown.hiddenLinks,
      hiddenClusters: shown.hiddenClusters,
    });
    await context.client.views.publish({ user_id: viewer.user, view });
  };
  const publishAll = async () => {
    await Promise.all(
      [...viewers.values()].map((viewer) =>
        publish(viewer).catch((error: unknown) =>
          log.warn({ err: error, user: viewer.user }, "could not redraw a Home tab"),
        ),
      ),
    );
  };
  const remember = (viewer: Viewer) => {
    const key = `${viewer.team}:${viewer.user}`;
    viewers.delete(key);
    viewers.set(key, viewer);
    if (viewers.size > maxViewers) viewers.delete(viewers.keys().next().value as string);
  };
  // Pings run after the view is out: a dead cluster shows as unchecked, then as not answering, never as a wait.
  const refreshClusters = (clusters: string[]) => {
    void reachability
      .refresh(clusters)
      .then((changed) => (changed ? publishAll() : undefined))
      .catch((error: unknown) => log.warn({ err: error }, "could not ping the clusters for the Home tab"));
  };

  let pending: NodeJS.Timeout | undefined;
  const changed = () => {
    if (pending || viewers.size === 0) return;
    pending = setTimeout(() => {
      pending = undefined;
      void publishAll();
    }, coalesceMs);
    pending.unref();
  };

  app.event("app_home_opened", async ({ event, body }) => {
    if (event.tab !== "home" || !isSlackId(event.user)) return;
    const team = (body as { team_id?: string }).team_id ?? "";
    const key = `${team}:${event.user}`;
    const viewer: Viewer = { team, user: event.user, page: viewers.get(key)?.page ?? 1 };
    remember(viewer);
    await publish(viewer);
    const visible = homeLinks(services, {
      actor: { kind: "slack", team, user: event.user },
      trusted: false,
    }).clusters;
    refreshClusters(visible);
  });

  app.action<BlockButtonAction>(
    context.listened.action(new RegExp(`^${homeActions.page}_`)),
    async ({ action, body, ack }) => {
      await ack();
      const page = typeof action.value === "string" ? Number(action.value) : Number.NaN;
      if (!Number.isInteger(page) || page < 1 || !isSlackId(body.user?.id)) {
        log.warn({ action: action.action_id }, "a Home tab page button carried no usable page or user");
        return;
      }
      const viewer: Viewer = { team: teamOf(body), user: body.user.id, page };
      remember(viewer);
      await publish(viewer);
    },
  );

  app.action<BlockButtonAction>(
    context.listened.action(
      new RegExp(`^(${homeActions.status}|${homeActions.repair}|${homeActions.teardown})$`),
    ),
    async ({ action, body, ack, client }) => {
      await ack();
      if (typeof body.trigger_id !== "string" || !body.trigger_id) {
        log.warn(
          { action: action.action_id },
          "a Home tab button came without a trigger ID: nothing run, as there is nowhere to answer",
        );
        return;
      }
      const verb = verbs[action.action_id as keyof typeof verbs];
      if (!isLinkId(action.value)) {
        log.warn({ action: action.action_id }, "a Home tab button carried no usable link ID");
        await client.views.open({
          trigger_id: body.trigger_id,
          view: answerView(verb.title, {
            text: "This button carries no link ID the bot can use, so nothing ran. Open the Home tab again for fresh buttons.",
          }),
        });
        return;
      }
      if (context.draining()) {
        await client.views.open({
          trigger_id: body.trigger_id,
          view: answerView(verb.title, { text: "The bot is restarting; try again in a minute." }),
        });
        return;
      }
      // The Home tab is in no channel: the channel rules apply as to a channel no cluster is bound to.
      const invocation: Invocation = {
        actor: { kind: "slack", team: teamOf(body), user: body.user.id },
        channel: undefined,
        trusted: false,
      };
      const prepared = await prepareCommand([verb.command, action.value], invocation, services);
      if (prepared.kind === "failed") {
        await client.views.open({
          trigger_id: body.trigger_id,
          view: answerView(verb.title, renderSlackFailure(prepared.failure)),
        });
        return;
      }
      const opened = await client.views.open({
        trigger_id: body.trigger_id,
        view: answerView(verb.title, { text: prepared.progress ?? "Working…" }),
      });
      const answer = async (message: SlackMessage) => {
        const viewId = opened.view?.id;
        if (viewId) await client.views.update({ view_id: viewId, view: answerView(verb.title, message) });
      };
      context.track(
        async () => {
          const outcome = await prepared.run();
          if (verb.command !== "status") context.linksChanged();
          await answer(outcome.ok ? renderSlackMessage(outcome.result) : renderSlackFailure(outcome.failure));
        },
        verb.command === "status"
          ? undefined
          : { change: prepared, tell: (text) => answer({ text, response_type: "ephemeral" }) },
      );
    },
  );

  return { changed };
}
