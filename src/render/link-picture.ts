import { existsSync } from "node:fs";
import { type RenderedImage, Resvg } from "@resvg/resvg-js";
import { instance, type Viz } from "@viz-js/viz";
import { diagramFont, linkDot } from "./link-dot.js";
import type { LinkFacts } from "./link-facts.js";
import { linkSummary } from "./link-lines.js";

/** Where Debian's fonts-dejavu-core puts the two faces the picture uses. */
export const fontFiles = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];
/** Pixels per SVG point: twice Slack's preview size, so the picture stays sharp on dense screens. */
export const pngScale = 2;

let viz: Promise<Viz> | undefined;

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
}

/** The link laid out by Graphviz, as SVG, with the picture in a sentence for screen readers. */
export async function renderLinkSvg(facts: LinkFacts): Promise<string> {
  viz ??= instance();
  const svg = (await viz).renderString(linkDot(facts), { format: "svg" });
  return svg.replace("<svg ", `<svg role="img" aria-label="${escapeAttribute(linkSummary(facts))}" `);
}

/** Draws an SVG at `pngScale` with the DejaVu fonts only, so it looks the same on every machine. */
export function rasterize(svg: string): RenderedImage {
  const missing = fontFiles.filter((file) => !existsSync(file));
  if (missing.length)
    throw new Error(
      `The link picture needs the DejaVu Sans font (${missing.join(", ")} is missing): install Debian's fonts-dejavu-core.`,
    );
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: pngScale },
    background: "white",
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: diagramFont, sansSerifFamily: diagramFont },
  });
  return resvg.render();
}

/** The link as a PNG. */
export async function renderLinkPng(facts: LinkFacts): Promise<Buffer> {
  return rasterize(await renderLinkSvg(facts)).asPng();
}
