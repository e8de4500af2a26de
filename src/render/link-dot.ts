import { protectionWords } from "./format.js";
import type { LinkFacts, PartState } from "./link-facts.js";
import { type DiagramPart, diagramParts, healthWord, hostWords, problemLines, short } from "./link-lines.js";

/** The colours of the picture: each health or state has a fill and a border; the protection has its own. */
export const palette = {
  ok: { fill: "#e8f5e9", line: "#2e7d32" },
  bad: { fill: "#ffebee", line: "#c62828" },
  unknown: { fill: "#f5f5f5", line: "#757575" },
  mtls: "#1565c0",
  plaintext: "#ef6c00",
  edge: "#455a64",
} as const;

/** The font the layout measures with and the renderer draws with. */
export const diagramFont = "DejaVu Sans";

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function small(text: string, colour?: string): string {
  const colourAttribute = colour ? ` COLOR="${colour}"` : "";
  return `<FONT POINT-SIZE="12"${colourAttribute}>${escapeHtml(text)}</FONT>`;
}

function stateColours(state: PartState | LinkFacts["health"]["state"]): { fill: string; line: string } {
  if (state === "running" || state === "new" || state === "healthy") return palette.ok;
  if (state === "unknown" || state === "kept") return palette.unknown;
  return palette.bad;
}

/** Green, red or grey for the link's health: a link not checked yet is grey, whatever its parts. */
function healthColours(health: LinkFacts["health"]) {
  return health.state === "new" ? palette.unknown : stateColours(health.state);
}

function node({ id, part, name, lines }: DiagramPart): string {
  const colours = stateColours(part.state);
  const label = `<<B>${escapeHtml(name)}</B>${lines.map((line) => `<BR/>${small(line)}`).join("")}>`;
  return `    ${id} [label=${label}, fillcolor="${colours.fill}", color="${colours.line}"];`;
}

function title(facts: LinkFacts): string {
  const colours = healthColours(facts.health);
  const row = (cell: string) => `<TR><TD ALIGN="LEFT">${cell}</TD></TR>`;
  return [
    `<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2">`,
    row(`<B>${escapeHtml(`Link ${facts.id} · ${short(facts.alias, 24)}`)}</B>`),
    row(`${small(`${facts.caption} · health: `)}<B>${small(healthWord(facts.health), colours.line)}</B>`),
    ...problemLines(facts.health).map((line) => row(small(line, palette.bad.line))),
    "</TABLE>>",
  ].join("");
}

function hostLabel(side: "source" | "target", host: { cluster: string; address?: string }): string {
  const [name, rest] = hostWords(side, host);
  return `<<B>${escapeHtml(name)}</B>${small(` ${rest}`)}>`;
}

function protectionEdge(facts: LinkFacts, target: string): string {
  const mtls = facts.protection === "mtls";
  const colour = mtls ? palette.mtls : palette.plaintext;
  const words = protectionWords(facts).map((word) => escapeHtml(` ${word}`));
  const label = `<<FONT COLOR="${colour}"><B>${words.join("<BR/>")}</B></FONT>>`;
  return `  source_ambassador -> ${target} [dir=back, label=${label}, color="${colour}", style=${mtls ? "solid" : "dashed"}, penwidth=3];`;
}

/**
 * The link as a Graphviz graph in the spirit of the seed's topology figure: the source host above, each target
 * host below, and each request's path (consumer → target ambassador → source ambassador → container) as arrows.
 */
export function linkDot(facts: LinkFacts): string {
  const sides = diagramParts(facts);
  const hostColour = healthColours(facts.health).line;
  const cluster = (
    id: string,
    side: "source" | "target",
    host: { cluster: string; address?: string },
    members: DiagramPart[],
  ) => [
    `  subgraph cluster_${id} {`,
    `    label=${hostLabel(side, host)}; style="rounded,dashed"; color="${hostColour}"; labeljust=l;`,
    // A target's name goes below its parts, so the edge from the source host never runs through it.
    ...(side === "target" ? ["    labelloc=b;"] : []),
    ...members.map(node),
    "  }",
  ];
  return [
    "digraph link {",
    `  graph [rankdir=TB, fontname="${diagramFont}", fontsize=14, bgcolor="white", pad=0.15, nodesep=0.3, ranksep=0.35, labelloc=t, labeljust=l, label=${title(facts)}];`,
    `  node [shape=box, style="rounded,filled", fontname="${diagramFont}", fontsize=14, penwidth=2, margin="0.15,0.08"];`,
    `  edge [fontname="${diagramFont}", fontsize=12, penwidth=2, color="${palette.edge}", arrowsize=0.8];`,
    ...cluster("source", "source", facts.source, sides.source),
    ...sides.targets.flatMap((target, i) =>
      cluster(i === 0 ? "target" : `target_${i + 1}`, "target", target.facts, target.parts),
    ),
    "  container -> source_ambassador [dir=back];",
    ...sides.targets.flatMap(({ parts: [ambassador, web] }) => [
      ...(ambassador ? [protectionEdge(facts, ambassador.id)] : []),
      ...(ambassador && web ? [`  ${ambassador.id} -> ${web.id} [dir=back];`] : []),
    ]),
    "}",
    "",
  ].join("\n");
}
