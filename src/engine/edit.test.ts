// Retrieve and edit in the engine (issue 19): samples that start from known codes. The golden case (golden.test.ts)
// proves the numbers against Python; these check the cases it does not run: every sample from a known code (no
// step computed before they join), the request's overrides, and a model without retrieval.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { goldenBundle } from "../../tests/goldenFiles";
import { normalizeWhitespace } from "../lang/whitespace";
import { Engine, type GenerationRequest, type GenerationStep } from "./engine";
import { editStartStep, stridedTimesteps } from "./sampler";

const UTTERANCE = "Format cells that are greater than 25 and less than 50";

describe("retrieve and edit", () => {
  let engine: Engine;
  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    engine = new Engine(goldenBundle());
  });
  afterAll(() => engine?.dispose());

  async function run(request: Partial<GenerationRequest>, on: Engine = engine): Promise<GenerationStep[]> {
    const items: GenerationStep[] = [];
    for await (const item of on.generate({ utterance: UTTERANCE, seed: 5, steps: 6, samples: 3, ...request })) items.push(item);
    return items;
  }

  it("joins the schedule at its first time ≤ t0, as Python's edit_start_step", () => {
    const pairs = stridedTimesteps(1200, 20);
    expect(editStartStep(pairs, 600)).toBe(10);
    expect(pairs[editStartStep(pairs, 200)]?.[0]).toBe(180);
    expect(editStartStep(pairs, 5)).toBe(19); // at least the last step
    expect(editStartStep(pairs, 1200)).toBe(0);
    expect(() => editStartStep(pairs, 0)).toThrow(RangeError);
  });

  it("starts every sample from a known code when asked to, showing the codes until they join", async () => {
    const items = await run({ editSamples: 3, editT0: 600 });
    const starts = items[0]?.samples.map((s) => s.start);
    expect(items[0]?.step).toBe(0);
    expect(starts?.every((s) => typeof s === "string" && s !== "")).toBe(true);
    expect(new Set(starts).size).toBe(3); // three distinct known codes, in retrieval order
    // K = 6 over T = 1200: 1200, 1000, 800, 600, ...; the samples join at step 3 (t = 600): steps 1..3 show the codes
    for (const item of items.slice(0, 4)) {
      expect(item.samples.map((s) => s.code)).toEqual(starts);
      expect(item.samples.map((s) => s.noisy)).toEqual(starts);
    }
    const final = items[items.length - 1];
    if (!final?.done) throw new Error("no final item");
    for (const c of final.candidates) {
      if (c.source === "sample") expect(starts).toContain(c.start);
      else expect(c.start).toBeUndefined();
    }
    // the first sample (in sample order) that denoised into a candidate names its start
    const firstOf = new Map<string, string | undefined>();
    final.samples.forEach((s) => firstOf.has(normalizeWhitespace(s.code)) || firstOf.set(normalizeWhitespace(s.code), s.start));
    for (const c of final.candidates.filter((c) => c.source === "sample")) expect(c.start).toBe(firstOf.get(normalizeWhitespace(c.code)));
  });

  it("clamps editSamples to the samples, and without it (the shipped default) starts every sample from noise", async () => {
    const clamped = await run({ editSamples: 9, editT0: 600 });
    expect(clamped[0]?.samples.every((s) => s.start !== undefined)).toBe(true);
    expect(clamped).toEqual(await run({ editSamples: 3, editT0: 600 }));
    const plain = await run({});
    expect(plain[0]?.step).toBe(1);
    expect(plain.flatMap((item) => item.samples).some((s) => s.start !== undefined)).toBe(false);
    expect(await run({ editSamples: 0, editT0: 5 })).toEqual(plain);
    await expect(run({ editSamples: 1, editT0: 0 })).rejects.toThrow(/editT0 must be an integer in 1\.\.1200/);
  });

  it("starts nothing from known codes for a model without retrieval", async () => {
    const bundle = goldenBundle();
    const model = { ...bundle.manifest.model, neighbours: 0, slots: false };
    const plainEngine = new Engine({ ...bundle, manifest: { ...bundle.manifest, model, sampler: { ...bundle.manifest.sampler, rank: "votes", pool_retrieved: 0, edit_samples: 2, edit_t0: 600 } } });
    try {
      const items = await run({}, plainEngine);
      expect(items[0]?.step).toBe(1);
      expect(items.flatMap((item) => item.samples).some((s) => s.start !== undefined)).toBe(false);
    } finally {
      plainEngine.dispose();
    }
  });
});
