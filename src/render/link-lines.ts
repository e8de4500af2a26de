import { describeProtection } from "./format.js";
import type { LinkFacts, LinkPart, PartState, TargetFacts } from "./link-facts.js";

const maxName = 36;
const maxPorts = 4;
/** Characters on a line of 12 pt text that keep the picture narrow enough for Slack's preview. */
export const maxLine = 42;

/** One container of the link with the lines under its name, the same in the picture and the text diagram. */
export interface DiagramPart {
  /** `container`, `source_ambassador`; the first target's `target_ambassador` and `web`, the next `…_2`, and so on. */
  id: string;
  part: LinkPart;
  name: string;
  lines: string[];
}

/** A link's parts on its source host, then on each target host. */
export interface DiagramSides {
  source: DiagramPart[];
  targets: { facts: TargetFacts; parts: DiagramPart[] }[];
}

export function short(text: string, max = maxName): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Splits text into lines of at most `width` characters at spaces, so no label widens the picture. */
export function wrap(text: string, width: number, maxLines = 2): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= width || !line) line = next;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line) out.push(line);
  const kept = out.slice(0, maxLines).map((l) => short(l, width));
  if (out.length > maxLines) kept[maxLines - 1] = short(`${kept[maxLines - 1]} ${out[maxLines]}`, width);
  return kept;
}

/** At most a few entries, then how many more. */
export function some(items: string[]): string[] {
  return items.length <= maxPorts
    ? items
    : [...items.slice(0, maxPorts - 1), `+${items.length - maxPorts + 1} more`];
}

/** A part `link` just made (or found made) runs: a link is made only once its ambassadors say they forward. */
export function stateWord(state: PartState): string {
  return state === "new" ? "running" : state;
}

export function healthWord(health: LinkFacts["health"]): string {
  return health.state === "new" ? "not checked yet" : health.state;
}

export function hostWords(
  side: "source" | "target",
  host: { cluster: string; address?: string },
): [string, string] {
  return [short(host.cluster, 24), `${side} host${host.address ? ` · ${host.address}` : ""}`];
}

/** The parts from the source container to each consumer, each with what the picture writes under its name. */
export function diagramParts(facts: LinkFacts): DiagramSides {
  const ambassador = (side: string, part: LinkPart) =>
    `${side} ambassador · ${part.detail ?? "?"} · ${stateWord(part.state)}`;
  const source: DiagramPart[] = [
    {
      id: "container",
      part: facts.container,
      name: short(facts.container.name),
      lines: [
        `container · ${stateWord(facts.container.state)}`,
        ...some(facts.container.ports.map((p) => `${p}/tcp`)),
      ],
    },
    {
      id: "source_ambassador",
      part: facts.sourceAmbassador,
      name: short(facts.sourceAmbassador.name),
      lines: [
        ambassador("source", facts.sourceAmbassador),
        ...some(facts.connections.map((c) => `publishes ${c.address}`)),
      ],
    },
  ];
  const targets = facts.targets.map((target, i) => {
    const suffix = i === 0 ? "" : `_${i + 1}`;
    const parts: DiagramPart[] = [
      {
        id: `target_ambassador${suffix}`,
        part: target.ambassador,
        name: short(target.ambassador.name),
        lines: [
          ambassador("target", target.ambassador),
          ...some(facts.container.ports.map((p) => `${short(facts.alias, 28)}:${p}`)),
        ],
      },
    ];
    if (target.web)
      parts.push({
        id: `web${suffix}`,
        part: target.web,
        name: short(target.web.name),
        lines: [
          `consumer · ${stateWord(target.web.state)}`,
          `image ${short(target.web.detail ?? "?", 28)}`,
          ...some(target.webUrls.map((url) => short(url, maxLine))),
        ],
      });
    return { facts: target, parts };
  });
  return { source, targets };
}

/** The problems of a broken link, wrapped to the picture's width. */
export function problemLines(health: LinkFacts["health"]): string[] {
  if (health.state !== "broken") return [];
  return some(health.problems).flatMap((p) =>
    wrap(p, maxLine, 3).map((line, i) => `${i === 0 ? "• " : "  "}${line}`),
  );
}

/** The picture in one sentence, for screen readers and the file's title. */
export function linkSummary(facts: LinkFacts): string {
  return `Link ${facts.id}: ${facts.container.name} on ${facts.source.cluster} reached as ${facts.alias} on ${facts.targets.map((t) => t.cluster).join(", ")}, ${describeProtection(facts)}, health ${healthWord(facts.health)}`;
}
