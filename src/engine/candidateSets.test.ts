// The candidate sets of a generation (GenerationRequest.candidates, `npm run generate --candidates`): "samples"
// keeps only what came out of denoising, "known" only known codes, "all" the app's pool; every candidate says which
// it is, and `parts` ranks both sets from the same sampling run. Over the golden bundle (rank known-first, five
// samples, retrieved codes in the pool) on the cpu backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { goldenBundle } from "../../tests/goldenFiles";
import { normalizeWhitespace } from "../lang/whitespace";
import { Engine, type FinalStep, type GenerationRequest } from "./engine";

const UTTERANCE = "Format cells that are greater than 25 and less than 50";

describe("candidate sets", () => {
  let engine: Engine;
  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    engine = new Engine(goldenBundle());
  });
  afterAll(() => engine?.dispose());

  async function final(request: Partial<GenerationRequest>): Promise<FinalStep> {
    let last: FinalStep | undefined;
    for await (const step of engine.generate({ utterance: UTTERANCE, seed: 3, steps: 4, ...request })) {
      if (step.done) last = step;
    }
    if (!last) throw new Error("no final step");
    return last;
  }

  it("tells samples from known codes, and each set keeps only its own", async () => {
    const all = await final({});
    const sampled = new Set(all.samples.map((s) => normalizeWhitespace(s.code)));
    expect(all.candidates.some((c) => c.source === "known")).toBe(true);
    for (const c of all.candidates) expect(c.source).toBe(c.fromKnownRequest ? "known" : "sample");

    const samples = await final({ candidates: "samples" });
    expect(samples.candidates.length).toBeGreaterThan(0);
    for (const c of samples.candidates) {
      expect(c.source).toBe("sample");
      expect(sampled.has(normalizeWhitespace(c.code)), c.code).toBe(true);
    }
    // Every distinct sample is a candidate (five samples, top_k five).
    expect(new Set(samples.candidates.map((c) => normalizeWhitespace(c.code)))).toEqual(
      new Set([...sampled].filter((code) => code !== "")),
    );

    const known = await final({ candidates: "known" });
    expect(known.candidates.length).toBeGreaterThan(0);
    for (const c of known.candidates) expect(c.source).toBe("known");
    // The known codes keep the order they have in the pool.
    expect(known.candidates.map((c) => c.code)).toEqual(all.candidates.filter((c) => c.source === "known").map((c) => c.code));
  });

  it("ranks both parts from the same sampling run with `parts`", async () => {
    const withParts = await final({ parts: true });
    const samples = await final({ candidates: "samples" });
    const known = await final({ candidates: "known" });
    expect(withParts.parts?.samples).toEqual(samples.candidates);
    expect(withParts.parts?.known).toEqual(known.candidates);
    expect(withParts.candidates).toEqual((await final({})).candidates);
    expect((await final({})).parts).toBeUndefined();
  });

  it("refuses an unknown set with a clear message", async () => {
    await expect(final({ candidates: "everything" as unknown as "all" })).rejects.toThrow(/candidates must be one of all, samples, known/);
  });
});
