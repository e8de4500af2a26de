import { clustersCommand } from "./clusters.js";
import type { CommandSpec } from "./command.js";
import { createHelpCommand } from "./help.js";
import { linkCommand } from "./link.js";
import { listCommand } from "./list.js";
import { portsCommand } from "./ports.js";
import { reconcileCommand } from "./reconcile.js";
import { repairCommand } from "./repair.js";
import { statusCommand } from "./status.js";
import { teardownCommand } from "./teardown.js";

/** Every command, in the order help shows them; parsing, routing and help all read this table. */
export const commands: readonly CommandSpec[] = [
  linkCommand,
  portsCommand,
  teardownCommand,
  listCommand,
  statusCommand,
  repairCommand,
  clustersCommand,
  reconcileCommand,
  createHelpCommand(() => commands),
];

export function findCommand(name: string): CommandSpec | undefined {
  return commands.find((command) => command.name === name);
}
