// The parity check against PyTorch's golden vectors (testdata/golden/golden.json, written by
// `python3 -m training.golden`), on whatever tfjs backend is active. One implementation for every place that runs
// it: Vitest in Node (cpu backend), the browser parity page under Playwright (WebGPU/SwiftShader and wasm) and the
// bench. Environment-agnostic: base64 via atob, no Buffer, no test framework.
import * as tf from "@tensorflow/tfjs-core";
import type { ClampMode } from "../src/bundle/manifest";
import { SlotTagger } from "../src/lang/slots";
import { createCodeTokenizer } from "../src/tokenizer/index";
import { Engine, type FinalStep, type GenerationStep } from "../src/engine/engine";
import type { LoadedBundle } from "../src/engine/loader";
import { CodeFusionModel } from "../src/engine/model";
import { Conditioner, decodeSlotted, fillPrepared, RetrievalIndex } from "../src/engine/retrieval";
import {
  codeIds,
  denoisingLoss,
  distinctCodes,
  PAD_ID,
  rankByDenoising,
  rankCandidates,
  sampleFromNoise,
  stridedTimesteps,
} from "../src/engine/sampler";
import { gaussianNoise } from "../src/engine/random";
import { dequantize } from "../src/engine/weights";

export interface GoldenArray {
  shape: number[];
  dtype: "float32" | "int32";
  data: string;
}

export interface Golden {
  utterance: string;
  /** The request with its literals in slots, and the retrieved neighbours [entry, similarity]. */
  slotted: string;
  neighbours: [number, number][];
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
    /** The samples ranked by votes; then the pool (samples + retrieved codes) and its denoising-loss ranking. */
    vote_candidates: { code: string; score: number }[];
    pool: string[];
    pool_ids: GoldenArray;
    pool_losses: GoldenArray;
    rank_times: number[];
    candidates: { code: string; score: number }[];
  };
  min_logit_margin: number;
  /** Retrieve and edit (training/golden.py edit_case): absent in files written before it. */
  edit?: GoldenEdit;
  tolerance: { relative: number };
}

/** A run in which the first edit_samples samples start from the request's known codes (issue 19). */
export interface GoldenEdit {
  seed: number;
  steps: number;
  samples: number;
  edit_samples: number;
  edit_t0: number;
  /** The step at which the samples from known codes join the schedule. */
  first_step: number;
  /** The known codes they start from: index entry and the code as shown (the request's literals filled in). */
  starts: { entry: number; code: string }[];
  start_ids: GoldenArray;
  /** [K][n][Lc]: a sample from a known code shows its code's ids until it joins. */
  step_ids: GoldenArray;
  final_ids: GoldenArray;
  confidence: GoldenArray;
  codes: string[];
  /** Python's generate: the shown scores, and "start", the index entry of the known code a candidate came from. */
  candidates: { code: string; score: number; start?: number }[];
  min_logit_margin: number;
}

function base64Bytes(data: string): ArrayBuffer {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

export function goldenFloats(a: GoldenArray): Float32Array {
  if (a.dtype !== "float32") throw new Error(`expected a float32 array, got ${a.dtype}`);
  return new Float32Array(base64Bytes(a.data));
}

export function goldenInts(a: GoldenArray): number[] {
  if (a.dtype !== "int32") throw new Error(`expected an int32 array, got ${a.dtype}`);
  return Array.from(new Int32Array(base64Bytes(a.data)));
}

/** Split a flat array into rows of `size`. */
export function rows<T>(flat: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size));
  return out;
}

/** max |actual − expected| / max |expected|: the relative error the golden tolerance is stated in. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / scale;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface GoldenReport {
  backend: string;
  tolerance: number;
  /** Relative errors of the tensors (encoder on the real positions; decoder run on the golden x0_hat). */
  errors: { encoder: number; denoiser: number; decoderZ: number; logits: number };
  /** Absolute errors of the sampler's confidences and of the ranked candidates' scores. */
  confidenceAbs: number;
  scoreAbs: number;
  /** Slots and retrieval give the golden encoder input (ids) and neighbours. */
  inputEqual: boolean;
  /** Relative error of the pool's denoising losses. */
  poolLoss: number;
  poolEqual: boolean;
  timestepsEqual: boolean;
  stepIdsEqual: boolean;
  finalIdsEqual: boolean;
  codesEqual: boolean;
  candidatesEqual: boolean;
  codes: string[];
  /** tf.memory().numTensors before and after the whole check (the model's weights included and freed). */
  tensorsBefore: number;
  tensorsAfter: number;
  /** Everything within tolerance and every id, code and candidate identical. */
  passed: boolean;
}

/**
 * Runs slots and retrieval on the golden request, the encoder, one denoiser call, the decoder + head, the complete
 * K-step sampling run with the file's fixed noise, and the denoising-loss ranking of the pool on the active tfjs
 * backend, and compares each with the golden file.
 */
export async function checkGolden(
  golden: Golden,
  bundle: Pick<LoadedBundle, "manifest" | "shards" | "tokenizerJson" | "taggerJson" | "indexJson">,
): Promise<GoldenReport> {
  const { manifest, shards } = bundle;
  const tensorsBefore = tf.memory().numTensors;
  const model = new CodeFusionModel(manifest, dequantize(manifest, shards));
  const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
  const index = RetrievalIndex.fromJson(bundle.indexJson);
  const conditioner = new Conditioner({
    tokenizer,
    tagger: SlotTagger.fromJson(bundle.taggerJson),
    index,
    neighbours: manifest.model.neighbours ?? 0,
    maxLen: manifest.model.max_utterance_len,
    requestLen: manifest.model.request_len ?? manifest.model.max_utterance_len,
    useSlots: manifest.model.slots === true,
  });
  const prepared = conditioner.prepare(golden.utterance);
  const uttIds = goldenInts(golden.utterance_ids);
  const uttMask = goldenInts(golden.utterance_mask);
  const { d_model: d, d_embed: dEmbed, max_code_len: Lc } = manifest.model;
  const tol = golden.tolerance.relative;
  try {
    const encoded = model.encode(uttIds, uttMask);
    const real = uttMask.reduce((a, m) => a + (m ? 1 : 0), 0);
    const xT = tf.tensor3d(goldenFloats(golden.denoiser.x_t), [1, Lc, dEmbed]);
    const x0Prev = tf.tensor3d(goldenFloats(golden.denoiser.x0_prev), [1, Lc, dEmbed]);
    const x0Golden = tf.tensor3d(goldenFloats(golden.denoiser.x0_hat), [1, Lc, dEmbed]);
    let errors: GoldenReport["errors"];
    try {
      const memory = await encoded.memory.data();
      const x0hat = model.denoise(xT, golden.denoiser.t, x0Prev, encoded.memoryKV);
      const { z, logits } = model.decode(x0Golden, encoded.memoryKV);
      errors = {
        encoder: relativeError(memory.subarray(0, real * d), goldenFloats(golden.encoder_output).subarray(0, real * d)),
        denoiser: relativeError(await x0hat.data(), goldenFloats(golden.denoiser.x0_hat)),
        decoderZ: relativeError(await z.data(), goldenFloats(golden.decoder.z)),
        logits: relativeError(await logits.data(), goldenFloats(golden.decoder.logits)),
      };
      tf.dispose([x0hat, z, logits]);
    } finally {
      tf.dispose([xT, x0Prev, x0Golden]);
      encoded.dispose();
    }

    const s = golden.sampling;
    const result = await sampleFromNoise(model, uttIds, uttMask, s.steps, goldenFloats(s.noise), s.clamp);
    const goldenConfidence = goldenFloats(s.confidence);
    const confidenceAbs = Math.max(...result.confidence.map((c, i) => Math.abs(c - (goldenConfidence[i] as number))));
    const codes = result.finalIds.map((ids) => fillPrepared(prepared, decodeSlotted(tokenizer, codeIds(ids))));
    const votes = rankCandidates(codes, result.confidence, manifest.sampler.top_k);
    const retrieved = conditioner.retrievedCandidates(prepared, golden.utterance, manifest.sampler.pool_retrieved ?? 0);
    const pool = distinctCodes([...retrieved, ...codes]); // rank "known-first": the retrieved codes, then the samples
    const poolIds = rows(goldenInts(s.pool_ids), Lc);
    const idsOf = (code: string): number[] => conditioner.codeIds(code, prepared.slotted);
    const ourPoolIds = pool.map(idsOf).filter((ids) => ids.length <= Lc).map((ids) => [...ids, ...new Array<number>(Lc - ids.length).fill(PAD_ID)]);
    const reference = model.encode(uttIds, uttMask);
    let losses: number[];
    let candidates: { code: string; score: number }[];
    try {
      losses = await denoisingLoss(model, reference, poolIds, s.rank_times);
      candidates = await rankByDenoising(model, reference, pool, idsOf, manifest.sampler.rank_times ?? [], manifest.sampler.top_k,
        distinctCodes(retrieved).length);
    } finally {
      reference.dispose();
    }
    const scoreAbs = Math.max(...candidates.map((c, i) => Math.abs(c.score - (s.candidates[i]?.score ?? NaN))));
    const report: Omit<GoldenReport, "tensorsAfter" | "passed"> = {
      backend: tf.getBackend(),
      tolerance: tol,
      errors,
      confidenceAbs,
      scoreAbs,
      inputEqual:
        sameJson(prepared.inputIds, uttIds.slice(0, real)) &&
        prepared.slotted.text === golden.slotted &&
        sameJson(prepared.neighbours.map(([i]) => i), golden.neighbours.map(([i]) => i)),
      poolLoss: relativeError(losses, goldenFloats(s.pool_losses)),
      poolEqual: sameJson(pool, s.pool) && sameJson(ourPoolIds, poolIds) && sameJson(votes.map((c) => c.code), s.vote_candidates.map((c) => c.code)),
      timestepsEqual: sameJson(stridedTimesteps(manifest.diffusion.T, s.steps), s.timesteps),
      stepIdsEqual: sameJson(result.stepIds, rows(rows(goldenInts(s.step_ids), Lc), s.samples)),
      finalIdsEqual: sameJson(result.finalIds, rows(goldenInts(s.final_ids), Lc)),
      codesEqual: sameJson(codes, s.codes),
      candidatesEqual: sameJson(
        candidates.map((c) => c.code),
        s.candidates.map((c) => c.code),
      ),
      codes,
      tensorsBefore,
    };
    model.dispose();
    const tensorsAfter = tf.memory().numTensors;
    const passed =
      Object.values(errors).every((e) => e < tol) &&
      confidenceAbs < 1e-4 &&
      scoreAbs < 1e-4 &&
      report.timestepsEqual &&
      report.stepIdsEqual &&
      report.finalIdsEqual &&
      report.codesEqual &&
      report.candidatesEqual &&
      report.inputEqual &&
      report.poolEqual &&
      report.poolLoss < tol &&
      tensorsAfter === tensorsBefore;
    return { ...report, tensorsAfter, passed };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

export interface GoldenEditReport {
  /** The known codes the engine starts from: the same index entries and ids, and shown as the same codes. */
  startsEqual: boolean;
  stepIdsEqual: boolean;
  finalIdsEqual: boolean;
  confidenceAbs: number;
  /** The engine's items: step 0 shows the known codes, then every step until the last; the final codes. */
  itemsEqual: boolean;
  codesEqual: boolean;
  /** The candidates' codes and the known code each started from (Python's index entry, shown as its code). */
  candidatesEqual: boolean;
  scoreAbs: number;
  candidates: FinalStep["candidates"];
  tensorsBefore: number;
  tensorsAfter: number;
  passed: boolean;
}

/**
 * Retrieve and edit against golden.edit: the sampler started from the golden known codes (ids after every step,
 * final ids, confidences), and the Engine on the golden bundle with the manifest's sampler.edit_samples and edit_t0
 * set to the golden run's (its items, its final codes and ranked candidates, and which known code each started from).
 */
export async function checkGoldenEdit(
  golden: Golden,
  bundle: Pick<LoadedBundle, "manifest" | "shards" | "tokenizerJson" | "taggerJson" | "indexJson">,
): Promise<GoldenEditReport> {
  const g = golden.edit;
  if (!g) throw new Error("golden.json has no edit case (python3 -m training.golden --edit-only writes it)");
  const { manifest, shards } = bundle;
  const tensorsBefore = tf.memory().numTensors;
  const { max_code_len: Lc } = manifest.model;
  const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
  const conditioner = new Conditioner({
    tokenizer,
    tagger: SlotTagger.fromJson(bundle.taggerJson),
    index: RetrievalIndex.fromJson(bundle.indexJson),
    neighbours: manifest.model.neighbours ?? 0,
    maxLen: manifest.model.max_utterance_len,
    requestLen: manifest.model.request_len ?? manifest.model.max_utterance_len,
    useSlots: manifest.model.slots === true,
  });
  const prepared = conditioner.prepare(golden.utterance);
  const starts = conditioner.knownStarts(prepared, golden.utterance, g.edit_samples, Lc);
  const startIds = rows(goldenInts(g.start_ids), Lc);
  const model = new CodeFusionModel(manifest, dequantize(manifest, shards));
  let result: Awaited<ReturnType<typeof sampleFromNoise>>;
  try {
    const uttIds = goldenInts(golden.utterance_ids);
    const uttMask = goldenInts(golden.utterance_mask);
    const real = uttMask.reduce((a, m) => a + (m ? 1 : 0), 0);
    const noise = gaussianNoise(g.seed, g.samples * Lc * manifest.model.d_embed);
    result = await sampleFromNoise(model, uttIds.slice(0, real), uttMask.slice(0, real), g.steps, noise, manifest.sampler.clamp,
      undefined, { start: { ids: startIds, tStart: g.edit_t0 } });
  } finally {
    model.dispose();
  }
  const goldenConfidence = goldenFloats(g.confidence);
  const goldenSteps = rows(rows(goldenInts(g.step_ids), Lc), g.samples);

  // The engine, as the app runs it, with the sampler settings read from the manifest.
  const engine = new Engine({
    ...bundle,
    manifest: { ...manifest, sampler: { ...manifest.sampler, edit_samples: g.edit_samples, edit_t0: g.edit_t0 } },
  });
  const items: GenerationStep[] = [];
  try {
    for await (const item of engine.generate({ utterance: golden.utterance, steps: g.steps, samples: g.samples, seed: g.seed })) {
      items.push(item);
    }
  } finally {
    engine.dispose();
  }
  const final = items[items.length - 1];
  if (!final?.done) throw new Error("checkGoldenEdit: the engine gave no final item");
  const text = (ids: readonly number[]): string => fillPrepared(prepared, decodeSlotted(tokenizer, codeIds(ids)));
  const startCode = new Map(g.starts.map((s) => [s.entry, s.code]));
  const e = g.starts.length;
  // What each item should show: step 0 the known codes ("" from noise), then every step's codes, a sample from a
  // known code its code until it joins.
  const expectedItems = [
    g.starts.map((s) => s.code).concat(new Array<string>(g.samples - e).fill("")),
    ...goldenSteps.map((stepRows) => stepRows.map(text)),
  ];
  const itemsEqual =
    sameJson(items.map((item) => item.step), Array.from({ length: g.steps + 1 }, (_, k) => k)) &&
    sameJson(items.map((item) => item.samples.map((s) => s.code)), expectedItems) &&
    items.every((item) => sameJson(item.samples.map((s) => s.start ?? null), g.starts.map((s) => s.code).concat(new Array(g.samples - e).fill(null)))) &&
    items.slice(1, 1 + g.first_step).every((item) => sameJson(item.samples.slice(0, e).map((s) => s.noisy), g.starts.map((s) => s.code)));
  const candidates = final.candidates;
  const scoreAbs = Math.max(...candidates.map((c, i) => Math.abs(c.score - (g.candidates[i]?.score ?? NaN))));
  const tensorsAfter = tf.memory().numTensors;
  const report = {
    startsEqual:
      sameJson(starts.map((s) => s.entry), g.starts.map((s) => s.entry)) &&
      sameJson(starts.map((s) => s.ids), startIds) &&
      sameJson(starts.map((s) => text(s.ids)), g.starts.map((s) => s.code)),
    stepIdsEqual: sameJson(result.stepIds, goldenSteps),
    finalIdsEqual: sameJson(result.finalIds, rows(goldenInts(g.final_ids), Lc)),
    confidenceAbs: Math.max(...result.confidence.map((c, i) => Math.abs(c - (goldenConfidence[i] as number)))),
    itemsEqual,
    codesEqual: sameJson(final.samples.map((s) => s.code), g.codes),
    candidatesEqual: sameJson(
      candidates.map((c) => [c.code, c.start ?? null]),
      g.candidates.map((c) => [c.code, c.start === undefined ? null : (startCode.get(c.start) ?? `entry ${c.start}`)]),
    ),
    scoreAbs,
    candidates,
    tensorsBefore,
    tensorsAfter,
  };
  const passed =
    report.startsEqual &&
    report.stepIdsEqual &&
    report.finalIdsEqual &&
    report.confidenceAbs < 1e-4 &&
    report.itemsEqual &&
    report.codesEqual &&
    report.candidatesEqual &&
    scoreAbs < 1e-4 &&
    tensorsAfter === tensorsBefore;
  return { ...report, passed };
}
