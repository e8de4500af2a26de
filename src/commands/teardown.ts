import { z } from "zod";
import { UserError } from "../errors.js";
import { assertChannelAllowed } from "./authorize.js";
import { type CommandContext, type CommandResult, defineCommand } from "./command.js";
import { linkIdOrContainer } from "./values.js";

export const TeardownInput = z.object({ link: linkIdOrContainer.optional() });
export type TeardownInput = z.infer<typeof TeardownInput>;

async function tearDown(id: string, { services, invocation }: CommandContext): Promise<CommandResult> {
  const result = await services.engine.teardown(id, { actor: invocation.actor, channel: invocation.channel });
  return { kind: "teardown", result };
}

export const teardownCommand = defineCommand({
  name: "teardown",
  usage: "teardown [<link-id> | <container>]",
  summary:
    "Remove everything a link created, on both hosts. With no argument: the only link of this channel; when there are several, they are listed and nothing is removed.",
  example: "teardown web",
  positionals: [{ name: "link", optional: true }],
  options: [],
  schema: TeardownInput,
  mutating: true,
  progress: (input) => (input.link ? `Tearing down ${input.link}…` : "Looking for this channel's links…"),
  target: (input) => input.link,
  async run(input, context) {
    const { services, invocation } = context;
    if (input.link === undefined) {
      const links = await services.engine.list(
        invocation.channel ? { channel: invocation.channel } : undefined,
      );
      if (links.length === 0) {
        throw new UserError(
          "no-link",
          invocation.channel
            ? "This channel has no links to tear down. `list` shows every link; `teardown <link-id>` removes one."
            : "There are no links to tear down.",
        );
      }
      if (links.length > 1) return { kind: "teardown-choice", links, channel: invocation.channel };
      const only = links[0];
      if (!only) throw new Error("a list of one link had no first element");
      assertChannelAllowed([only.link.sourceCluster, only.link.targetCluster], invocation, services.clusters);
      return tearDown(only.link.id, context);
    }
    const wanted = input.link;
    const known = (await services.engine.list()).filter(
      (view) => view.link.id === wanted || view.link.container === wanted || view.link.web?.name === wanted,
    );
    for (const view of known) {
      assertChannelAllowed([view.link.sourceCluster, view.link.targetCluster], invocation, services.clusters);
    }
    return tearDown(wanted, context);
  },
});
