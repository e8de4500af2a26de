import { describe, expect, it } from "vitest";
import { median, percentile, round, summarize } from "../../../bench/stats.js";

describe("benchmark statistics", () => {
  it("takes the middle value, or the mean of the two middle values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("interpolates percentiles between ranks", () => {
    const values = Array.from({ length: 11 }, (_, i) => i * 10);
    expect(percentile(values, 90)).toBe(90);
    expect(percentile([1, 2], 99)).toBeCloseTo(1.99);
  });

  it("summarizes a set as median and range without reordering the input", () => {
    const values = [5, 1, 9];
    expect(summarize(values)).toEqual({ median: 5, min: 1, max: 9 });
    expect(values).toEqual([5, 1, 9]);
  });

  it("refuses to summarize nothing", () => {
    expect(() => median([])).toThrow("percentile of no values");
  });

  it("rounds to a number of digits", () => {
    expect(round(1.23456, 3)).toBe(1.235);
    expect(round(2.5, 0)).toBe(3);
  });
});
