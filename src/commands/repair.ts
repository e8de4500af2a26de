import { z } from "zod";
import { LinkRef } from "../domain/values.js";
import { findAuthorised } from "./authorize.js";
import { defineCommand, failuresShownTo } from "./command.js";
import { linkViews } from "./link-views.js";

export const RepairInput = z.object({ linkId: LinkRef });

export const repairCommand = defineCommand({
  name: "repair",
  summary:
    "Recreate what a link is missing (an ambassador, the consumer, a network) or what points at a stale address; all or nothing.",
  example: "repair 3f9a2c1b7e40",
  positionals: [{ name: "link-id" }],
  schema: RepairInput,
  mutating: true,
  progress: (input) => `Repairing link ${input.linkId}…`,
  target: (input) => input.linkId,
  linkOf: (input) => input.linkId,
  async run(input, { services, invocation, begin }) {
    const link = findAuthorised(services, invocation, input.linkId);
    begin();
    const result = await services.engine.repair(link.id, {
      actor: invocation.actor,
      channel: invocation.channel,
    });
    const view = (await linkViews(services, { ids: [link.id] })).now.views.find(
      (candidate) => candidate.link.id === link.id,
    );
    const left = result.left && failuresShownTo(invocation, result.left);
    return { kind: "repair", result: { ...result, ...(left ? { left } : {}) }, view };
  },
});
