import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { brokenPlaintextLink, busyLink, healthyLink } from "../../../bench/link-picture-facts.js";
import { pngScale, rasterize, renderLinkPng, renderLinkSvg } from "../../../src/render/link-picture.js";

const fixture = new URL("../../fixtures/link-diagram.svg", import.meta.url);
/** How wide Slack shows an image in a message before it is opened. */
const slackPreviewPx = 360;

/** Width and height from a PNG's IHDR chunk, the first after the 8-byte signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The SVG's width in points and the smallest font size it draws text at. */
function svgMetrics(svg: string): { widthPt: number; smallestFont: number } {
  const width = /<svg [^>]*width="([\d.]+)pt"/.exec(svg)?.[1];
  const sizes = [...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]));
  return { widthPt: Number(width), smallestFont: Math.min(...sizes) };
}

function glyphPixels(text: string): Buffer {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><text x="8" y="28" font-family="DejaVu Sans" font-size="24">${text}</text></svg>`;
  return Buffer.from(rasterize(svg).pixels);
}

describe("the PNG of a link", () => {
  for (const [name, facts] of [
    ["healthy mTLS link with a consumer", healthyLink()],
    ["broken plaintext link without one", brokenPlaintextLink()],
    ["link with eight ports, five problems and a long name", busyLink()],
  ] as const) {
    it(`is a PNG under 200 KB, legible at Slack's preview width: ${name}`, async () => {
      const png = await renderLinkPng(facts);
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeLessThanOrEqual(200 * 1024);
      const svg = await renderLinkSvg(facts);
      const { widthPt, smallestFont } = svgMetrics(svg);
      // resvg draws a point as 4/3 of a pixel, then scales.
      expect(pngSize(png).width).toBe(Math.round((widthPt * 4 * pngScale) / 3));
      expect(pngSize(png).height).toBeGreaterThan(pngSize(png).width);
      expect((smallestFont * slackPreviewPx) / widthPt).toBeGreaterThanOrEqual(11);
    });
  }

  it("draws every character of its labels with a real glyph, not a blank or an empty box", () => {
    const blank = glyphPixels(" ");
    const missingGlyph = glyphPixels("\uE000");
    expect(missingGlyph.equals(blank)).toBe(false);
    for (const character of ["a", "B", "5", ":", "/", "·", "•", "…", "-"]) {
      const pixels = glyphPixels(character);
      expect(pixels.equals(blank), character).toBe(false);
      expect(pixels.equals(missingGlyph), character).toBe(false);
    }
  });

  it("is the SVG kept in test/fixtures/link-diagram.svg for review", async () => {
    const svg = await renderLinkSvg(healthyLink());
    if (process.env.AMBASSADOR_UPDATE_FIXTURES === "1") writeFileSync(fixture, svg);
    expect(
      svg,
      "the picture changed: look at it, then AMBASSADOR_UPDATE_FIXTURES=1 npx vitest run test/unit/render/link-picture.test.ts",
    ).toBe(readFileSync(fixture, "utf8"));
  });
});
