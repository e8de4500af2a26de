import type { CommandResult, Invocation } from "../commands/command.js";
import { prepareCommand } from "../commands/execute.js";
import type { Services } from "../commands/services.js";
import type { LinkView } from "../engine/types.js";
import { factsOfResult } from "../render/link-facts.js";
import { linkTextDiagram } from "../render/link-text-diagram.js";
import { renderFailureText, renderText } from "../render/text.js";
import { localInvocation } from "./local-invocation.js";

/** Where a command's answer goes: standard output and error, or the socket of whoever handed it to the bot. */
export interface TerminalIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Runs one command (a line, or words from a shell) and prints the result; resolves to the exit code. */
export async function runOnce(
  line: string | readonly string[],
  services: Services,
  io: TerminalIo,
  invocation: Invocation = localInvocation(),
  /** Called with the command's name once it has run, whatever its outcome. */
  afterRun?: (command: string) => void,
): Promise<number> {
  const prepared = await prepareCommand(line, invocation, services);
  if (prepared.kind === "failed") {
    io.stderr.write(`${renderFailureText(prepared.failure)}\n`);
    return prepared.wrongLine ? 2 : 1;
  }
  if (prepared.progress) io.stderr.write(`${prepared.progress}\n`);
  const outcome = await prepared.run();
  afterRun?.(prepared.command.name);
  if (!outcome.ok) {
    io.stderr.write(`${renderFailureText(outcome.failure)}\n`);
    return 1;
  }
  const first = renderText(outcome.result);
  io.stdout.write(`${first}\n`);
  const whole = await outcome.later;
  if (whole) {
    const rest = restOf(first, renderText(whole));
    if (rest.length)
      io.stdout.write(`${[`The rest, from ${waitedFor(outcome.result)}:`, ...rest].join("\n")}\n`);
  }
  const facts = factsOfResult(outcome.result);
  if (facts) io.stdout.write(`\n${linkTextDiagram(facts)}\n`);
  return fellShort(whole ?? outcome.result) ? 1 : 0;
}

/**
 * An answer that did not do or find what was asked, which a script must see as `docker` shows it, by exit code 1: a
 * teardown that left parts on a host that did not answer, one with no argument among several links (nothing
 * removed), `ports` of a container no cluster has, the `status` of a link not known to carry, a repair that could
 * not remove a container it replaced.
 */
function fellShort(result: CommandResult): boolean {
  switch (result.kind) {
    case "teardown":
      return result.result.status === "partial";
    case "teardown-choice":
      return true;
    case "ports":
      return result.result.found.length === 0;
    case "status":
      return !carries(result.view);
    case "repair":
      return (result.result.left?.length ?? 0) > 0;
    default:
      return false;
  }
}

/**
 * Whether a link is known to carry: every part runs where it should, its last path check did not fail, and every
 * host answered (a part not read may be gone).
 */
function carries(view: LinkView): boolean {
  return (
    view.status === "active" &&
    view.health?.state !== "broken" &&
    view.containers.every((container) => container.state !== "unreachable")
  );
}

/** The clusters the first answer was still waiting for. */
function waitedFor(result: CommandResult): string {
  const silent =
    result.kind === "ports" ? result.result.silent : "silent" in result ? result.silent : undefined;
  const names = (silent ?? []).filter((entry) => entry.waiting).map((entry) => entry.cluster);
  return names.join(", ") || "the clusters that were late";
}

/** The lines of the whole answer that the first one did not print (each line as often as it is new). */
function restOf(first: string, whole: string): string[] {
  const printed = new Map<string, number>();
  for (const line of first.split("\n")) printed.set(line, (printed.get(line) ?? 0) + 1);
  return whole.split("\n").filter((line) => {
    const left = printed.get(line) ?? 0;
    if (left > 0) printed.set(line, left - 1);
    return left === 0;
  });
}
