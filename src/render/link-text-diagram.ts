import { protectionWords } from "./format.js";
import type { LinkFacts, PartState } from "./link-facts.js";
import { type DiagramPart, diagramParts, healthWord, hostWords, problemLines } from "./link-lines.js";

function mark(state: PartState): string {
  if (state === "kept") return "·";
  return state === "running" || state === "new" ? "✔" : "✘";
}

function box(heading: string, parts: DiagramPart[]): string[] {
  const body = parts.flatMap((part, i) => [
    ...(i > 0 ? ["  ▲"] : []),
    `${mark(part.part.state)} ${part.name}`,
    ...part.lines.map((line) => `  ${line}`),
  ]);
  const width = Math.max(heading.length + 2, ...body.map((line) => line.length)) + 2;
  return [
    `┌─ ${heading} ${"─".repeat(Math.max(0, width - heading.length - 3))}┐`,
    ...body.map((line) => `│ ${line.padEnd(width - 1)}│`),
    `└${"─".repeat(width)}┘`,
  ];
}

/** The link as a few lines of boxes and arrows, the terminal's picture: the same facts as the PNG. */
export function linkTextDiagram(facts: LinkFacts): string {
  const sides = diagramParts(facts);
  const crossing = `  ▲ ${facts.protection === "mtls" ? "══" : "┄┄"} ${protectionWords(facts).join(" ")}`;
  return [
    `Link ${facts.id} · ${facts.alias} · ${facts.caption} · health: ${healthWord(facts.health)}`,
    ...problemLines(facts.health),
    ...box(hostWords("source", facts.source).join(" "), sides.source),
    ...sides.targets.flatMap((target) => [
      crossing,
      ...box(hostWords("target", target.facts).join(" "), target.parts),
    ]),
  ].join("\n");
}
