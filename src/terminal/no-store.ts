import { lstatSync } from "node:fs";
import type { CommandResult } from "../commands/command.js";
import { parseWords } from "../commands/parse.js";
import { isUserError } from "../errors.js";
import { renderText } from "../render/text.js";
import { clustersUsage } from "./clusters-usage.js";
import type { TerminalIo } from "./run-once.js";

/** Only a path with nothing at it: one this user may not look at is the store's own step to refuse, with why. */
function missing(path: string): boolean {
  try {
    lstatSync(path);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
}

const addOne = "ambassador clusters add <name> --docker-env <path/docker.env>";

/**
 * A one-shot command where no store is yet (`AMBASSADOR_STORE` mistyped, or nothing registered here), answered with
 * nothing made on disk: `clusters add` starts one; `help`, a mistyped command and listing the clusters are answered
 * as usual; any other command is told there is no store there. Resolves to the exit code, or undefined when the
 * command is to run on the store as usual.
 */
export async function answerWithoutStore(
  args: readonly string[],
  storePath: string,
  io: TerminalIo,
): Promise<number | undefined> {
  if (args.length === 0 || !missing(storePath)) return undefined;
  const [name, sub] = args;
  if (name === "clusters") {
    if (sub === "add") return undefined;
    if (sub === undefined || sub === "list" || sub === "ls") {
      io.stdout.write(
        `No clusters registered: there is no store at ${storePath} yet. Add one with: ${addOne}\n`,
      );
      return 0;
    }
    if (sub === "help" || sub === "--help" || sub === "-h") {
      io.stdout.write(`${clustersUsage}\n`);
      return 0;
    }
    if (!["remove", "rm", "test"].includes(sub)) {
      io.stderr.write(`error: unknown command "clusters ${sub}"\n${clustersUsage}\n`);
      return 2;
    }
    return noStore(storePath, io);
  }
  const parsed = parseWords(args);
  if (!parsed.ok) {
    io.stderr.write(`${[parsed.problem, ...(parsed.usage ? [`usage: ${parsed.usage}`] : [])].join("\n")}\n`);
    return 2;
  }
  if (parsed.command.name === "help") {
    try {
      const result = (await parsed.command.run(parsed.input, undefined as never)) as CommandResult;
      io.stdout.write(`${renderText(result)}\n`);
      return 0;
    } catch (error) {
      if (!isUserError(error)) throw error;
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
  }
  return noStore(storePath, io);
}

function noStore(storePath: string, io: TerminalIo): number {
  io.stderr.write(
    `No store at ${storePath}: check AMBASSADOR_STORE, or start one by registering a cluster (\`${addOne}\`).\n`,
  );
  return 1;
}
