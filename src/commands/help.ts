import { z } from "zod";
import { UserError } from "../errors.js";
import { type CommandSpec, defineCommand, type HelpEntry, optionUsage, usageOf } from "./command.js";

export const HelpInput = z.object({ command: z.string().max(64, "is longer than 64 characters").optional() });

export function helpEntry(command: CommandSpec): HelpEntry {
  return {
    name: command.name,
    usage: usageOf(command),
    summary: command.summary,
    example: command.example,
    options: command.options.map((option) => ({ usage: optionUsage(option), help: option.help })),
  };
}

/** `help [command]`, built from the same table of commands as the parser. */
export function createHelpCommand(commands: () => readonly CommandSpec[]): CommandSpec {
  return defineCommand({
    name: "help",
    summary: "Show the commands, or one command in detail.",
    example: "help link",
    positionals: [{ name: "command", optional: true }],
    schema: HelpInput,
    mutating: false,
    async run(input) {
      const all = commands();
      if (input.command === undefined) return { kind: "help", entries: all.map(helpEntry) };
      const topic = all.find((command) => command.name === input.command?.toLowerCase());
      if (!topic) {
        throw new UserError(
          "unknown-command",
          `There is no command \`${input.command}\`. Commands: ${all.map((c) => c.name).join(", ")}.`,
        );
      }
      return { kind: "help", entries: [helpEntry(topic)], topic: topic.name };
    },
  });
}
