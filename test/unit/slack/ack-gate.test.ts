import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAckGate } from "../../../src/slack/ack-gate.js";

/** A response as the gate sees it: something that finishes. */
const response = () => new EventEmitter() as unknown as ServerResponse;
// On a clock of the test's own, so a busy machine cannot stretch a wait past the gate's quiet time.
const sleep = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe("the ack gate", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts work only once no request came or was acked for the quiet time, as the rest of a burst arrives", async () => {
    const gate = createAckGate(5_000, 60);
    const first = response();
    gate.waiting(first);
    const started = performance.now();
    let ranAt: number | undefined;
    void gate.clear().then(() => {
      ranAt = performance.now() - started;
    });
    first.emit("finish");
    // Another request of the burst, 40 ms later: the quiet time starts again from its ack.
    await sleep(40);
    const second = response();
    gate.waiting(second);
    await sleep(20);
    second.emit("finish");
    await sleep(30);
    expect(ranAt).toBeUndefined();
    await sleep(80);
    expect(ranAt).toBeGreaterThanOrEqual(110);
  });

  it("lets work start after the longest wait however steady the requests are", async () => {
    const gate = createAckGate(150, 60);
    const started = performance.now();
    let ranAt: number | undefined;
    void gate.clear().then(() => {
      ranAt = performance.now() - started;
    });
    for (let i = 0; i < 12 && ranAt === undefined; i++) {
      const res = response();
      gate.waiting(res);
      await sleep(10);
      res.emit("finish");
      await sleep(10);
    }
    expect(ranAt).toBeGreaterThanOrEqual(140);
    expect(ranAt).toBeLessThan(400);
  });
});
