import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { histogram, percentiles } from "./stats";

describe("percentiles", () => {
  it.each([
    { values: [], want: { count: 0 } },
    { values: [NaN, Infinity, -Infinity], want: { count: 0 } },
    { values: [0.3, 0.1, 0.2], want: { count: 3, p50: 0.2, p95: 0.3, p99: 0.3, max: 0.3 } },
    // Non-finite values are left out; negative times (clock steps) sort numerically, not as text.
    { values: [10, NaN, -1, 2, Infinity, 9], want: { count: 4, p50: 2, p95: 10, p99: 10, max: 10 } },
    { values: [1.00020003318], want: { count: 1, p50: 1.0002, p95: 1.0002, p99: 1.0002, max: 1.0002 } },
  ])("$values", ({ values, want }) => {
    expect(percentiles(values)).toEqual(want);
  });

  it("takes the nearest rank over many values", () => {
    const values = Array.from({ length: 100 }, (_, i) => (100 - i) / 100);
    expect(percentiles(values)).toEqual({ count: 100, p50: 0.5, p95: 0.95, p99: 0.99, max: 1 });
  });
});

describe("histogram", () => {
  it("counts per upper bound, drops empty trailing buckets, writes the open bucket as -1", () => {
    expect(histogram([0.005, 0.01, 0.015, NaN])).toEqual([[0.01, 2], [0.02, 1]]);
    expect(histogram([100])).toEqual([[0.01, 0], [0.02, 0], [0.05, 0], [0.1, 0], [0.2, 0], [0.5, 0], [1, 0], [2, 0], [5, 0], [10, 0], [30, 0], [60, 0], [-1, 1]]);
  });
});

describe("histogram against a count of every value", () => {
  const BOUNDS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, Infinity];
  // The plain definition: each finite value in the first bucket whose upper bound it does not exceed.
  const naive = (values: number[]): [number, number][] => {
    const counts = BOUNDS.map(() => 0);
    for (const x of values) if (Number.isFinite(x)) counts[BOUNDS.findIndex((b) => x <= b)]++;
    let last = counts.length;
    while (last > 0 && counts[last - 1] === 0) last--;
    return counts.slice(0, last).map((c, i) => [Number.isFinite(BOUNDS[i]) ? BOUNDS[i] : -1, c]);
  };
  it.each([
    { name: "values on the bounds", values: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60] },
    { name: "just above the bounds", values: [0.0100001, 0.0200001, 60.000001] },
    { name: "negative and zero, unsorted", values: [3, -1, 0, -0, 0.5, NaN, -Infinity, 0.005] },
    { name: "empty", values: [] },
  ])("$name", ({ values }) => {
    expect(histogram(values)).toEqual(naive(values));
  });

  it("random values", () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.double({ min: -1, max: 100, noNaN: false }), fc.constantFrom(...BOUNDS))), (values) => {
      expect(histogram(values)).toEqual(naive(values));
    }));
  });
});
