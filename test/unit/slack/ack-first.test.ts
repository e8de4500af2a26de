import { afterEach, describe, expect, it } from "vitest";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** Holds the event loop as heavy work after an ack does (rendering a thousand links, TLS set-up per host). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

describe("a burst of slash commands", () => {
  it("is acked before the work after the acks starts, so a slow command does not delay the acks of the others", async () => {
    harness = await startSlackHarness();
    const engine = harness.services.engine;
    const list = engine.list.bind(engine);
    engine.list = async (...args) => {
      busy(300);
      return list(...args);
    };

    const replies = await harness.burst(Array(10).fill("list"));

    expect(replies.map((reply) => reply.status)).toEqual(Array(10).fill(200));
    expect(replies.map((reply) => reply.body)).toEqual(
      Array(10).fill(expect.objectContaining({ text: "Reading the links…" })),
    );
    // Ten commands hold the loop for 3 s in all: an ack that waited behind even three of them took 0.9 s.
    expect(Math.max(...replies.map((reply) => reply.elapsedMs))).toBeLessThan(800);
    const answers = await Promise.all(replies.map((reply) => harness?.waitForResponses(reply.responseId)));
    expect(answers.every((posts) => posts?.[0]?.body.text?.startsWith("No links yet"))).toBe(true);
  });
});
