import { randomBytes } from "node:crypto";
import type { AuditEntry } from "../domain/audit.js";
import { recreatedParts } from "../engine/link-repair.js";
import { describeError, errorReference, isUserError } from "../errors.js";
import { recordAudit } from "../store/audit.js";
import {
  assertChannelAllowed,
  assertClustersKnown,
  assertMayRun,
  findAuthorised,
  refusalCodes,
} from "./authorize.js";
import { changesLinks } from "./changes-links.js";
import { type CommandResult, type CommandSpec, type Invocation, seesDockerApis } from "./command.js";
import { parseCommand, parseWords } from "./parse.js";
import type { Services } from "./services.js";

/** Why a command did not produce a result, in words fit for the person who ran it. */
export interface Failure {
  message: string;
  /** The right usage, when the command line itself was wrong. */
  usage?: string;
  /** Ties the message to the full error in the log, for failures that were not the person's doing. */
  reference?: string;
  refused: boolean;
}

/**
 * What a command produced. `later`, when some cluster had not answered in time, resolves with the whole result
 * once it has (or its deadline passed); undefined when there is nothing to add after all.
 */
export type Outcome =
  | { ok: true; result: CommandResult; later?: Promise<CommandResult | undefined> }
  | { ok: false; failure: Failure };

/** A command line checked and authorised as far as possible without touching any host. */
export type Prepared =
  | {
      kind: "failed";
      failure: Failure;
      /** The command line itself was wrong (an unknown command, a missing or malformed argument). */
      wrongLine?: true;
    }
  | {
      kind: "ready";
      command: CommandSpec;
      input: unknown;
      /** Shown at once while the work runs; absent for commands that answer at once. */
      progress?: string;
      run(): Promise<Outcome>;
      /**
       * Where it stands: `waiting` (nothing changed yet), `running` (its `started` entry written), `done` (ended,
       * its answer perhaps still on its way).
       */
      stage(): "waiting" | "running" | "done";
      /** Ends its audit entry as cut short, when it began and has not ended: the bot stops without it. */
      cutShort(): void;
    };

/** A command ready to run. */
export type ReadyCommand = Extract<Prepared, { kind: "ready" }>;

/** The detail of the audit entry that ends a change the bot stopped before it finished. */
export const cutShortDetail = "cut short: the bot stopped before it finished";

/** Writes the entry through the audit writer every change shares. */
function audit(services: Services, entry: Omit<AuditEntry, "at">): void {
  recordAudit(services.audit, services.logger, entry);
}

/** What the audit log says a change did: the link it made, how a teardown ended, what a repair recreated. */
function auditDetail(result: CommandResult): string | undefined {
  switch (result.kind) {
    case "link": {
      const cleared = (result.result.cleared ?? []).map((o) => `${o.kind} ${o.name} on ${o.cluster}`);
      const link = `${result.result.existing ? "existing" : "made"} link ${result.result.link.id}`;
      const silent = result.result.unclearedOn ?? [];
      return [
        link,
        ...(cleared.length ? [`removed what an interrupted link left: ${cleared.join(", ")}`] : []),
        ...(silent.length ? [`kept what it left on clusters that did not answer: ${silent.join(", ")}`] : []),
      ].join("; ");
    }
    case "teardown":
      return `link ${result.result.linkId} ${result.result.status}`;
    case "repair":
      return recreatedParts(result.result);
    case "reconcile":
      return result.fixed
        ? `removed ${result.result.removed} of ${result.result.orphans.length} orphan(s)`
        : `${result.result.orphans.length} orphan(s), ${result.result.broken.length} broken link(s), ${result.result.unlisted?.length ?? 0} object(s) outside a link's record`;
    default:
      return undefined;
  }
}

/** Parses, authorises and audits a command line; the returned `run` does the work. Never throws. */
export async function prepareCommand(
  line: string | readonly string[],
  invocation: Invocation,
  services: Services,
): Promise<Prepared> {
  const base = { actor: invocation.actor, channel: invocation.channel };
  const parsed = typeof line === "string" ? parseCommand(line) : parseWords(line);
  if (!parsed.ok) {
    audit(services, {
      ...base,
      action: parsed.command?.name ?? "unknown",
      outcome: "refused",
      detail: `invalid command: ${parsed.problem}`,
    });
    return {
      kind: "failed",
      failure: { message: parsed.problem, usage: parsed.usage, refused: true },
      wrongLine: true,
    };
  }
  const { command, input } = parsed;
  const target = command.target?.(input);
  // Whether its `started` entry was written, and whether an end followed it (one only: a cut short is its end).
  let begun = false;
  let ended = false;
  // Its entries share it, so that a start is paired with its own end.
  const run = randomBytes(6).toString("hex");
  const record = (outcome: AuditEntry["outcome"], detail?: string) => {
    if (ended) return;
    if (outcome !== "started") ended = true;
    audit(services, { ...base, action: command.name, target, outcome, detail, run });
  };
  const failed = (error: unknown): Failure => {
    if (isUserError(error)) {
      const refused = refusalCodes.has(error.code);
      record(refused ? "refused" : "error", error.message);
      return { message: seesDockerApis(invocation) ? error.message : error.withoutAddress, refused };
    }
    const reference = errorReference();
    services.logger.error(
      {
        err: error,
        command: command.name,
        target,
        actor: invocation.actor,
        channel: invocation.channel,
        reference,
      },
      `command ${command.name} failed`,
    );
    record("error", `reference ${reference}: ${describeError(error)}`);
    return {
      message: `Something went wrong while running \`${command.name}\`. The bot's operator can find the details in its log under reference ${reference}.`,
      reference,
      refused: false,
    };
  };
  try {
    assertMayRun(command, invocation, services.config.admins);
    const clusterNames = command.clustersOf?.(input, services.clusters.list());
    if (clusterNames) {
      assertClustersKnown(clusterNames, invocation, services.clusters);
      assertChannelAllowed(clusterNames, invocation, services.clusters);
    }
    const linkRef = command.linkOf?.(input);
    if (linkRef !== undefined) findAuthorised(services, invocation, linkRef);
  } catch (error) {
    return { kind: "failed", failure: failed(error) };
  }
  return {
    kind: "ready",
    command,
    input,
    progress: command.progress?.(input),
    stage: () => (ended ? "done" : begun ? "running" : "waiting"),
    cutShort: () => {
      if (begun && !ended) record("error", cutShortDetail);
    },
    run: async () => {
      const begin = () => {
        if (begun || !changesLinks.has(command.name)) return;
        begun = true;
        record("started");
      };
      try {
        const ran = await command.run(input, { services, invocation, begin });
        if (!("now" in ran)) {
          record("ok", auditDetail(ran));
          return { ok: true, result: ran };
        }
        record("ok", auditDetail(ran.now));
        const later = ran.later.catch((error: unknown) => {
          services.logger.warn({ err: error, command: command.name }, "the rest of an answer failed");
          return undefined;
        });
        return { ok: true, result: ran.now, later };
      } catch (error) {
        return { ok: false, failure: failed(error) };
      }
    },
  };
}

/** Prepares and runs a command line in one step. */
export async function executeCommand(
  line: string | readonly string[],
  invocation: Invocation,
  services: Services,
): Promise<Outcome> {
  const prepared = await prepareCommand(line, invocation, services);
  if (prepared.kind === "failed") return { ok: false, failure: prepared.failure };
  return prepared.run();
}

/** Whether this invocation may open a command's dialog; a refusal is audited as the command's own would be. */
export function authoriseDialog(
  command: CommandSpec,
  invocation: Invocation,
  services: Services,
): Failure | undefined {
  try {
    assertMayRun(command, invocation, services.config.admins);
    return undefined;
  } catch (error) {
    return refuseDialog(
      command,
      invocation,
      services,
      isUserError(error) ? error.message : describeError(error),
    );
  }
}

/** A dialog's request refused with `message`, audited as the command's own refusal would be. */
export function refuseDialog(
  command: CommandSpec,
  invocation: Invocation,
  services: Services,
  message: string,
): Failure {
  audit(services, {
    actor: invocation.actor,
    channel: invocation.channel,
    action: command.name,
    outcome: "refused",
    detail: message,
  });
  return { message, refused: true };
}
