import { z } from "zod";
import type { LinkRecord } from "../domain/link.js";
import { UserError } from "../errors.js";
import { findAuthorised, visibleLinks } from "./authorize.js";
import { type CommandContext, type CommandResult, defineCommand, failuresShownTo } from "./command.js";

type ChoiceResult = Extract<CommandResult, { kind: "teardown-choice" }>;

import { ClusterName } from "../domain/cluster.js";
import { LinkRef } from "../domain/values.js";

export const TeardownInput = z.object({ link: LinkRef.optional(), target: ClusterName.optional() });
export type TeardownInput = z.infer<typeof TeardownInput>;

/**
 * The only link of this channel, or the choice among several; none is an error that says what to do. A link made
 * here on a cluster since bound to other channels is not this channel's to see, so it is not among them. With
 * `--target`, only the links that serve that cluster are, and the choice removes that target alone.
 */
async function channelLink(
  { services, invocation }: CommandContext,
  target: string | undefined,
): Promise<LinkRecord | ChoiceResult> {
  const visible = await services.engine.list({
    ...visibleLinks(invocation, services.clusters),
    ...(invocation.channel ? { channel: invocation.channel } : {}),
  });
  const links = target
    ? visible.filter((view) => view.link.targets.some((each) => each.cluster === target))
    : visible;
  const only = links[0];
  if (!only) {
    const here = invocation.channel ? "This channel has" : "There are";
    throw new UserError(
      "no-link",
      target
        ? `${here} no links with target ${target}. \`list\` shows the links you may see; \`teardown <link-id> --target ${target}\` removes that target of one.`
        : invocation.channel
          ? "This channel has no links to tear down. `list` shows the links you may see; `teardown <link-id>` removes one."
          : "There are no links to tear down.",
    );
  }
  if (links.length > 1) {
    return { kind: "teardown-choice", links, channel: invocation.channel, ...(target ? { target } : {}) };
  }
  return only.link;
}

export const teardownCommand = defineCommand({
  name: "teardown",
  usage: "teardown [<link-id> | <container>] [--target CLUSTER]",
  summary:
    "Remove everything a link created, on every host; with --target, only that target of a fanned-out link, the others left working. With no argument: the only link of this channel; when there are several, they are listed and nothing is removed.",
  example: "teardown web",
  positionals: [{ name: "link", optional: true }],
  options: [
    {
      name: "target",
      value: "CLUSTER",
      help: "remove only this target cluster of the link (its ambassador, consumer and network)",
    },
  ],
  schema: TeardownInput,
  mutating: true,
  progress: (input) => (input.link ? `Tearing down ${input.link}…` : "Looking for this channel's links…"),
  target: (input) => input.link,
  linkOf: (input) => input.link,
  async run(input, context) {
    const { services, invocation } = context;
    const link =
      input.link === undefined
        ? await channelLink(context, input.target)
        : findAuthorised(services, invocation, input.link);
    if ("kind" in link) return link;
    context.begin();
    const result = await services.engine.teardown(
      link.id,
      { actor: invocation.actor, channel: invocation.channel },
      { target: input.target },
    );
    return { kind: "teardown", result: { ...result, left: failuresShownTo(invocation, result.left) } };
  },
});
