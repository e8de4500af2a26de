import type { StoreData } from "./schema.js";

/** Each link record's text in the store file, kept while the frozen record lives: a save writes one anew. */
const linkTexts = new WeakMap<object, string>();
const placeholder = "\u0000links\u0000";

function linkText(link: StoreData["links"][number]): string {
  let text = linkTexts.get(link);
  if (text === undefined) {
    text = `    ${JSON.stringify(link, null, 2).replaceAll("\n", "\n    ")}`;
    if (Object.isFrozen(link)) linkTexts.set(link, text);
  }
  return text;
}

/**
 * The store's file text, exactly `JSON.stringify(data, null, 2)` plus a newline, with each frozen link's text
 * made once: with a thousand links, saving one no longer turns the other 999 into text again.
 */
export function storeText(data: StoreData): string {
  const links = data.links.length ? `[\n${data.links.map(linkText).join(",\n")}\n  ]` : "[]";
  const rest = JSON.stringify({ ...data, links: placeholder }, null, 2);
  return `${rest.replace(JSON.stringify(placeholder), () => links)}\n`;
}
