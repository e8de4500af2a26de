import type { types } from "@slack/bolt";
import type { SlackMessage } from "./slack-message.js";

/** The callback ID of the link dialog, and of the global shortcut that opens it (see manifest.yml). */
export const linkDialogCallback = "link_dialog";

/** Block and action IDs of the link dialog's fields. */
export const linkFields = {
  source: { block: "source", action: "link_source" },
  container: { block: "container", action: "link_container" },
  target: { block: "target", action: "link_target" },
  alias: { block: "alias", action: "link_alias" },
  ports: { block: "ports", action: "link_ports" },
  consumer: { block: "consumer", action: "link_web" },
  existing: { block: "existing", action: "link_consumer" },
} as const;

/** The dialog's content: the clusters to choose from and, once a container is chosen, its ports. */
export interface LinkDialogModel {
  clusters: string[];
  /** What the dialog carries between its requests (its `private_metadata`), as the bot wrote it. */
  metadata: string;
  /** The container chosen so far, kept when the dialog is redrawn with its ports. */
  container?: string;
  source?: string;
  ports?: number[];
}

function plain(text: string): types.PlainTextElement {
  return { type: "plain_text", text };
}

function option(value: string): types.PlainTextOption {
  return { text: plain(value.slice(0, 75)), value };
}

/**
 * The ports field's block ID changes with the chosen container, so Slack shows the new container's ports rather
 * than what was typed for the previous one.
 */
export function portsBlockId(container: string | undefined): string {
  return container ? `${linkFields.ports.block}:${container}`.slice(0, 255) : linkFields.ports.block;
}

/**
 * The link dialog: source cluster, container (loaded live), target cluster, alias, ports, and a consumer image or a
 * consumer that already runs on the target (loaded live).
 */
export function linkDialogView(model: LinkDialogModel): types.ModalView {
  const clusterSelect = (action: string, initial?: string): types.StaticSelect => ({
    type: "static_select",
    action_id: action,
    placeholder: plain("Choose a cluster"),
    options: model.clusters.slice(0, 100).map(option),
    ...(initial && model.clusters.includes(initial) ? { initial_option: option(initial) } : {}),
  });
  const running = (action: string, initial?: string): types.ExternalSelect => ({
    type: "external_select",
    action_id: action,
    placeholder: plain("Choose a running container"),
    min_query_length: 0,
    ...(initial ? { initial_option: option(initial) } : {}),
  });
  const text = (action: string, placeholder: string, initial?: string): types.PlainTextInput => ({
    type: "plain_text_input",
    action_id: action,
    placeholder: plain(placeholder),
    ...(initial ? { initial_value: initial } : {}),
  });
  return {
    type: "modal",
    callback_id: linkDialogCallback,
    private_metadata: model.metadata,
    title: plain("Link a container"),
    submit: plain("Link"),
    close: plain("Cancel"),
    blocks: [
      {
        type: "input",
        block_id: linkFields.source.block,
        label: plain("Source cluster"),
        element: clusterSelect(linkFields.source.action, model.source),
      },
      {
        type: "input",
        block_id: linkFields.container.block,
        label: plain("Container"),
        hint: plain("Running containers of the source cluster; choose the source first."),
        dispatch_action: true,
        element: running(linkFields.container.action, model.container),
      },
      {
        type: "input",
        block_id: linkFields.target.block,
        label: plain("Target cluster"),
        element: clusterSelect(linkFields.target.action),
      },
      {
        type: "input",
        block_id: linkFields.alias.block,
        optional: true,
        label: plain("Alias"),
        hint: plain("The name consumers use; default the container's name."),
        element: text(linkFields.alias.action, "helloapp"),
      },
      {
        type: "input",
        block_id: portsBlockId(model.container),
        optional: true,
        label: plain("Ports"),
        hint: plain("Space-separated; default every port the container exposes."),
        element: text(
          linkFields.ports.action,
          "5000",
          model.ports?.length ? model.ports.join(" ") : undefined,
        ),
      },
      {
        type: "input",
        block_id: linkFields.consumer.block,
        optional: true,
        label: plain("Consumer image"),
        hint: plain("Runs on the target cluster, linked to the container; leave empty for none."),
        element: text(linkFields.consumer.action, "hello-web"),
      },
      {
        type: "input",
        block_id: linkFields.existing.block,
        optional: true,
        label: plain("Or a running consumer"),
        hint: plain(
          "A container already running on the target cluster, joined to the link's network instead.",
        ),
        element: running(linkFields.existing.action),
      },
    ],
  };
}

/** A modal that shows a command's progress or answer, for the Home tab's buttons and the dialog's result. */
export function answerView(title: string, message: Pick<SlackMessage, "text" | "blocks">): types.ModalView {
  const blocks = message.blocks?.length
    ? message.blocks.slice(0, 100)
    : [{ type: "section", text: { type: "mrkdwn", text: message.text.slice(0, 3000) } } as types.KnownBlock];
  return { type: "modal", title: plain(title.slice(0, 24)), close: plain("Close"), blocks };
}
