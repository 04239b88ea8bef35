// The tfjs engine reproduces the PyTorch reference (testdata/golden/, written by `python3 -m training.golden`):
// encoder, denoiser, decoder + head within relative error 1e-4, and the whole sampler run id for id.
// The comparison itself is tests/goldenCheck.ts, which the browser parity page runs on WebGPU and wasm too (e2e/).
import { readBytes, readJson, toArrayBuffer } from "../../tests/goldenFiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { parseManifest, verifyShard, type BundleManifest } from "../bundle/manifest";
import {
  checkGolden,
  checkGoldenEdit,
  goldenFloats as floats,
  goldenInts as ints,
  relativeError,
  type Golden,
  type GoldenReport,
} from "../../tests/goldenCheck";
import { CodeFusionModel } from "./model";
import { rankCandidates, sampleFromNoise } from "./sampler";
import { dequantize, halfToFloat } from "./weights";

describe("golden vectors (testdata/golden)", () => {
  let golden: Golden;
  let manifest: BundleManifest;
  let model: CodeFusionModel;
  let tol: number;
  let uttIds: number[];
  let uttMask: number[];

  let report: GoldenReport;

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
    report = await checkGolden(golden, {
      manifest,
      shards,
      tokenizerJson: readJson(manifest.tokenizer.file),
      taggerJson: readJson("tagger.json"),
      indexJson: readJson("index.json"),
    });
    model = new CodeFusionModel(manifest, dequantize(manifest, shards));
    tol = golden.tolerance.relative;
    expect(tol).toBeLessThanOrEqual(1e-4);
    uttIds = ints(golden.utterance_ids);
    uttMask = ints(golden.utterance_mask);
  });

  afterAll(() => {
    model?.dispose();
    console.log("max relative errors:", JSON.stringify({ ...report?.errors, confidenceAbs: report?.confidenceAbs, scoreAbs: report?.scoreAbs }));
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

  it("encodes the utterance like the encoder (real positions), with or without the padding", () => {
    expect(report.errors.encoder).toBeLessThan(tol);
    // Leaving the padding out entirely gives the same real positions (docs/model-format.md, Encoder).
    const d = manifest.model.d_model;
    const real = uttMask.reduce((a, m) => a + (m ? 1 : 0), 0);
    expect(uttMask.slice(0, real).every((m) => m === 1)).toBe(true);
    const trimmed = model.encode(uttIds.slice(0, real), uttMask.slice(0, real));
    const error = relativeError(trimmed.memory.dataSync(), floats(golden.encoder_output).subarray(0, real * d));
    trimmed.dispose();
    expect(error).toBeLessThan(tol);
  });

  it("denoises and decodes like the denoiser, decoder and head", () => {
    expect(report.errors.denoiser).toBeLessThan(tol);
    expect(report.errors.decoderZ).toBeLessThan(tol);
    expect(report.errors.logits).toBeLessThan(tol);
  });

  it("samples exactly the golden ids, confidences, codes and candidates", () => {
    expect(report.timestepsEqual).toBe(true);
    expect(report.stepIdsEqual).toBe(true);
    expect(report.finalIdsEqual).toBe(true);
    expect(report.confidenceAbs).toBeLessThan(1e-4);
    expect(report.codes).toEqual(golden.sampling.codes);
    expect(report.candidatesEqual).toBe(true);
    expect(report.scoreAbs).toBeLessThan(1e-4);
    expect(report.inputEqual).toBe(true);
    expect(report.poolEqual).toBe(true);
    expect(report.poolLoss).toBeLessThan(tol);
    expect(report.tensorsAfter).toBe(report.tensorsBefore);
    expect(report.passed).toBe(true);
  });

  it("starts samples from known codes as Python does (retrieve and edit), and says which each candidate came from", async () => {
    const bundle = {
      manifest,
      shards: manifest.shards.map((shard) => toArrayBuffer(readBytes(shard.file))),
      tokenizerJson: readJson(manifest.tokenizer.file),
      taggerJson: readJson("tagger.json"),
      indexJson: readJson("index.json"),
    };
    const edit = await checkGoldenEdit(golden, bundle);
    expect(golden.edit?.edit_samples).toBeGreaterThan(0);
    expect(edit.startsEqual).toBe(true);
    expect(edit.stepIdsEqual).toBe(true);
    expect(edit.finalIdsEqual).toBe(true);
    expect(edit.confidenceAbs).toBeLessThan(1e-4);
    expect(edit.itemsEqual).toBe(true);
    expect(edit.codesEqual).toBe(true);
    expect(edit.candidatesEqual).toBe(true);
    expect(edit.scoreAbs).toBeLessThan(1e-4);
    expect(edit.candidates.filter((c) => c.start !== undefined).length).toBeGreaterThan(0);
    expect(edit.tensorsAfter).toBe(edit.tensorsBefore);
    expect(edit.passed).toBe(true);
  });

  it("fails the check when a weight is off (the check can fail)", async () => {
    const shards = manifest.shards.map((shard) => toArrayBuffer(readBytes(shard.file)));
    const first = new Int8Array(shards[0] as ArrayBuffer);
    for (let i = 0; i < 64; i++) first[i] = ((first[i] as number) + 7) | 0;
    const broken = await checkGolden(golden, {
      manifest,
      shards,
      tokenizerJson: readJson(manifest.tokenizer.file),
      taggerJson: readJson("tagger.json"),
      indexJson: readJson("index.json"),
    });
    expect(broken.passed).toBe(false);
  });

  it("reads a bundle exported before the time MLP named its layers (time_mlp.0 / .2) to the same result", async () => {
    const oldName = (name: string): string => name.replace("time_mlp.fc1.", "time_mlp.0.").replace("time_mlp.fc2.", "time_mlp.2.");
    const tensors = manifest.tensors.map((t) => ({ ...t, name: oldName(t.name) }));
    expect(tensors.filter((t) => t.name.startsWith("denoiser.time_mlp.")).map((t) => t.name)).toEqual([
      "denoiser.time_mlp.0.weight",
      "denoiser.time_mlp.0.bias",
      "denoiser.time_mlp.2.weight",
      "denoiser.time_mlp.2.bias",
    ]);
    const old = await checkGolden(golden, {
      manifest: { ...manifest, tensors },
      shards: manifest.shards.map((shard) => toArrayBuffer(readBytes(shard.file))),
      tokenizerJson: readJson(manifest.tokenizer.file),
      taggerJson: readJson("tagger.json"),
      indexJson: readJson("index.json"),
    });
    expect(old.passed).toBe(true);
    expect(old.errors.denoiser).toBe(report.errors.denoiser);
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
