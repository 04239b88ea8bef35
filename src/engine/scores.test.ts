// The shown score (scores.ts) against the vectors training/scores.py is held to as well (testdata/scores/).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shownScores } from "./scores";

interface Case {
  name: string;
  weights: number[];
  groups: string[];
  scores: number[];
}
const { cases } = JSON.parse(readFileSync(join(__dirname, "..", "..", "testdata", "scores", "cases.json"), "utf8")) as { cases: Case[] };

describe("shownScores", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s: as Python computes it", (_name, c) => {
    const scores = shownScores(c.weights, c.groups);
    expect(scores).toHaveLength(c.scores.length);
    scores.forEach((s, i) => expect(Math.abs(s - (c.scores[i] as number))).toBeLessThanOrEqual(1e-12 * Math.abs(c.scores[i] as number)));
  });

  it("refuses a negative weight and a missing group", () => {
    expect(() => shownScores([-1], ["all"])).toThrow(RangeError);
    expect(() => shownScores([1], [])).toThrow();
  });
});
