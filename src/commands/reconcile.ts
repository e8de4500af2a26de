import { z } from "zod";
import { visibleLinks } from "./authorize.js";
import { defineCommand, failuresShownTo } from "./command.js";

export const ReconcileInput = z.object({ fix: z.boolean().optional() });

export const reconcileCommand = defineCommand({
  name: "reconcile",
  usage: "reconcile [--fix]",
  summary:
    "Compare the store with the hosts: name what the bot made that no link owns (left by a crash) and the links missing parts; with --fix, remove those orphans.",
  example: "reconcile --fix",
  options: [{ name: "fix", flag: true, help: "remove the orphans and mark the links missing parts broken" }],
  schema: ReconcileInput,
  mutating: true,
  progress: (input) => (input.fix ? "Removing what no link owns…" : "Comparing the store with the hosts…"),
  // It reads and changes every cluster, so every cluster must allow this channel.
  clustersOf: (_input, registered) => registered.map((summary) => summary.name),
  async run(input, { services, invocation, begin }) {
    begin();
    const fix = input.fix === true;
    // A link on a cluster no longer registered is seen from no channel: it is left to the terminal.
    const result = await services.engine.reconcile({
      fix,
      shown: visibleLinks(invocation, services.clusters),
    });
    const unreachable = result.unreachable && failuresShownTo(invocation, result.unreachable);
    return { kind: "reconcile", result: { ...result, ...(unreachable ? { unreachable } : {}) }, fixed: fix };
  },
});
