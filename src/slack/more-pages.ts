import type { App, BlockButtonAction, RespondFn } from "@slack/bolt";
import type { Invocation } from "../commands/command.js";
import { prepareCommand, type ReadyCommand } from "../commands/execute.js";
import { moreAction, type PageRequest, readMoreValue } from "../render/pages.js";
import { escapeFallback, renderSlackFailure } from "../render/slack-message.js";
import type { PictureDestination } from "./link-picture-upload.js";
import { hasResponseUrl, type SlackContext, teamOf } from "./slack-context.js";

/** Runs a prepared command after the ack and posts its answer, a page of it when `paging` is given. */
export type RunAfterAck = (
  respond: RespondFn,
  prepared: ReadyCommand,
  what: Record<string, unknown>,
  paging?: PageRequest,
  destination?: PictureDestination,
) => void;

/** Only reads come in pages; a button whose value names anything else runs nothing. */
const pagedCommands = new Set(["list", "ports", "clusters"]);

/** "More" under a long list runs its command line again, as the person who pressed it, for the next page. */
export function registerMorePages(app: App, context: SlackContext, runAfterAck: RunAfterAck): void {
  app.action<BlockButtonAction>(
    context.listened.action(moreAction),
    async ({ action, body, ack, respond }) => {
      await ack();
      if (!hasResponseUrl(body)) {
        context.log.warn(
          { action: action.action_id },
          "a More button came without a response URL: nothing run, as there is nowhere to answer",
        );
        return;
      }
      if (context.draining()) {
        await respond({
          response_type: "ephemeral",
          text: escapeFallback("The bot is restarting; try again in a minute."),
          replace_original: false,
        });
        return;
      }
      const paging = readMoreValue(action.value);
      // Only a read is run for a page, and nothing of any other command, not even its checks.
      if (!paging || !pagedCommands.has(paging.line.trim().split(/\s+/, 1)[0] ?? "")) {
        context.log.warn({ action: action.action_id }, "a More button carried no usable page");
        return;
      }
      const invocation: Invocation = {
        actor: { kind: "slack", team: teamOf(body), user: body.user.id },
        channel: body.channel?.id,
        trusted: false,
      };
      const prepared = await prepareCommand(paging.line, invocation, context.services);
      if (prepared.kind === "failed") {
        await respond({ ...renderSlackFailure(prepared.failure), replace_original: false });
        return;
      }
      runAfterAck(respond, prepared, { command: prepared.command.name, page: paging.page }, paging);
    },
  );
}
