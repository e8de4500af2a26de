import { handToRunningBot } from "./hand-off.js";
import type { MainIo } from "./run-here.js";

export type { MainIo } from "./run-here.js";

const usage = `usage:
  ambassador                         start the bot (Slack when SLACK_* is set, else a prompt)
  ambassador <command> [arguments]   run one command and exit; "ambassador help" lists them
  ambassador clusters add|list|remove|test ...   manage the registered Docker hosts`;

type RunHere = typeof import("./run-here.js");

/**
 * The command-line entry point; resolves to the exit code (or never, while a bot runs). A command goes to the bot
 * running on the same store when there is one, before anything else is loaded, so it starts at once and uses the
 * bot's open connections; otherwise the rest of the program is loaded (`load`: the built one, else its modules)
 * and runs it here.
 */
export async function main(
  args: readonly string[],
  io: MainIo,
  load: () => Promise<RunHere> = () => import("./run-here.js"),
): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.length > 0) {
    const answered = await handToRunningBot(args, io);
    if (answered !== undefined) return answered;
  }
  const { runHere } = await load();
  return runHere(args, io);
}
