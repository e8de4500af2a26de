import type { CommandSpec, OptionSpec } from "./command.js";
import { optionKey, optionUsage, usageOf } from "./command.js";
import { commands as defaultCommands } from "./command-table.js";
import { tokenize, unreadableIn } from "./tokenize.js";

/** A command line read into a command and its checked input, or what was wrong with it and the right usage. */
export type ParseResult =
  | { ok: true; command: CommandSpec; input: unknown }
  | { ok: false; problem: string; command?: CommandSpec; usage?: string };

const slashPrefix = /^\/?ambassador$/i;

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_dash, letter: string) => letter.toUpperCase());
}

function quoteValue(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `\`${shown.replace(/`/g, "'")}\``;
}

/** Edit distance where swapping two neighbouring letters counts as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_row, i) =>
    Array.from({ length: b.length + 1 }, (_cell, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const scored = candidates
    .map((candidate) => ({ candidate, distance: editDistance(word, candidate) }))
    .filter((entry) => entry.distance <= Math.max(1, Math.floor(entry.candidate.length / 3)))
    .sort((x, y) => x.distance - y.distance);
  return scored[0]?.candidate;
}

function fail(problem: string, command?: CommandSpec): ParseResult {
  return { ok: false, problem, command, usage: command ? usageOf(command) : undefined };
}

function describeField(command: CommandSpec, key: string): string {
  const positional = command.positionals.find((p) => camel(p.name) === key);
  if (positional) return `<${positional.name}>`;
  const option = command.options.find((o) => optionKey(o) === key);
  return option ? `--${option.name}` : key;
}

/** Reads a command line (Slack text or terminal input, with or without `/ambassador`). Never throws. */
export function parseCommand(text: string, table: readonly CommandSpec[] = defaultCommands): ParseResult {
  const tokenized = tokenize(text);
  if (!tokenized.ok) return fail(`Could not read the command: ${tokenized.error}.`);
  return parseWords(tokenized.tokens, table);
}

/** Reads a command already split into words (a shell's argv). Never throws. */
export function parseWords(
  words: readonly string[],
  table: readonly CommandSpec[] = defaultCommands,
): ParseResult {
  // A shell's words come as typed: a hidden character in one is refused, as in a line, and never echoed.
  const unreadable = words.map((word) => unreadableIn(word, "word")).find((error) => error !== undefined);
  if (unreadable) return fail(`Could not read the command: ${unreadable}.`);
  const tokens = [...words];
  if (tokens.length > 0 && slashPrefix.test(tokens[0] as string)) tokens.shift();
  const names = table.map((command) => command.name);
  const help = table.find((command) => command.name === "help");
  if (tokens.length === 0) {
    if (help) return { ok: true, command: help, input: {} };
    return fail(`Say what to do: ${names.join(", ")}.`);
  }
  const word = (tokens.shift() as string).toLowerCase();
  const command = table.find((candidate) => candidate.name === word);
  if (!command) {
    const suggestion = closest(word, names);
    return fail(
      `Unknown command ${quoteValue(word)}.${suggestion ? ` Did you mean \`${suggestion}\`?` : ""} Commands: ${names.join(", ")}.`,
    );
  }
  return parseArguments(command, tokens);
}

function parseArguments(command: CommandSpec, tokens: string[]): ParseResult {
  const elsewhere = command.elsewhere ? ` ${command.elsewhere}` : "";
  const raw: Record<string, unknown> = {};
  const positionals: string[] = [];
  let optionsEnded = false;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index] as string;
    if (optionsEnded || !token.startsWith("-") || token === "-" || /^-\d/.test(token)) {
      positionals.push(token);
      continue;
    }
    if (token === "--") {
      optionsEnded = true;
      continue;
    }
    const body = token.replace(/^--?/, "");
    const equals = body.indexOf("=");
    const name = (equals >= 0 ? body.slice(0, equals) : body).toLowerCase();
    const inlineValue = equals >= 0 ? body.slice(equals + 1) : undefined;
    const option: OptionSpec | undefined = command.options.find((candidate) => candidate.name === name);
    if (!option || !token.startsWith("--")) {
      const suggestion = closest(
        name,
        command.options.map((o) => o.name),
      );
      const known = command.options.length
        ? ` Options: ${command.options.map((o) => `--${o.name}`).join(", ")}.`
        : ` \`${command.name}\` takes no options.`;
      return fail(
        `Unknown option ${quoteValue(token)} for \`${command.name}\`.${suggestion ? ` Did you mean \`--${suggestion}\`?` : ""}${known}${elsewhere}`,
        command,
      );
    }
    const key = optionKey(option);
    if (option.flag) {
      if (inlineValue !== undefined)
        return fail(`\`--${option.name}\` is a flag and takes no value.`, command);
      raw[key] = true;
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      const next = tokens[index + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2)) {
        return fail(`\`${optionUsage(option)}\` needs a value.`, command);
      }
      value = next;
      index += 1;
    }
    if (option.repeatable) {
      raw[key] = [...((raw[key] as string[] | undefined) ?? []), value];
    } else if (raw[key] !== undefined) {
      return fail(`\`--${option.name}\` is given more than once.`, command);
    } else {
      raw[key] = value;
    }
  }
  const expected = command.positionals;
  if (positionals.length > expected.length) {
    const extra = positionals.slice(expected.length);
    const shown = extra.slice(0, 3).map(quoteValue).join(" ");
    const more = extra.length > 3 ? ` and ${extra.length - 3} more` : "";
    return fail(
      `Unexpected ${extra.length === 1 ? "argument" : "arguments"} ${shown}${more}.${elsewhere}`,
      command,
    );
  }
  for (const [index, positional] of expected.entries()) {
    const value = positionals[index];
    if (value === undefined) {
      if (positional.optional) continue;
      return fail(`Missing <${positional.name}>.`, command);
    }
    raw[camel(positional.name)] = value;
  }
  const checked = command.schema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const key = String(issue?.path[0] ?? "");
    const field = describeField(command, key);
    const value = raw[key];
    const shown =
      typeof value === "string"
        ? ` ${quoteValue(value)}`
        : Array.isArray(value) && typeof issue?.path[1] === "number"
          ? ` ${quoteValue(String(value[issue.path[1]]))}`
          : "";
    const message = issue?.message ?? "is not valid";
    return fail(
      key
        ? `Bad value for ${field}${shown}: ${message}.`
        : `${message[0]?.toUpperCase()}${message.slice(1)}.`,
      command,
    );
  }
  return { ok: true, command, input: checked.data };
}
