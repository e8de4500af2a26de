import type { Writable } from "node:stream";
import type { Invocation } from "../commands/command.js";
import { prepareCommand } from "../commands/execute.js";
import type { Services } from "../commands/services.js";
import { factsOfResult } from "../render/link-facts.js";
import { linkTextDiagram } from "../render/link-text-diagram.js";
import { renderFailureText, renderText } from "../render/text.js";
import { localInvocation } from "./local-invocation.js";

export interface TerminalIo {
  stdout: Writable;
  stderr: Writable;
}

/** Runs one command (a line, or words from a shell) and prints the result; resolves to the exit code. */
export async function runOnce(
  line: string | readonly string[],
  services: Services,
  io: TerminalIo,
  invocation: Invocation = localInvocation(),
): Promise<number> {
  const prepared = await prepareCommand(line, invocation, services);
  if (prepared.kind === "failed") {
    io.stderr.write(`${renderFailureText(prepared.failure)}\n`);
    return 2;
  }
  if (prepared.progress) io.stderr.write(`${prepared.progress}\n`);
  const outcome = await prepared.run();
  if (!outcome.ok) {
    io.stderr.write(`${renderFailureText(outcome.failure)}\n`);
    return 1;
  }
  io.stdout.write(`${renderText(outcome.result)}\n`);
  const facts = factsOfResult(outcome.result);
  if (facts) io.stdout.write(`\n${linkTextDiagram(facts)}\n`);
  return 0;
}
