import type { CommandResult } from "../commands/command.js";
import type { Failure } from "../commands/execute.js";
import * as format from "./format.js";
import {
  describeCluster,
  describeContainers,
  describeLink,
  describeProtection,
  formatDuration,
  formatMapping,
  groupMappings,
  hiddenNote,
  listedHealth,
  reconcileLines,
  repairLines,
  statusLines,
} from "./format.js";

export interface TextOptions {
  /** Put before command examples: "/ambassador " in Slack, "" in a terminal. */
  commandPrefix?: string;
}

function mappingLines(mappings: Parameters<typeof groupMappings>[0], indent = "  "): string[] {
  return groupMappings(mappings).flatMap((group) => [
    `${indent}${group.container} on ${group.cluster}:`,
    ...group.mappings.map((m) => `${indent}  ${formatMapping(m)}${m.url ? `   ${m.url}` : ""}`),
  ]);
}

/** The result as plain text: the terminal's output and Slack's fallback text. */
export function renderText(result: CommandResult, options: TextOptions = {}): string {
  const prefix = options.commandPrefix ?? "";
  switch (result.kind) {
    case "link": {
      const { link, existing, source, targets, connections, mappings, tookMs } = result.result;
      const fanned = targets.length > 1;
      const lines = [
        `${existing ? "Already linked" : "Linked"} ${link.container} from ${link.sourceCluster} to ${targets.map((t) => t.cluster).join(", ")} as ${link.alias} (link ${link.id}).`,
        ...targets.flatMap((t) => t.webUrls.map((url) => `Web: ${url}${fanned ? ` (${t.cluster})` : ""}`)),
        ...format.noWebLines(result.result),
        ...format.silentPortLines(result.result),
        ...format.renamedWebLines(result.result),
        "Ports:",
        ...mappingLines(mappings),
        `Connection: ${connections.map((c) => `${c.port} -> ${c.address}`).join(", ")}`,
        `Ambassadors: ${[source, ...targets.map((t) => t.ambassador)].map((a) => `${a.name} on ${a.cluster} (${a.mode})`).join(", ")}`,
        `Protection: ${describeProtection(link)}`,
        ...format.wiringCaveats(link),
        ...format.reachLines(link),
      ];
      lines.push(...format.linkClearedLines(result.result));
      if (result.view) lines.push(...format.nextStepLines(result.view));
      if (!existing && tookMs > 0) lines.push(`Took ${formatDuration(tookMs)}.`);
      return lines.join("\n");
    }
    case "ports": {
      const { found, unreachable, silent } = result.result;
      const lines: string[] = [];
      if (found.length === 0) lines.push(format.notFoundLine(result.result));
      for (const entry of found) {
        lines.push(`${entry.container} on ${entry.cluster}:`);
        if (entry.mappings.length === 0) lines.push("  no published ports");
        for (const m of entry.mappings) lines.push(`  ${formatMapping(m)}${m.url ? `   ${m.url}` : ""}`);
      }
      for (const miss of unreachable) lines.push(`Could not reach ${miss.cluster}: ${miss.error}`);
      lines.push(...format.silentLines(silent));
      const note = hiddenNote(result.hidden, "searched");
      if (note) lines.push(note);
      return lines.join("\n");
    }
    case "teardown": {
      const { linkId, status } = result.result;
      const lines = [
        status === "removed" && result.result.target
          ? `Removed target ${result.result.target} of link ${linkId} (its other targets keep working): ${format.removedCount(result.result)}.`
          : status === "removed"
            ? `Tore down link ${linkId}: ${format.removedCount(result.result)}.`
            : format.partialTeardown(result.result, prefix),
        ...format.teardownObjectLines(result.result).map((line) => `  ${line}`),
      ];
      return lines.join("\n");
    }
    case "teardown-choice":
      return [
        `${result.channel ? "This channel has" : "There are"} ${result.links.length} links${result.target ? ` with target ${result.target}` : ""}; nothing was removed. Say which one ${result.target ? `to remove target ${result.target} from` : "to tear down"}:`,
        // Of a link with no other target, removing the target is tearing the whole link down, and is asked so.
        ...result.links.map(
          (view) =>
            `  ${describeLink(view)}   ${prefix}teardown ${view.link.id}${result.target && view.link.targets.length > 1 ? ` --target ${result.target}` : ""}`,
        ),
      ].join("\n");
    case "list":
      if (result.links.length === 0)
        return `No links yet. \`${prefix}link <container> <source> <target>\` makes one.`;
      return [
        `${result.total ?? result.links.length} ${(result.total ?? result.links.length) === 1 ? "link" : "links"}:`,
        // Before the links, as in the blocks: a long page's fallback text is cut, and this line must stay.
        ...format.silentLines(result.silent).map((line) => `${line}: its links show as unreachable.`),
        ...result.links.flatMap((view) => [
          `  ${describeLink(view)}`,
          ...(view.containers.length ? [`    ${describeContainers(view)}`] : []),
          `    ${listedHealth(view)}`,
        ]),
      ].join("\n");
    case "status":
      return [...statusLines(result.view), ...format.silentLines(result.silent)].join("\n");
    case "repair":
      return repairLines(result.result, prefix).join("\n");
    case "reconcile":
      return reconcileLines(result.result, result.fixed, prefix).join("\n");
    case "clusters": {
      const note = hiddenNote(result.hidden, "shown");
      if (result.clusters.length === 0 && note) return `No clusters may be used in this channel. ${note}`;
      if (result.clusters.length === 0) {
        return "No clusters are registered. An operator adds one with `ambassador clusters add <name> --docker-env <path/docker.env>`.";
      }
      const probes = format.probesByName(result.probes, result.silent);
      return [
        `${result.clusters.length} ${result.clusters.length === 1 ? "cluster" : "clusters"}:`,
        ...result.clusters.map((summary) => `  ${describeCluster(summary, probes.get(summary.name))}`),
        ...(note ? [note] : []),
      ].join("\n");
    }
    case "help":
      return result.entries
        .flatMap((entry) => [
          `${prefix}${entry.usage}`,
          `    ${entry.summary}`,
          ...(result.topic ? entry.options.map((o) => `    ${o.usage}: ${o.help}`) : []),
          `    example: ${prefix}${entry.example}`,
        ])
        .join("\n");
  }
}

/** A failure as plain text, with the right usage when the command line was wrong. */
export function renderFailureText(failure: Failure, options: TextOptions = {}): string {
  const usage = failure.usage ? `\nUsage: ${options.commandPrefix ?? ""}${failure.usage}` : "";
  return `${failure.message}${usage}`;
}
