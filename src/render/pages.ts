import type { types } from "@slack/bolt";
import type { CommandResult } from "../commands/command.js";

/** The action ID of the "More" button under a long list. */
export const moreAction = "more_page";

/** Items per page: few enough that a page fits a message's blocks and characters. */
export const pageSizes = { list: 20, ports: 20, clusters: 40 } as const;

/** Which command line a "More" button runs again, and which page it shows. */
export interface PageRequest {
  line: string;
  page: number;
}

/** One page of a long result, with where it stands. */
export interface ResultPage {
  result: CommandResult;
  page: number;
  pages: number;
  first: number;
  last: number;
  total: number;
}

function slice<T>(items: readonly T[], page: number, size: number) {
  const pages = Math.max(1, Math.ceil(items.length / size));
  const at = Math.min(Math.max(1, page), pages);
  const start = (at - 1) * size;
  const shown = items.slice(start, start + size);
  return { shown, page: at, pages, first: start + 1, last: start + shown.length, total: items.length };
}

/** The page of a list, ports or clusters result; undefined for results that are never long lists. */
export function pageOf(result: CommandResult, page: number): ResultPage | undefined {
  switch (result.kind) {
    case "list": {
      const { shown, ...at } = slice(result.links, page, pageSizes.list);
      return { result: { ...result, links: shown, total: at.total }, ...at };
    }
    case "ports": {
      const { shown, ...at } = slice(result.result.found, page, pageSizes.ports);
      return { result: { ...result, result: { ...result.result, found: shown } }, ...at };
    }
    case "clusters": {
      const { shown, ...at } = slice(result.clusters, page, pageSizes.clusters);
      return { result: { ...result, clusters: shown }, ...at };
    }
    default:
      return undefined;
  }
}

/** Slack gives a button's value 2,000 characters; a longer command line gets no "More" button. */
const maxValue = 2000;

/** The "More" button's value for a page; undefined when the command line is too long to carry. */
export function moreValue(request: PageRequest): string | undefined {
  const value = JSON.stringify({ page: request.page, line: request.line });
  return value.length <= maxValue ? value : undefined;
}

/** The page a "More" button asks for; undefined when its value is not one the bot wrote. */
export function readMoreValue(value: string | undefined): PageRequest | undefined {
  try {
    const parsed = JSON.parse(value ?? "") as Partial<PageRequest>;
    if (typeof parsed.line !== "string" || !Number.isInteger(parsed.page) || (parsed.page ?? 0) < 1)
      return undefined;
    return { line: parsed.line, page: parsed.page as number };
  } catch {
    return undefined;
  }
}

/** The line under a page, in plain text: which items it shows and how to see the next. */
export function pageNote(at: ResultPage): string {
  return `Showing ${at.first}–${at.last} of ${at.total}.${at.page < at.pages ? " More shows the next." : ""}`;
}

/** The note and the "More" button under a page. */
export function pageBlocks(at: ResultPage, line: string): types.KnownBlock[] {
  const blocks: types.KnownBlock[] = [
    { type: "context", elements: [{ type: "mrkdwn", text: pageNote(at) }] },
  ];
  const value = at.page < at.pages ? moreValue({ line, page: at.page + 1 }) : undefined;
  if (value)
    blocks.push({
      type: "actions",
      block_id: "pages",
      elements: [
        { type: "button", action_id: moreAction, value, text: { type: "plain_text", text: "More" } },
      ],
    });
  return blocks;
}
