import type { z } from "zod";
import type { Actor } from "../domain/actor.js";
import type { ClusterProbe, ClusterSummary } from "../domain/cluster.js";
import type {
  LinkResult,
  LinkView,
  PortsResult,
  ReconcileResult,
  RepairResult,
  SilentCluster,
  Staged,
  TeardownResult,
} from "../engine/types.js";
import type { Services } from "./services.js";

/** A cluster as `clusters` shows it: where its Docker API is only at the terminal. */
export type ClusterListing = Pick<ClusterSummary, "name" | "channels"> &
  Partial<Pick<ClusterSummary, "host" | "tls" | "advertise">>;

/** Who runs a command and from where; `trusted` is the local user at the terminal. */
export interface Invocation {
  actor: Actor;
  /** Slack channel ID, when the command came from Slack. */
  channel?: string;
  trusted: boolean;
}

/** Whether an invocation may see where the clusters' Docker APIs are (URLs, addresses): the terminal, not Slack. */
export function seesDockerApis(invocation: Invocation): boolean {
  return invocation.trusted;
}

/** Failures as an invocation may see them: where it may not see the Docker APIs, each says its address-free error. */
export function failuresShownTo<T extends { error: string; errorWithoutAddress: string }>(
  invocation: Invocation,
  failures: readonly T[],
): T[] {
  return seesDockerApis(invocation)
    ? [...failures]
    : failures.map((failure) => ({ ...failure, error: failure.errorWithoutAddress }));
}

/** A positional argument of a command. */
export interface PositionalSpec {
  name: string;
  optional?: boolean;
}

/** An option of a command: `--name VALUE`, or a flag when `flag` is set. */
export interface OptionSpec {
  name: string;
  /** Key in the parsed input; defaults to the camel-cased name. */
  key?: string;
  value?: string;
  flag?: boolean;
  repeatable?: boolean;
  help: string;
}

/** A summary of one command for help. */
export interface HelpEntry {
  name: string;
  usage: string;
  summary: string;
  example: string;
  options: { usage: string; help: string }[];
}

/** What a command produced, independent of how it is shown. */
export type CommandResult =
  /** `view`: a link found already made, as its hosts say it is now; absent for a new one, or when it could not be read. */
  | { kind: "link"; result: LinkResult; view?: LinkView }
  /** `hidden`: how many clusters were not searched because this channel may not see them. */
  | { kind: "ports"; result: PortsResult; hidden?: number }
  | { kind: "teardown"; result: TeardownResult }
  /** Links to choose one from; with `target`, the choice removes only that target cluster of it. */
  | { kind: "teardown-choice"; links: LinkView[]; channel?: string; target?: string }
  /** `total`: how many links there are in all, when `links` is one page of them; `silent`: clusters whose containers could not be read in time (their links show them unreachable). */
  | { kind: "list"; links: LinkView[]; channel?: string; total?: number; silent?: SilentCluster[] }
  | { kind: "status"; view: LinkView; silent?: SilentCluster[] }
  /** `view`: the link as it is after the repair, for its picture; absent when it could not be read back. */
  | { kind: "repair"; result: RepairResult; view?: LinkView }
  /** `fixed`: the orphans were removed, not only named. */
  | { kind: "reconcile"; result: ReconcileResult; fixed: boolean }
  /** `hidden`: how many clusters this channel may not see, left out. */
  | {
      kind: "clusters";
      clusters: ClusterListing[];
      probes: ClusterProbe[];
      hidden?: number;
      silent?: SilentCluster[];
    }
  | { kind: "help"; entries: HelpEntry[]; topic?: string };

/** A result given before every cluster answered: `later` is the whole, once the rest answered or timed out. */
export interface StagedResult {
  now: CommandResult;
  later: Promise<CommandResult>;
}

/** The result as it stands, and the whole later when a cluster was still out. */
export async function stagedResult<T>(
  read: Staged<T>,
  result: (value: T) => CommandResult | Promise<CommandResult>,
): Promise<CommandResult | StagedResult> {
  const now = await result(read.now);
  return read.later ? { now, later: read.later.then(result) } : now;
}

/** What a command handler gets besides its input. */
export interface CommandContext {
  services: Services;
  invocation: Invocation;
  /**
   * Called by a command that changes links once it may go ahead, before it touches a host: audits that it started,
   * so a process killed midway still leaves who started what, and a refusal is never taken for a start.
   */
  begin(): void;
}

/** One command of the grammar: its words, its input schema, who may run it, and what it does. */
export interface CommandSpec<Input = unknown> {
  name: string;
  /** Overrides the usage line built from the positionals and options. */
  usage?: string;
  summary: string;
  example: string;
  positionals: PositionalSpec[];
  options: OptionSpec[];
  schema: z.ZodType<Input>;
  /** Changes hosts: only admins, and only from channels allowed for the clusters it touches. */
  mutating: boolean;
  /** The clusters whose channel bindings must allow the invocation, known from the input and the registered ones. */
  clustersOf?: (input: Input, registered: readonly ClusterSummary[]) => string[];
  /**
   * The link the command acts on, as its input names it: one this invocation may see, on clusters that all allow its
   * channel, or the command is refused before it is acknowledged.
   */
  linkOf?: (input: Input) => string | undefined;
  /** Said after "Unexpected argument …": where the arguments a user tried belong instead. */
  elsewhere?: string;
  /** The message shown at once while the work runs; none means the command answers at once. */
  progress?: (input: Input) => string;
  /** Audit target, e.g. the container or link ID. */
  target?: (input: Input) => string | undefined;
  run(input: Input, context: CommandContext): Promise<CommandResult | StagedResult>;
}

/** Declares a command with its input type inferred from its schema; no positionals or options unless given. */
export function defineCommand<Schema extends z.ZodType>(
  spec: Omit<CommandSpec<z.infer<Schema>>, "schema" | "positionals" | "options"> &
    Partial<Pick<CommandSpec, "positionals" | "options">> & { schema: Schema },
): CommandSpec {
  return { positionals: [], options: [], ...spec } as unknown as CommandSpec;
}

export function optionKey(option: OptionSpec): string {
  return option.key ?? option.name.replace(/-([a-z])/g, (_dash, letter: string) => letter.toUpperCase());
}

export function usageOf(command: Pick<CommandSpec, "name" | "usage" | "positionals" | "options">): string {
  if (command.usage) return command.usage;
  const positionals = command.positionals.map((p) => (p.optional ? `[<${p.name}>]` : `<${p.name}>`));
  const options = command.options.map(
    (option) => `[${optionUsage(option)}]${option.repeatable ? "..." : ""}`,
  );
  return [command.name, ...positionals, ...options].join(" ");
}

export function optionUsage(option: OptionSpec): string {
  return option.flag ? `--${option.name}` : `--${option.name} ${option.value ?? "VALUE"}`;
}
