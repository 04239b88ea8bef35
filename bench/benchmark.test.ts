// The bench's kernel accounting (accountKernels) on the golden bundle, cpu backend: what it says one step launches
// must be whole numbers of launches (the per-request work cancelled out), and the kernels a step is known to run once
// must be counted once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { parseManifest } from "../src/bundle/manifest";
import { Engine } from "../src/engine/engine";
import { CodeFusionModel } from "../src/engine/model";
import { dequantize } from "../src/engine/weights";
import { readBytes, readJson, toArrayBuffer } from "../tests/goldenFiles";
import { accountKernels, fitLine, median } from "./benchmark";

describe("accountKernels (golden bundle, cpu)", () => {
  let engine: Engine;
  let model: CodeFusionModel;
  let config: { d_embed: number; vocab_size: number };

  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    const manifest = parseManifest(readJson("manifest.json"));
    config = manifest.model;
    engine = new Engine({
      manifest,
      tokenizerJson: readJson(manifest.tokenizer.file),
      taggerJson: readJson("tagger.json"),
      indexJson: readJson("index.json"),
      shards: manifest.shards.map((s) => toArrayBuffer(readBytes(s.file))),
    });
    model = new CodeFusionModel(manifest, dequantize(manifest, manifest.shards.map((s) => toArrayBuffer(readBytes(s.file)))));
  });

  afterAll(() => {
    engine?.dispose();
    model?.dispose();
  });

  it("counts what one step launches: whole launches, one head product and one argmax a step", async () => {
    const account = await accountKernels(model, "decoder", engine.encoderInput("highlight cells greater than 25"), 3, 1, [2, 4]);
    expect(account.n).toBe(3);
    expect(account.kernels.length).toBeGreaterThan(10);
    for (const k of account.kernels) expect(Number.isInteger(k.callsPerStep)).toBe(true);
    // The head (z · Lᵀ with its bias fused in): once per step, whatever else shares the kernel's name.
    const { d_embed, vocab_size } = config;
    const head = account.kernels.filter((k) => k.kernel.startsWith("_FusedMatMul") && k.kernel.endsWith(`${d_embed}×${vocab_size}`));
    expect(head.map((k) => k.callsPerStep)).toEqual([1]);
    expect(account.kernels.find((k) => k.kernel === "ArgMax")?.callsPerStep).toBe(1);
    expect(account.callsPerStep).toBe(account.kernels.reduce((sum, k) => sum + k.callsPerStep, 0));
    expect(account.kernels.some((k) => k.kernel.endsWith("__op"))).toBe(false); // composite ops would count twice
    // The per-request work drops out: other step counts give the same launches per step.
    const other = await accountKernels(model, "decoder", engine.encoderInput("highlight cells greater than 25"), 3, 1, [3, 6]);
    const launches = (a: typeof account): Record<string, number> => Object.fromEntries(a.kernels.map((k) => [k.kernel, k.callsPerStep]));
    expect(launches(other)).toEqual(launches(account));
  });

  it("fits a line and takes medians as the tables say", () => {
    expect(fitLine([{ x: 10, y: 150 }, { x: 20, y: 250 }, { x: 30, y: 350 }])).toEqual({ slope: 10, intercept: 50 });
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
