// The tfjs engine reproduces the PyTorch reference (testdata/golden/, written by `python3 -m training.golden`):
// encoder, denoiser, decoder + head within relative error 1e-4, and the whole sampler run id for id.
import { readBytes, readJson, toArrayBuffer } from "./goldenFiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { parseManifest, verifyShard, type BundleManifest, type ClampMode } from "../bundle/manifest";
import { createCodeTokenizer, type CodeTokenizer } from "../tokenizer/index";
import { CodeFusionModel } from "./model";
import { codeIds, rankCandidates, sampleFromNoise, stridedTimesteps } from "./sampler";
import { dequantize, halfToFloat } from "./weights";

interface GoldenArray {
  shape: number[];
  dtype: "float32" | "int32";
  data: string;
}

interface Golden {
  utterance: string;
  utterance_ids: GoldenArray;
  utterance_mask: GoldenArray;
  encoder_output: GoldenArray;
  denoiser: { t: number; x_t: GoldenArray; x0_prev: GoldenArray; x0_hat: GoldenArray };
  decoder: { z: GoldenArray; logits: GoldenArray };
  sampling: {
    steps: number;
    samples: number;
    clamp: ClampMode;
    timesteps: [number, number][];
    noise: GoldenArray;
    step_ids: GoldenArray;
    final_ids: GoldenArray;
    confidence: GoldenArray;
    codes: string[];
    candidates: { code: string; score: number }[];
  };
  min_logit_margin: number;
  tolerance: { relative: number };
}


function floats(a: GoldenArray): Float32Array {
  expect(a.dtype).toBe("float32");
  const bytes = toArrayBuffer(Buffer.from(a.data, "base64"));
  return new Float32Array(bytes);
}

function ints(a: GoldenArray): number[] {
  expect(a.dtype).toBe("int32");
  return Array.from(new Int32Array(toArrayBuffer(Buffer.from(a.data, "base64"))));
}

/** Split a flat array into rows of `size`. */
function rows<T>(flat: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
  return out;
}

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / scale;
}

const errors: Record<string, number> = {};

describe("golden vectors (testdata/golden)", () => {
  let golden: Golden;
  let manifest: BundleManifest;
  let model: CodeFusionModel;
  let tokenizer: CodeTokenizer;
  let tol: number;
  let uttIds: number[];
  let uttMask: number[];

  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    golden = readJson("golden.json") as Golden;
    manifest = parseManifest(readJson("manifest.json"));
    const shards: ArrayBuffer[] = [];
    for (const shard of manifest.shards) {
      const bytes = toArrayBuffer(readBytes(shard.file));
      await verifyShard(shard, bytes);
      shards.push(bytes);
    }
    model = new CodeFusionModel(manifest, dequantize(manifest, shards));
    tokenizer = createCodeTokenizer(readJson(manifest.tokenizer.file));
    tol = golden.tolerance.relative;
    expect(tol).toBeLessThanOrEqual(1e-4);
    uttIds = ints(golden.utterance_ids);
    uttMask = ints(golden.utterance_mask);
  });

  afterAll(() => {
    model?.dispose();
    console.log("max relative errors:", JSON.stringify(errors));
  });

  it("converts float16 exactly", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x3555)).toBe(Math.fround(0.333251953125));
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
  });

  it("refuses a corrupt shard, naming it", async () => {
    const shard = manifest.shards[0];
    if (!shard) throw new Error("no shard");
    const bytes = new Uint8Array(toArrayBuffer(readBytes(shard.file)));
    bytes[100] = (bytes[100] as number) ^ 1;
    await expect(verifyShard(shard, bytes)).rejects.toThrow(shard.file);
  });

  it("encodes the utterance like the encoder (real positions)", () => {
    const encoded = model.encode(uttIds, uttMask);
    try {
      const actual = encoded.memory.dataSync();
      const expected = floats(golden.encoder_output);
      const d = manifest.model.d_model;
      const real = uttMask.reduce((a, m) => a + (m ? 1 : 0), 0);
      expect(uttMask.slice(0, real).every((m) => m === 1)).toBe(true);
      errors.encoder = relativeError(actual.subarray(0, real * d), expected.subarray(0, real * d));
      expect(errors.encoder).toBeLessThan(tol);
      // Leaving the padding out entirely gives the same real positions (docs/model-format.md, Encoder).
      const trimmed = model.encode(uttIds.slice(0, real), uttMask.slice(0, real));
      errors.encoderTrimmed = relativeError(trimmed.memory.dataSync(), expected.subarray(0, real * d));
      trimmed.dispose();
      expect(errors.encoderTrimmed).toBeLessThan(tol);
    } finally {
      encoded.dispose();
    }
  });

  it("denoises and decodes like the denoiser, decoder and head", () => {
    const { d_embed: dEmbed } = manifest.model;
    const encoded = model.encode(uttIds, uttMask);
    const [Lc] = golden.denoiser.x_t.shape as [number, number];
    const xT = tf.tensor3d(floats(golden.denoiser.x_t), [1, Lc, dEmbed]);
    const x0Prev = tf.tensor3d(floats(golden.denoiser.x0_prev), [1, Lc, dEmbed]);
    try {
      const x0hat = model.denoise(xT, golden.denoiser.t, x0Prev, encoded.memoryKV, encoded.mask);
      errors.denoiser = relativeError(x0hat.dataSync(), floats(golden.denoiser.x0_hat));
      // The decoder is checked on the golden x0_hat itself, so its error does not include the denoiser's.
      const x0Golden = tf.tensor3d(floats(golden.denoiser.x0_hat), [1, Lc, dEmbed]);
      const { z, logits } = model.decode(x0Golden, encoded.memoryKV, encoded.mask);
      errors.decoderZ = relativeError(z.dataSync(), floats(golden.decoder.z));
      errors.logits = relativeError(logits.dataSync(), floats(golden.decoder.logits));
      tf.dispose([x0hat, x0Golden, z, logits]);
      expect(errors.denoiser).toBeLessThan(tol);
      expect(errors.decoderZ).toBeLessThan(tol);
      expect(errors.logits).toBeLessThan(tol);
    } finally {
      tf.dispose([xT, x0Prev]);
      encoded.dispose();
    }
  });

  it("samples exactly the golden ids, confidences, codes and candidates", async () => {
    const s = golden.sampling;
    const { max_code_len: Lc } = manifest.model;
    expect(stridedTimesteps(manifest.diffusion.T, s.steps)).toEqual(s.timesteps);
    const seen: number[] = [];
    const result = await sampleFromNoise(model, uttIds, uttMask, s.steps, floats(s.noise), s.clamp, (k) => seen.push(k));
    expect(seen).toEqual(Array.from({ length: s.steps }, (_, k) => k));
    const stepIds = rows(rows(ints(s.step_ids), Lc), s.samples);
    expect(result.stepIds).toEqual(stepIds);
    expect(result.finalIds).toEqual(rows(ints(s.final_ids), Lc));
    const confidence = floats(s.confidence);
    errors.confidenceAbs = Math.max(...result.confidence.map((c, i) => Math.abs(c - (confidence[i] as number))));
    expect(errors.confidenceAbs).toBeLessThan(1e-4);
    const codes = result.finalIds.map((ids) => tokenizer.decode(codeIds(ids)));
    expect(codes).toEqual(s.codes);
    const candidates = rankCandidates(codes, result.confidence, manifest.sampler.top_k);
    expect(candidates.map((c) => c.code)).toEqual(s.candidates.map((c) => c.code));
    errors.scoreAbs = Math.max(...candidates.map((c, i) => Math.abs(c.score - (s.candidates[i]?.score ?? NaN))));
    expect(errors.scoreAbs).toBeLessThan(1e-4);
  });

  it("does not leak tensors across sampling runs", async () => {
    const s = golden.sampling;
    const noise = floats(s.noise);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    for (let run = 1; run <= 5; run++) {
      await sampleFromNoise(model, uttIds, uttMask, s.steps, noise, s.clamp);
      counts.push(tf.memory().numTensors);
    }
    expect(counts[4]).toBe(counts[0]);
    expect(counts[0]).toBe(before); // nothing at all is left behind by a run
    for (const clamp of ["nearest", "none"] as const) {
      await sampleFromNoise(model, uttIds, uttMask, s.steps, noise, clamp);
      expect(tf.memory().numTensors).toBe(counts[0]);
    }
  });
});

describe("rankCandidates", () => {
  it("merges whitespace variants, keeps the most confident spelling, breaks ties by first appearance", () => {
    const ranked = rankCandidates(["a  b", "c", "a b", "d"], [Math.log(0.2), Math.log(0.4), Math.log(0.6), Math.log(0.4)], 2);
    expect(ranked.map((c) => c.code)).toEqual(["a b", "c"]);
    expect(ranked[0]?.score).toBeCloseTo(0.2, 10);
    expect(ranked[1]?.score).toBeCloseTo(0.1, 10);
  });
});
