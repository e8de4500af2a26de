import { z } from "zod";

/** Who asked for something: a person at the terminal, or a Slack user of a workspace. */
export const Actor = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local"), user: z.string() }),
  z.object({ kind: z.literal("slack"), team: z.string(), user: z.string() }),
]);
export type Actor = z.infer<typeof Actor>;

/** `local:root` or `slack:T123/U456`, as the audit log and the `by` label show an actor. */
export function describeActor(actor: Actor): string {
  return actor.kind === "local" ? `local:${actor.user}` : `slack:${actor.team}/${actor.user}`;
}
