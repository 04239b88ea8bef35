// The engine's seeded noise equals Python's (training/noise.py) float for float: testdata/noise.json, written by
// `python3 -m training.shared_cases`. With it, Python's evaluation and `npm run generate` start every request from
// the same x_T, so their predictions agree.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { gaussianNoise } from "./random";

interface NoiseCase {
  seed: number;
  count: number;
  values: number[];
}

const cases = (
  JSON.parse(readFileSync(fileURLToPath(new URL("../../testdata/noise.json", import.meta.url)), "utf8")) as { cases: NoiseCase[] }
).cases;

describe("gaussianNoise = training/noise.py", () => {
  it.each(cases.map((c) => [c.seed, c.count, c] as const))("seed %d, %d values", (_seed, _count, c) => {
    const got = Array.from(gaussianNoise(c.seed, c.count));
    expect(got).toEqual(c.values.map((v) => Math.fround(v)));
  });
});
