import type { PreparedCluster } from "../store/cluster-registration.js";
import type { CommandResult } from "./clusters-command.js";

/**
 * Runs `ambassador clusters …` with the words after `clusters` (and, for `add`, the cluster prepared before the
 * store was opened); its output is for the person at the terminal.
 */
export type ClustersCommandRunner = (args: string[], ready?: PreparedCluster) => Promise<CommandResult>;

/** Prints what `clusters …` said: to standard output when it worked, else to standard error. */
export function printClustersResult(
  result: CommandResult,
  io: { stdout: { write(text: string): unknown }; stderr: { write(text: string): unknown } },
): number {
  if (result.output) (result.exitCode === 0 ? io.stdout : io.stderr).write(`${result.output}\n`);
  return result.exitCode;
}
