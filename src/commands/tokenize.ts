import { hiddenCharacters } from "../domain/hidden-text.js";

/** The outcome of splitting a command line: the words, or what was wrong with the quoting. */
export type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; error: string };

const entities: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&amp;": "&",
  "&quot;": '"',
  "&#39;": "'",
};

/** Undoes Slack's formatting of a command's text: links, channel and user mentions, HTML entities. */
export function unformatSlackText(text: string): string {
  const withoutMarkup = text.replace(/<([^<>\s][^<>]*)>/g, (_whole, inner: string) => {
    const [target = "", label] = inner.split("|", 2);
    if (target.startsWith("#") || target.startsWith("@")) return target.slice(1);
    if (target.startsWith("!")) return label ?? target.slice(1);
    return label ?? target.replace(/^mailto:/, "");
  });
  return withoutMarkup.replace(/&(?:lt|gt|amp|quot|#39);/g, (entity) => entities[entity] ?? entity);
}

function normalise(text: string): string {
  return text
    .replace(/[\u201C\u201D\u201E\u201F\u2033\u00AB\u00BB]/g, '"')
    .replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'")
    .replace(/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, " ")
    .replace(/(^|\s)[\u2014\u2013](?=\S)/g, "$1--")
    .replace(/(^|\s)[\u2014\u2013](?=\s|$)/g, "$1--");
}

/** Invisible marks a paste may carry, which neither reorder nor hide text: dropped. */
const invisible = /[\u00AD\u200B-\u200D\u2060]/g;
/** Hidden characters other than white space and the marks dropped above: refused, so a line never runs other than it reads. */
const unreadable = new RegExp(`(?![\\t\\n\\v\\f\\r])[${hiddenCharacters}]`, "u");
/** In a word, white space that is a control character hides too: a carriage return echoed writes over the line. */
const unreadableInWord = new RegExp(`[${hiddenCharacters}]`, "u");

/**
 * Why text is refused when it holds a hidden character, one that could make a line run other than it reads (or,
 * echoed, drive the terminal): a line's white space parts its words; a word (a shell's) may hold none. Undefined
 * when it holds none.
 */
export function unreadableIn(text: string, as: "line" | "word" = "line"): string | undefined {
  const bad = (as === "line" ? unreadable : unreadableInWord).exec(text);
  if (!bad) return undefined;
  const code = `U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  return `it holds a control character, a direction mark or another invisible character (${code}), which no name has; type it again without it`;
}

/** Splits a command line into words; quotes group, a backslash escapes the next character. Never throws. */
export function tokenize(text: string): TokenizeResult {
  // A byte order mark parts words, as white space does.
  const input = normalise(
    unformatSlackText(text)
      .replace(invisible, "")
      .replace(/\uFEFF/g, " "),
  );
  const error = unreadableIn(input);
  if (error) return { ok: false, error };
  const tokens: string[] = [];
  let current = "";
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < input.length; index += 1) {
    const char = input[index] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && index + 1 < input.length) {
        index += 1;
        current += input[index];
      } else current += char;
      continue;
    }
    if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
    } else if (char === '"' || char === "'") {
      quote = char;
      inToken = true;
    } else if (char === "\\" && index + 1 < input.length) {
      index += 1;
      current += input[index];
      inToken = true;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (quote) return { ok: false, error: `a ${quote === '"' ? "double" : "single"} quote is not closed` };
  if (inToken) tokens.push(current);
  return { ok: true, tokens };
}
