import type { PreparedCluster } from "../store/cluster-registration.js";
import type { CommandResult } from "./clusters-command.js";

/** Where a `clusters …` command was typed (relative paths in it are read from `cwd`), and for `add` the cluster
 * prepared before the store was opened. */
export interface ClustersCallContext {
  cwd?: string;
  /** The Docker CLI configuration folder of the person who typed it, for --context. */
  dockerConfigDir?: string;
  ready?: PreparedCluster;
}

/** Runs `ambassador clusters …` with the words after `clusters`; its output is for the person at the terminal. */
export type ClustersCommandRunner = (args: string[], context?: ClustersCallContext) => Promise<CommandResult>;

/** Prints what `clusters …` said: to standard output when it worked, else to standard error. */
export function printClustersResult(
  result: CommandResult,
  io: { stdout: { write(text: string): unknown }; stderr: { write(text: string): unknown } },
): number {
  if (result.output) (result.exitCode === 0 ? io.stdout : io.stderr).write(`${result.output}\n`);
  return result.exitCode;
}
