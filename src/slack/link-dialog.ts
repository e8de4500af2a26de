import { randomBytes } from "node:crypto";
import type { App, BlockAction, BlockSuggestion, SlackViewAction, StaticSelectAction } from "@slack/bolt";
import { visibleClusters } from "../commands/authorize.js";
import type { Invocation } from "../commands/command.js";
import { containerChoices, exposedPorts } from "../commands/container-choices.js";
import { authoriseDialog, prepareCommand, refuseDialog } from "../commands/execute.js";
import { linkCommand } from "../commands/link.js";
import { type CheckedLinkForm, checkLinkForm, type LinkFormField } from "../commands/link-form.js";
import { answerView, linkDialogCallback, linkDialogView, linkFields } from "../render/link-dialog-blocks.js";
import { renderSlackFailure, renderSlackMessage, type SlackMessage } from "../render/slack-message.js";
import { openDialogOrigin, sealDialogOrigin } from "./dialog-metadata.js";
import { type SlackContext, teamOf } from "./slack-context.js";
import { chosen, type FieldRead, readChoice, readText } from "./view-state.js";

/**
 * How long the container picker waits for the source cluster: Slack gives 3 s, and a dead cluster must leave
 * time to answer with an empty list.
 */
const pickerDeadlineMs = 500;

/** The link dialog: opened by `/ambassador link` alone or by the global shortcut. */
export interface LinkDialog {
  /** Opens the dialog, or the refusal, for someone who ran `link` with no arguments. */
  open(triggerId: string, invocation: Invocation): Promise<void>;
}

/** Said to someone whose dialog's metadata the bot did not seal for them (or sealed under another bot token). */
const unsealed =
  "This dialog was not opened for you by this bot (or its token changed since): run `/ambassador link` again.";

const blockOf: Record<LinkFormField, string> = {
  container: linkFields.container.block,
  sourceCluster: linkFields.source.block,
  targetCluster: linkFields.target.block,
  alias: linkFields.alias.block,
  ports: linkFields.ports.block,
  web: linkFields.consumer.block,
  consumer: linkFields.existing.block,
};

/**
 * The submitted form, checked as the typed `link` is; a field that came unreadable is an error on it, and
 * nothing else is checked until it is chosen or typed again.
 */
function readLinkForm(values: unknown, portsBlock: string | undefined): CheckedLinkForm {
  const fields: Record<LinkFormField, FieldRead> = {
    sourceCluster: readChoice(values, linkFields.source.block, linkFields.source.action),
    container: readChoice(values, linkFields.container.block, linkFields.container.action),
    targetCluster: readChoice(values, linkFields.target.block, linkFields.target.action),
    alias: readText(values, linkFields.alias.block, linkFields.alias.action),
    ports: readText(values, portsBlock, linkFields.ports.action),
    web: readText(values, linkFields.consumer.block, linkFields.consumer.action),
    consumer: readChoice(values, linkFields.existing.block, linkFields.existing.action),
  };
  const read = Object.entries(fields) as [LinkFormField, FieldRead][];
  const unreadable = read.filter(([, field]) => field.problem !== undefined);
  if (unreadable.length)
    return {
      ok: false,
      errors: Object.fromEntries(unreadable.map(([name, field]) => [name, field.problem])),
    };
  return checkLinkForm(Object.fromEntries(read.map(([name, field]) => [name, field.value])));
}

/**
 * Why the dialog cannot offer a link where it was opened: a link needs two clusters open there, and a dialog with
 * fewer could not be filled in. Undefined when there are two.
 */
function tooFewClusters(open: readonly string[], channel: string | undefined): string | undefined {
  if (open.length >= 2) return undefined;
  const where = channel ? "to this channel" : "outside channels (the Home tab and the shortcut)";
  const which = open.length === 0 ? "no cluster is" : `only ${open[0]} is`;
  const add = channel ? ` with \`--channel ${channel}\`` : " without `--channel`";
  return `A link needs two clusters, and ${which} open ${where}. Open the dialog in a channel two clusters are bound to, or ask an operator to register one${add} (\`ambassador clusters add <cluster> …\`).`;
}

/** Serves the dialog: its opening, the container picker, the ports it fills in, and its submission. */
export function registerLinkDialog(app: App, context: SlackContext): LinkDialog {
  const { services, log, listened } = context;
  // The dialog's metadata is sealed with the bot's token, which only Slack and the bot hold: what the bot wrote, for
  // the person it opened the dialog for. With no token (never in Slack), a key of this process's own.
  const sealKey = services.config.slack.botToken ?? randomBytes(32).toString("hex");
  const invocationOf = (team: string, user: string, channel: string | undefined): Invocation => ({
    actor: { kind: "slack", team, user },
    channel,
    trusted: false,
  });
  const clustersFor = (invocation: Invocation) =>
    visibleClusters(invocation, services.clusters).visible.map((summary) => summary.name);

  const open = async (triggerId: string, invocation: Invocation) => {
    const refused = authoriseDialog(linkCommand, invocation, services);
    const clusters = clustersFor(invocation);
    const tooFew = refused ? undefined : tooFewClusters(clusters, invocation.channel);
    const view = refused
      ? answerView("Link a container", renderSlackFailure(refused))
      : tooFew
        ? answerView("Link a container", { text: tooFew })
        : linkDialogView({
            clusters,
            metadata: sealDialogOrigin(sealKey, invocation.actor.user, { channel: invocation.channel }),
          });
    await context.client.views.open({ trigger_id: triggerId, view });
  };

  app.shortcut(listened.shortcut(linkDialogCallback), async ({ shortcut, ack }) => {
    await ack();
    await open(shortcut.trigger_id, invocationOf(teamOf(shortcut), shortcut.user.id, undefined));
  });

  // The two pickers of running containers: the source cluster's, and the target cluster's for a consumer.
  const picker = (action: string, clusterField: { block: string; action: string }) =>
    app.options<"block_suggestion">(listened.options(action), async ({ body, ack }) => {
      const suggestion = body as BlockSuggestion & {
        view?: { private_metadata?: string; state?: { values: unknown } };
      };
      const query = suggestion.value ?? "";
      if (typeof query !== "string") {
        log.warn({ action }, "a container picker's query was not text: no containers offered");
        await ack({ options: [] });
        return;
      }
      const origin = openDialogOrigin(sealKey, suggestion.user.id, suggestion.view?.private_metadata);
      const cluster = chosen(suggestion.view?.state?.values, clusterField.block, clusterField.action);
      if (!origin || !cluster) {
        if (!origin)
          log.warn(
            { action },
            "a container picker's dialog was not sealed for its user: no containers offered",
          );
        await ack({ options: [] });
        return;
      }
      const invocation = invocationOf(teamOf(suggestion), suggestion.user.id, origin.channel);
      const choices = await containerChoices(services, invocation, cluster, pickerDeadlineMs);
      if (!choices.ok) {
        log.info({ cluster, reason: choices.reason }, "no containers for the link dialog");
        await ack({ options: [] });
        return;
      }
      const options = choices.containers
        .filter((choice) => choice.name.toLowerCase().includes(query.toLowerCase()))
        .slice(0, 100)
        .map((choice) => ({
          text: { type: "plain_text" as const, text: `${choice.name} (${choice.image})`.slice(0, 75) },
          value: choice.name,
        }));
      await ack({ options });
    });
  picker(linkFields.container.action, linkFields.source);
  picker(linkFields.existing.action, linkFields.target);

  // Choosing a container redraws the dialog with the ports it exposes.
  app.action<BlockAction<StaticSelectAction>>(
    listened.action(linkFields.container.action),
    async ({ body, ack, client }) => {
      await ack();
      const view = body.view;
      if (typeof view?.id !== "string") {
        log.warn(
          { action: linkFields.container.action },
          "a container chosen outside a dialog: nothing redrawn",
        );
        return;
      }
      const values = view.state?.values;
      const metadata = view.private_metadata;
      const origin = openDialogOrigin(sealKey, body.user.id, metadata);
      if (!origin) {
        log.warn(
          { action: linkFields.container.action },
          "a dialog not sealed for its user: nothing redrawn",
        );
        return;
      }
      const source = chosen(values, linkFields.source.block, linkFields.source.action);
      const container = chosen(values, linkFields.container.block, linkFields.container.action);
      if (!source || !container) return;
      const invocation = invocationOf(teamOf(body), body.user.id, origin.channel);
      if (authoriseDialog(linkCommand, invocation, services)) return;
      const ports = await exposedPorts(services, invocation, source, container, pickerDeadlineMs);
      await client.views.update({
        view_id: view.id,
        // Slack's own, to refuse a redraw over a newer one; any other shape is left out rather than passed on.
        ...(typeof view.hash === "string" ? { hash: view.hash } : {}),
        view: linkDialogView({
          clusters: clustersFor(invocation),
          metadata: metadata as string,
          source,
          container,
          ports,
        }),
      });
    },
  );

  app.view<SlackViewAction>(listened.view(linkDialogCallback), async ({ body, view, ack, client }) => {
    const values: unknown = view.state?.values;
    const user = body.user.id;
    const origin = openDialogOrigin(sealKey, user, view.private_metadata);
    if (!origin) {
      const refused = refuseDialog(
        linkCommand,
        invocationOf(teamOf(body), user, undefined),
        services,
        unsealed,
      );
      await ack({ response_action: "update", view: answerView("Not linked", renderSlackFailure(refused)) });
      return;
    }
    const portsBlock = Object.keys(values ?? {}).find((id) => id.split(":")[0] === linkFields.ports.block);
    const checked = readLinkForm(values, portsBlock);
    if (!checked.ok) {
      const errors: Record<string, string> = {};
      for (const [field, message] of Object.entries(checked.errors)) {
        const block = field === "ports" ? (portsBlock ?? blockOf.ports) : blockOf[field as LinkFormField];
        errors[block] = message.slice(0, 150);
      }
      await ack({ response_action: "errors", errors });
      return;
    }
    const invocation = invocationOf(teamOf(body), user, origin.channel);
    if (context.draining()) {
      await ack({
        response_action: "update",
        view: answerView("Link a container", { text: "The bot is restarting; try again in a minute." }),
      });
      return;
    }
    const prepared = await prepareCommand(checked.words, invocation, services);
    if (prepared.kind === "failed") {
      await ack({
        response_action: "update",
        view: answerView("Not linked", renderSlackFailure(prepared.failure)),
      });
      return;
    }
    await ack({
      response_action: "update",
      view: answerView("Linking", { text: prepared.progress ?? "Linking…" }),
    });
    // In the dialog, which its person may have closed, and in the channel, each whether or not the other took it;
    // failed when neither did.
    const answer = async (title: string, message: SlackMessage) => {
      const [updated, said] = await Promise.allSettled([
        client.views.update({ view_id: view.id, view: answerView(title, message) }),
        origin.channel ? answerInChannel(origin.channel, user, message) : Promise.resolve(false),
      ]);
      if (updated.status === "rejected" && !(said.status === "fulfilled" && said.value)) throw updated.reason;
    };
    context.track(
      async () => {
        const outcome = await prepared.run();
        context.linksChanged();
        const message = outcome.ok ? renderSlackMessage(outcome.result) : renderSlackFailure(outcome.failure);
        await answer(outcome.ok ? "Linked" : "Not linked", message);
      },
      { change: prepared, tell: (text) => answer("Not finished", { text, response_type: "ephemeral" }) },
    );
  });

  // Results go to the channel the dialog was opened from; errors only to the person, as with typed commands.
  const answerInChannel = async (channel: string, user: string, message: SlackMessage): Promise<boolean> => {
    try {
      const { text, blocks } = message;
      if (message.response_type === "in_channel")
        await context.client.chat.postMessage({ channel, text, blocks });
      else await context.client.chat.postEphemeral({ channel, user, text, blocks });
      return true;
    } catch (error) {
      log.warn({ err: error, channel }, "could not answer the link dialog in its channel");
      return false;
    }
  };

  return { open };
}
