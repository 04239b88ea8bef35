// Diversity metrics (src/lang/diversity.ts) on hand-made cases.
import { describe, expect, it } from "vitest";
import { tokenizeForBleu } from "./bleu";
import { distinctNgrams, meanPairwiseEditDistance } from "./diversity";

describe("distinctNgrams", () => {
  it("pools n-grams over the candidates", () => {
    const c = [["a", "b", "c"], ["a", "b", "d"]];
    expect(distinctNgrams(c, 1)).toBeCloseTo(4 / 6, 12); // a b c d of 6
    expect(distinctNgrams(c, 2)).toBeCloseTo(3 / 4, 12); // ab bc bd of 4
    expect(distinctNgrams(c, 3)).toBe(1); // abc abd
    expect(distinctNgrams(c, 4)).toBe(0); // no 4-grams at all
  });

  it("is 1/k for k identical candidates and counts repeats inside a candidate", () => {
    const same = Array.from({ length: 5 }, () => tokenizeForBleu("x = sorted(a)"));
    for (const n of [1, 2, 3, 4]) expect(distinctNgrams(same, n)).toBeCloseTo(1 / 5, 12);
    expect(distinctNgrams([["a", "a", "a", "a"]], 1)).toBe(0.25);
    expect(distinctNgrams([["a", "a", "a", "a"]], 2)).toBeCloseTo(1 / 3, 12);
  });

  it("skips candidates shorter than n and returns 0 when none has an n-gram", () => {
    expect(distinctNgrams([["a"], ["a", "b"]], 2)).toBe(1);
    expect(distinctNgrams([["a"], []], 2)).toBe(0);
    expect(distinctNgrams([], 1)).toBe(0);
    expect(() => distinctNgrams([["a"]], 0)).toThrow();
  });
});

describe("meanPairwiseEditDistance", () => {
  it("is 0 for fewer than two candidates or identical ones", () => {
    expect(meanPairwiseEditDistance([])).toBe(0);
    expect(meanPairwiseEditDistance(["x = 1"])).toBe(0);
    expect(meanPairwiseEditDistance(["x = 1", "x = 1", "x = 1"])).toBe(0);
    expect(meanPairwiseEditDistance(["", ""])).toBe(0);
  });

  it("normalises by the longer string and averages over pairs", () => {
    expect(meanPairwiseEditDistance(["kitten", "sitting"])).toBeCloseTo(3 / 7, 12);
    expect(meanPairwiseEditDistance(["abc", ""])).toBe(1);
    expect(meanPairwiseEditDistance(["abc", "xyz"])).toBe(1);
    // pairs: (ab, abc) 1/3, (ab, b) 1/2, (abc, b) 2/3
    expect(meanPairwiseEditDistance(["ab", "abc", "b"])).toBeCloseTo((1 / 3 + 1 / 2 + 2 / 3) / 3, 12);
  });

  it("counts code points, not UTF-16 units", () => {
    expect(meanPairwiseEditDistance(["\u{1F600}", "a"])).toBe(1);
    expect(meanPairwiseEditDistance(["a\u{1F600}", "ab"])).toBe(0.5);
  });
});
