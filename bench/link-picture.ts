import { renderLinkPng } from "../src/render/link-picture.js";
import { brokenPlaintextLink, busyLink, healthyLink } from "./link-picture-facts.js";
import { percentile, round, summarize } from "./stats.js";

/** Goals of the picture: at most this many bytes, drawn in at most this many milliseconds (median, warm). */
export const pictureGoals = { bytes: 200 * 1024, ms: 300 };

/** Draws each fixture link `runs` times after a few warm-ups; prints size and time per link, and whether the goals hold. */
async function main(runs: number): Promise<number> {
  let failed = 0;
  for (const [name, facts] of [
    ["healthy mTLS, consumer", healthyLink()],
    ["broken plaintext, no consumer", brokenPlaintextLink()],
    ["busy: 8 ports, 5 problems", busyLink()],
  ] as const) {
    for (let i = 0; i < 3; i += 1) await renderLinkPng(facts);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i += 1) {
      const started = performance.now();
      bytes = (await renderLinkPng(facts)).length;
      times.push(performance.now() - started);
    }
    const { median, min, max } = summarize(times);
    const ok = bytes <= pictureGoals.bytes && median <= pictureGoals.ms;
    if (!ok) failed += 1;
    console.log(
      `${name.padEnd(30)} ${String(bytes).padStart(7)} B  median ${round(median, 1)} ms  min ${round(min, 1)}  p90 ${round(percentile(times, 90), 1)}  max ${round(max, 1)}  (${runs} runs)  ${ok ? "goal met" : "GOAL MISSED"}`,
    );
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(Number(process.argv[2] ?? 20));
