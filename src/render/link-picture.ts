import { existsSync } from "node:fs";
import { type RenderedImage, Resvg, type ResvgRenderOptions, renderAsync } from "@resvg/resvg-js";
import { instance, type Viz } from "@viz-js/viz";
import { diagramFont, linkDot } from "./link-dot.js";
import type { LinkFacts } from "./link-facts.js";
import { linkSummary } from "./link-lines.js";

/** Where Debian's fonts-dejavu-core puts the two faces the picture uses. */
export const fontFiles = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
];
/** Zoom from SVG pixels (4/3 of a point) to PNG pixels: about twice Slack's preview width, sharp on dense screens. */
export const pngScale = 1.5;

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

/** Draws at `pngScale` with the DejaVu fonts only, so the picture looks the same on every machine. */
function renderOptions(): ResvgRenderOptions {
  const missing = fontFiles.filter((file) => !existsSync(file));
  if (missing.length)
    throw new Error(
      `The link picture needs the DejaVu Sans font (${missing.join(", ")} is missing): install Debian's fonts-dejavu-core.`,
    );
  return {
    fitTo: { mode: "zoom", value: pngScale },
    background: "white",
    font: { loadSystemFonts: false, fontFiles, defaultFontFamily: diagramFont, sansSerifFamily: diagramFont },
  };
}

/** An SVG drawn as the pictures are, on the calling thread. */
export function rasterize(svg: string): RenderedImage {
  return new Resvg(svg, renderOptions()).render();
}

/** The link as a PNG, drawn on libuv's thread pool so the bot keeps answering Slack meanwhile. */
export async function renderLinkPng(facts: LinkFacts): Promise<Buffer> {
  const image = await renderAsync(await renderLinkSvg(facts), renderOptions());
  return image.asPng();
}
