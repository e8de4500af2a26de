import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import type { Invocation } from "../commands/command.js";
import type { Services } from "../commands/services.js";
import { tokenize } from "../commands/tokenize.js";
import { type ClustersCommandRunner, printClustersResult } from "./clusters-delegate.js";
import { localInvocation } from "./local-invocation.js";
import { runOnce, type TerminalIo } from "./run-once.js";

export interface ReplOptions {
  input: Readable;
  output: Writable;
  /** Where progress and errors go; defaults to `output`. */
  errors?: Writable;
  invocation?: Invocation;
  prompt?: string;
  /** Takes `clusters add|list|remove|test …` at the prompt; without it, `clusters` only lists them. */
  runClustersCommand?: ClustersCommandRunner;
  /** Once aborted, the prompt closes as `exit` closes it, after the command it runs. */
  signal?: AbortSignal;
}

const exitWords = new Set(["exit", "quit", "\\q"]);

/** What a first run with an empty store needs to hear: where two Docker hosts come from. */
export const noClustersHint = [
  "No clusters are registered yet, so there is nothing to link. To get two:",
  "  - the two-host lab on this machine (as root): leave this prompt, run `npm run lab:up` (it registers clustera",
  "    and clusterb and starts `app` on clustera), then `npm start` and `link app clustera clusterb --web hello-web`;",
  "  - your own Docker hosts: `clusters add NAME --docker-env /path/to/docker.env` (here, or `npm run cli -- clusters add …`).",
  "",
].join("\n");

/** The terminal front end: a prompt taking the same commands as Slack, with or without `/ambassador`. */
export async function runRepl(services: Services, options: ReplOptions): Promise<void> {
  // Stopped before it opened (a signal while the bot started): no prompt, as after `exit`.
  if (options.signal?.aborted) return;
  const { input, output } = options;
  const context: LineContext = {
    io: { stdout: output, stderr: options.errors ?? output },
    invocation: options.invocation ?? localInvocation(),
    runClustersCommand: options.runClustersCommand,
  };
  const interactive = (output as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({
    input,
    output,
    terminal: interactive,
    prompt: options.prompt ?? "ambassador> ",
  });
  // Ctrl-C at an interactive prompt, and a signal to the process, leave as `exit` does, once the command running ends.
  // Everything from here to the loop runs at once, so the loop is waiting on the interface before either can close it.
  let leaving = false;
  const leave = () => {
    leaving = true;
    rl.close();
  };
  rl.on("SIGINT", leave);
  options.signal?.addEventListener("abort", leave, { once: true });
  output.write('Ambassador: type a command ("help" lists them, "exit" leaves).\n');
  if (services.clusters.list().length === 0) output.write(noClustersHint);
  rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (exitWords.has(line.toLowerCase())) break;
    if (line !== "") await handleLine(line, services, context);
    if (leaving) break;
    rl.prompt();
  }
  options.signal?.removeEventListener("abort", leave);
  rl.close();
}

interface LineContext {
  io: TerminalIo;
  invocation: Invocation;
  runClustersCommand?: ClustersCommandRunner;
}

async function handleLine(
  line: string,
  services: Services,
  { io, invocation, runClustersCommand }: LineContext,
): Promise<void> {
  const words = tokenize(line);
  if (words.ok) {
    const rest = /^\/?ambassador$/i.test(words.tokens[0] ?? "") ? words.tokens.slice(1) : words.tokens;
    if (rest[0] === "clusters" && rest.length > 1 && runClustersCommand) {
      printClustersResult(await runClustersCommand(rest.slice(1)), io);
      return;
    }
  }
  await runOnce(line, services, io, invocation);
}
