import type { types } from "@slack/bolt";
import type { CommandResult } from "../commands/command.js";
import type { Failure } from "../commands/execute.js";
import * as format from "./format.js";
import { type PageRequest, pageBlocks, pageNote, pageOf } from "./pages.js";
import { renderFailureText, renderText } from "./text.js";

type KnownBlock = types.KnownBlock;

/** What the bot posts to a response_url or returns in an ack. */
export interface SlackMessage {
  response_type: "in_channel" | "ephemeral";
  text: string;
  blocks?: KnownBlock[];
  replace_original?: boolean;
}

export const maxBlocks = 50;
export const maxSectionText = 3000;
const maxFallbackText = 3000;
const commandPrefix = "/ambassador ";

/** The action ID prefix of the "Tear down" buttons. */
export const teardownActionPrefix = "teardown_link";

/** What a Tear down button carries: the link's ID, and `/<cluster>` when it removes only that target. */
export function teardownButtonValue(linkId: string, target?: string): string {
  return target ? `${linkId}/${target}` : linkId;
}

/** The link and target a Tear down button's value names, as `teardownButtonValue` wrote them. */
export function teardownButtonOf(value: unknown): { link: string; target?: string } {
  const [link = "", target] = (typeof value === "string" ? value : "").split("/", 2);
  return target === undefined ? { link } : { link, target };
}

/** Escapes text a person or Docker supplied so Slack shows it as written. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Slack reads `<…>` in a message's text as a link or mention, so the fallback escapes `&` and `<` (keeping the
 * channel and user mentions the bot writes itself); `>` stays as it is so mappings read as `docker port` prints them.
 */
export function escapeFallback(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/<(?![#@][A-Z0-9]+>)/g, "&lt;");
}

function section(text: string): KnownBlock {
  return { type: "section", text: { type: "mrkdwn", text } };
}

function context(text: string): KnownBlock {
  return { type: "context", elements: [{ type: "mrkdwn", text: format.cutText(text, maxSectionText) }] };
}

/** Sections of text lines, each within Slack's limit; lines longer than the limit are cut with a note. */
function textSections(lines: readonly string[], code = false): KnownBlock[] {
  const fence = code ? "```" : "";
  const room = maxSectionText - 2 * fence.length - 2;
  const blocks: KnownBlock[] = [];
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    if (chunk.length)
      blocks.push(section(`${fence}${fence ? "\n" : ""}${chunk.join("\n")}${fence ? "\n" : ""}${fence}`));
    chunk = [];
    size = 0;
  };
  for (const raw of lines) {
    const line = format.cutText(raw, room);
    if (size + line.length + 1 > room) flush();
    chunk.push(line);
    size += line.length + 1;
  }
  flush();
  return blocks;
}

/** Keeps a message within Block Kit's limits: at most 50 blocks, each section within 3,000 characters. */
export function fitBlocks(blocks: readonly KnownBlock[], room = maxBlocks): KnownBlock[] {
  const sized = blocks.map((block) =>
    block.type === "section" && block.text && block.text.text.length > maxSectionText
      ? { ...block, text: { ...block.text, text: format.cutText(block.text.text, maxSectionText) } }
      : block,
  );
  if (sized.length <= room) return sized;
  const kept = sized.slice(0, room - 1);
  return [
    ...kept,
    context(
      `… cut: ${sized.length - kept.length} more blocks not shown. Narrow the request, or run it from the terminal.`,
    ),
  ];
}

function mappingBlocks(mappings: Parameters<typeof format.groupMappings>[0]): KnownBlock[] {
  const lines = format
    .groupMappings(mappings)
    .flatMap((group) => [
      `${group.container} on ${group.cluster}:`,
      ...group.mappings.map((m) => `  ${format.formatMapping(m)}`),
    ]);
  return lines.length ? textSections(lines, true) : [];
}

function blocksFor(result: CommandResult): KnownBlock[] {
  switch (result.kind) {
    case "link": {
      const { link, existing, source, targets, connections, mappings, webUrls, tookMs } = result.result;
      const fanned = targets.length > 1;
      return [
        section(
          `${existing ? ":information_source: Already linked" : ":white_check_mark: Linked"} \`${escapeMrkdwn(link.container)}\` from *${link.sourceCluster}* to ${targets.map((t) => `*${t.cluster}*`).join(", ")} as \`${escapeMrkdwn(link.alias)}\``,
        ),
        ...(webUrls.length
          ? textSections(
              targets.flatMap((t) =>
                t.webUrls.map((url) => `*Web:* ${url}${fanned ? ` (${t.cluster})` : ""}`),
              ),
            )
          : []),
        ...mappingBlocks(mappings),
        ...textSections([
          ...format.noWebLines(result.result),
          ...format.silentPortLines(result.result),
          ...format.renamedWebLines(result.result),
          ...format.linkClearedLines(result.result),
          ...format.wiringCaveats(link),
          ...format.reachLines(link),
          ...(result.view ? format.nextStepLines(result.view) : []),
        ]),
        context(
          [
            `link \`${link.id}\``,
            `connection ${connections.map((c) => `${c.port} -> ${c.address}`).join(", ")}`,
            `protection ${format.describeProtection(link)}`,
            `ambassadors ${[source, ...targets.map((t) => t.ambassador)].map((a) => `${escapeMrkdwn(a.name)}@${a.cluster} (${a.mode})`).join(", ")}`,
            ...(existing || tookMs <= 0 ? [] : [`took ${format.formatDuration(tookMs)}`]),
          ].join(" · "),
        ),
      ];
    }
    case "ports": {
      const { found, unreachable, silent } = result.result;
      const blocks: KnownBlock[] = [];
      if (found.length === 0)
        blocks.push(section(format.notFoundLine(result.result, (name) => `\`${escapeMrkdwn(name)}\``)));
      for (const entry of found) {
        blocks.push(section(`\`${escapeMrkdwn(entry.container)}\` on *${entry.cluster}*`));
        if (entry.mappings.length === 0) {
          blocks.push(context("no published ports"));
          continue;
        }
        blocks.push(...textSections(entry.mappings.map(format.formatMapping), true));
        const urls = entry.mappings.flatMap((m) => (m.url ? [m.url] : []));
        if (urls.length) blocks.push(...textSections(urls));
      }
      if (unreachable.length) {
        blocks.push(
          context(
            `Could not reach ${unreachable.map((u) => `${u.cluster} (${escapeMrkdwn(u.error)})`).join(", ")}`,
          ),
        );
      }
      if (silent?.length) blocks.push(context(format.silentLines(silent).join(" · ")));
      const note = format.hiddenNote(result.hidden, "searched");
      if (note) blocks.push(context(note));
      return blocks;
    }
    case "teardown": {
      const { linkId, status } = result.result;
      return [
        section(
          status === "removed" && result.result.target
            ? `:wastebasket: Removed target *${result.result.target}* of link \`${linkId}\` (its other targets keep working): ${format.removedCount(result.result)}.`
            : status === "removed"
              ? `:wastebasket: Tore down link \`${linkId}\`: ${format.removedCount(result.result)}.`
              : `:warning: ${format.partialTeardown(result.result, commandPrefix, (id) => `\`${id}\``)}`,
        ),
        ...textSections(format.teardownObjectLines(result.result), true),
      ];
    }
    case "teardown-choice":
      return [
        section(
          `${result.channel ? "This channel has" : "There are"} ${result.links.length} links${result.target ? ` with target *${result.target}*` : ""}; nothing was removed. Choose the one ${result.target ? `to remove target *${result.target}* from` : "to tear down"}:`,
        ),
        ...result.links.map((view, index): KnownBlock => {
          // Of a link with no other target, removing the target is tearing the whole link down, and says so.
          const onlyTarget =
            result.target !== undefined && view.link.targets.length > 1 ? result.target : undefined;
          return {
            type: "section",
            text: {
              type: "mrkdwn",
              text: format.cutText(escapeMrkdwn(format.describeLink(view)), maxSectionText),
            },
            accessory: {
              type: "button",
              action_id: `${teardownActionPrefix}_${index}`,
              value: teardownButtonValue(view.link.id, onlyTarget),
              style: "danger",
              text: { type: "plain_text", text: onlyTarget ? "Remove target" : "Tear down" },
              confirm: {
                title: {
                  type: "plain_text",
                  text: onlyTarget ? "Remove this target?" : "Tear down this link?",
                },
                text: {
                  type: "mrkdwn",
                  text: format.cutText(
                    onlyTarget
                      ? `Removes what \`${view.link.id}\` made on ${onlyTarget}; its other targets keep working.`
                      : `Removes the ambassadors of \`${view.link.id}\` on ${format.linkHosts(view.link)}.`,
                    300,
                  ),
                },
                confirm: { type: "plain_text", text: onlyTarget ? "Remove target" : "Tear down" },
                deny: { type: "plain_text", text: "Keep it" },
              },
            },
          };
        }),
      ];
    case "list":
      if (result.links.length === 0) return [section(escapeMrkdwn(renderText(result, { commandPrefix })))];
      return [
        section(
          `*${result.total ?? result.links.length} ${(result.total ?? result.links.length) === 1 ? "link" : "links"}*`,
        ),
        ...(result.silent?.length
          ? [context(`${format.silentLines(result.silent).join(" · ")}: their links show as unreachable.`)]
          : []),
        ...result.links.map((view) =>
          section(
            format.cutText(
              escapeMrkdwn(
                [format.describeLink(view), format.describeContainers(view), format.listedHealth(view)]
                  .filter(Boolean)
                  .join("\n"),
              ),
              maxSectionText,
            ),
          ),
        ),
      ];
    case "status": {
      const [title = "", ...rest] = format.statusLines(result.view).map(escapeMrkdwn);
      const icon = result.view.health?.state === "broken" ? ":warning:" : ":information_source:";
      const silent = format.silentLines(result.silent);
      return [
        section(`${icon} *${title}*`),
        ...textSections(rest),
        ...(silent.length ? [context(silent.join(" · "))] : []),
      ];
    }
    case "repair": {
      const [title = "", ...rest] = format.repairLines(result.result, commandPrefix).map(escapeMrkdwn);
      const icon = result.result.status === "repaired" ? ":hammer_and_wrench:" : ":white_check_mark:";
      return [section(`${icon} ${title}`), ...(rest.length ? textSections(rest, true) : [])];
    }
    case "reconcile": {
      const [title = "", ...rest] = format
        .reconcileLines(result.result, result.fixed, commandPrefix)
        .map(escapeMrkdwn);
      return [section(title), ...(rest.length ? textSections(rest, true) : [])];
    }
    case "clusters": {
      const probes = format.probesByName(result.probes, result.silent);
      if (result.clusters.length === 0) return [section(escapeMrkdwn(renderText(result)))];
      const note = format.hiddenNote(result.hidden, "shown");
      return [
        ...textSections(
          result.clusters.map((summary) =>
            escapeMrkdwn(format.describeCluster(summary, probes.get(summary.name))),
          ),
        ),
        ...(note ? [context(note)] : []),
      ];
    }
    case "help":
      return result.entries.flatMap((entry) =>
        textSections([
          `\`${commandPrefix}${escapeMrkdwn(entry.usage)}\``,
          escapeMrkdwn(entry.summary),
          ...(result.topic ? entry.options.map((o) => `• \`${o.usage}\`: ${escapeMrkdwn(o.help)}`) : []),
          `e.g. \`${commandPrefix}${escapeMrkdwn(entry.example)}\``,
        ]),
      );
  }
}

/** Slack never shows where a cluster's Docker API is, whoever built the result. */
function withoutDockerUrls(result: CommandResult): CommandResult {
  if (result.kind !== "clusters") return result;
  return { ...result, clusters: result.clusters.map(({ name, channels }) => ({ name, channels })) };
}

/** Whether a result goes to the whole channel or only to the person who asked. */
export function visibilityOf(result: CommandResult): SlackMessage["response_type"] {
  if (result.kind === "help" || result.kind === "teardown-choice") return "ephemeral";
  if (result.kind === "ports" && result.result.found.length === 0) return "ephemeral";
  return "in_channel";
}

/**
 * A result as Block Kit with a plain-text fallback that carries the same URLs and mappings. Given the command line
 * it came from, a long list shows one page, with a "More" button that runs the line again for the next.
 */
export function renderSlackMessage(shown: CommandResult, paging?: PageRequest): SlackMessage {
  const whole = withoutDockerUrls(shown);
  const at = paging ? pageOf(whole, paging.page) : undefined;
  const result = at?.result ?? whole;
  const text = renderText(result, { commandPrefix });
  if (!at || !paging || at.pages === 1)
    return {
      response_type: visibilityOf(result),
      text: format.cutText(escapeFallback(text), maxFallbackText),
      blocks: fitBlocks(blocksFor(result)),
    };
  const under = pageBlocks(at, paging.line);
  return {
    response_type: visibilityOf(result),
    text: format.cutText(escapeFallback(`${text}\n${pageNote(at)}`), maxFallbackText),
    blocks: [...fitBlocks(blocksFor(result), maxBlocks - under.length), ...under],
  };
}

/** A failure, shown only to the person who ran the command. */
export function renderSlackFailure(failure: Failure): SlackMessage {
  const text = format.cutText(escapeFallback(renderFailureText(failure, { commandPrefix })), maxFallbackText);
  const usage = failure.usage ? `\n*Usage:* \`${commandPrefix}${escapeMrkdwn(failure.usage)}\`` : "";
  return {
    response_type: "ephemeral",
    text,
    blocks: fitBlocks([
      section(format.cutText(`:x: ${escapeFallback(failure.message)}${usage}`, maxSectionText)),
    ]),
  };
}
