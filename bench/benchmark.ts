// The measurements of `npm run bench` (docs/benchmarks.md), shared by the browser page (bench/bench.ts) and the
// Node WebGPU entry (scripts/bench-node-webgpu.ts). Environment-agnostic: the caller initialises the tfjs backend
// and injects how a bundle is loaded (fetch + Cache API in a page, files in Node).
//
// What is measured, on the current backend:
//   - load: bundle download/read and verification, Engine construction (dequantise + upload), warmUp() (kernel
//     compilation), cold (cache cleared first) and warm (again, now from the cache);
//   - peak: a square matMul, as GFLOP/s: what this backend reaches on its best-case kernel;
//   - generations: whole Engine.generate runs (n samples, decodeEvery 1 as the app runs them) at several K, median
//     of a few repetitions; one final-only run (decodeEvery = K) at the default K;
//   - ms per denoising step: the least-squares slope of final-only generation time (the fastest run of each K: the
//     least disturbed on a shared machine) over K (the intercept is the per-request cost: tokenising, encoder,
//     final decode and ranking), at n = 1 and n = 5; at n = generationSamples also the slope of the sweep, where
//     every step is shown, and the median time between its consecutive items;
//   - floor: matmul FLOPs of one step (flops.ts) / peak, and the ratio measured step time / floor;
//   - kernels: every kernel one step launches (accountKernels).
import * as tf from "@tensorflow/tfjs-core";
import type { BundleManifest, ClampMode } from "../src/bundle/manifest";
import { Engine } from "../src/engine/engine";
import { CodeFusionModel } from "../src/engine/model";
import { gaussianNoise } from "../src/engine/random";
import { sampleFromNoise } from "../src/engine/sampler";
import { dequantize } from "../src/engine/weights";
import { denoisingStepFlops, matMulFlops } from "../src/engine/flops";
import type { LoadedBundle } from "../src/engine/loader";

export interface BenchPlan {
  /** K values of the generation sweep (n = generationSamples, decodeEvery 1). */
  generationKs: number[];
  generationSamples: number;
  /** Sample counts whose step time is measured; for the one equal to generationSamples the sweep also gives the
   * step as the app shows it. */
  stepSamples: number[];
  /** Two K values timed final-only for the step slope. */
  stepKs: [number, number];
  /** Two small K values: the probe that predicts run times (the first), and the slope where fewer than two of
   * the planned K could be run on a slow backend. */
  fallbackKs: [number, number];
  /** Repetitions per measurement at most (median taken); fewer when a run is slow (repBudgetMs). */
  reps: number;
  /** A K whose predicted single run exceeds this is skipped (and says so). */
  maxRunMs: number;
  /** Time allowed for the repetitions of one K (at least one run is made). */
  repBudgetMs: number;
  /** Side of the square matMul that measures the backend's peak. */
  peakSize: number;
  utterance: string;
  seed: number;
  /** Profile every kernel of a step (two more generations; too slow for software backends). */
  accountKernels: boolean;
  /** Why the plan differs from the default (shown in the table). */
  note?: string;
}

export const DEFAULT_PLAN: BenchPlan = {
  generationKs: [25, 50, 100, 200],
  generationSamples: 5,
  stepSamples: [1, 5],
  stepKs: [25, 50],
  fallbackKs: [4, 8],
  reps: 3,
  maxRunMs: 60_000,
  repBudgetMs: 10_000,
  peakSize: 1024,
  utterance: "highlight cells in column B that are greater than 100",
  seed: 1,
  accountKernels: true,
};

/** For software WebGPU / WebGL (SwiftShader: 29–65× slower than wasm per step, docs/benchmarks.md) and the plain-JS cpu backend. */
export const SLOW_BACKEND_PLAN: BenchPlan = {
  ...DEFAULT_PLAN,
  reps: 1,
  maxRunMs: 30_000,
  repBudgetMs: 5_000,
  peakSize: 512,
  fallbackKs: [3, 6],
  accountKernels: false,
  note: "slow backend: one repetition per point, K whose run is predicted over 30 s skipped, peak from a 512² matMul",
};

export interface LoadTiming {
  /** Manifest, tokenizer and shards fetched (or read) and verified. */
  fetchMs: number;
  /** new Engine: dequantisation and upload of the weights. */
  engineMs: number;
  /** engine.warmUp(): a 2-step generation, kernel compilation included. */
  warmUpMs: number;
  totalMs: number;
  /** Every shard came from the cache (undefined where the environment cannot tell). */
  fromCache?: boolean;
}

export interface LoadOutcome {
  bundle: LoadedBundle;
  fromCache?: boolean;
}

export interface GenerationTiming {
  K: number;
  n: number;
  decodeEvery: number;
  /** Median of runsMs; null when skipped. */
  ms: number | null;
  runsMs: number[];
  /** Median time between consecutive yielded items (decodeEvery 1 only). */
  medianIntervalMs?: number;
  skipped?: string;
}

export interface StepTiming {
  n: number;
  method: string;
  /** Least-squares slope of generation ms over K, final-only (nothing decoded into text between steps). */
  msPerStep: number | null;
  /** The same slope with every step decoded and shown (decodeEvery 1, as the app runs), where measured. */
  shownMsPerStep?: number | null;
  /** Per-request cost (K → 0 extrapolation). */
  interceptMs: number | null;
  medianIntervalMs: number | null;
  points: { K: number; ms: number }[];
  flops: number;
  /** flops / peak, in ms. */
  floorMs: number | null;
  /** msPerStep / floorMs. */
  floorRatio: number | null;
}

/** One kernel's share of a denoising step (n = generationSamples): launches and ms per step. */
export interface KernelShare {
  kernel: string;
  callsPerStep: number;
  msPerStep: number;
}

export interface KernelAccount {
  /** The sampler runs profiled (tf.profile): the per-step figures are their difference over the difference in K. */
  Ks: [number, number];
  n: number;
  /** Kernels launched per step (tf.profile's list; reshapes, which move no data, included). */
  callsPerStep: number;
  /** Kernel time per step as tf.profile measures it (each kernel timed on its own, so a little above the step). */
  msPerStep: number;
  kernels: KernelShare[];
}

export interface PeakTiming {
  size: number;
  /** Median ms per product (inner products per timed run, then one read of a single element). */
  ms: number;
  gflops: number;
  inner: number;
}

export interface ModelInfo {
  language: string;
  parameters: number;
  d_model: number;
  n_heads: number;
  d_ff: number;
  d_embed: number;
  layers: { encoder: number; denoiser: number; decoder: number };
  max_code_len: number;
  max_utterance_len: number;
  vocab_size: number;
  weights: string;
  totalBytes: number;
  defaultSteps: number;
  defaultSamples: number;
}

export interface BenchResult {
  backend: string;
  reason: string;
  /** The adapter or backend detail (WebGPU adapter description, wasm SIMD/threads). */
  device: string;
  /** wasm: the threads of its pool (1: single-threaded); null on other backends. */
  threads: number | null;
  model: ModelInfo;
  modelUrl: string;
  plan: BenchPlan;
  utteranceTokens: number;
  load: { cold?: LoadTiming; warm?: LoadTiming };
  peak?: PeakTiming;
  steps: StepTiming[];
  generations: GenerationTiming[];
  finalOnly?: GenerationTiming;
  /** Every kernel launched per step, by kernel name (matrix products by operand shapes). */
  kernels?: KernelAccount;
  tensorsLeaked: number;
  totalMs: number;
  notes: string[];
}

export interface BenchDeps {
  /** One complete load of the bundle (verified shards). */
  load(): Promise<LoadOutcome>;
  /** Empties the model cache, so that the next load is cold. */
  clearCache?(): Promise<unknown>;
  log?(message: string): void;
}

const now = (): number => performance.now();

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Least-squares line y = slope·x + intercept through at least two points with distinct x. */
export function fitLine(points: readonly { x: number; y: number }[]): { slope: number; intercept: number } | null {
  if (points.length < 2) return null;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export function modelInfo(manifest: BundleManifest): ModelInfo {
  const m = manifest.model;
  return {
    language: manifest.language,
    parameters: m.parameters,
    d_model: m.d_model,
    n_heads: m.n_heads,
    d_ff: m.d_ff,
    d_embed: m.d_embed,
    layers: { encoder: m.encoder_layers, denoiser: m.denoiser_layers, decoder: m.decoder_layers },
    max_code_len: m.max_code_len,
    max_utterance_len: m.max_utterance_len,
    vocab_size: m.vocab_size,
    weights: manifest.weights,
    totalBytes: manifest.totalBytes,
    defaultSteps: manifest.sampler.steps,
    defaultSamples: manifest.sampler.samples,
  };
}

/** Loads the bundle, builds the Engine and warms it up, timing each part. */
export async function timedLoad(deps: BenchDeps): Promise<{ engine: Engine; bundle: LoadedBundle; timing: LoadTiming }> {
  const t0 = now();
  const { bundle, fromCache } = await deps.load();
  const t1 = now();
  const engine = new Engine(bundle);
  const t2 = now();
  await engine.warmUp();
  const t3 = now();
  const timing: LoadTiming = { fetchMs: t1 - t0, engineMs: t2 - t1, warmUpMs: t3 - t2, totalMs: t3 - t0 };
  if (fromCache !== undefined) timing.fromCache = fromCache;
  return { engine, bundle, timing };
}

/** Kernel name and, for matrix products, the operand shapes (what tells the products of a step apart). */
function kernelKey(name: string, inputShapes: number[][]): string {
  return /MatMul/.test(name) ? `${name} ${inputShapes.slice(0, 2).map((s) => s.join("×")).join(" · ")}` : name;
}

/**
 * Accounts for every kernel of a denoising step: tf.profile over two final-only sampler runs (the engine's
 * sampleFromNoise on the request's encoder input) of K1 < K2 steps; the difference per kernel divided by K2 − K1 is
 * what one step launches (the encoder and the final decoding, the same in both, drop out; the ranking, whose pool
 * depends on the samples, is outside the sampler).
 */
export async function accountKernels(
  model: CodeFusionModel,
  clamp: ClampMode,
  utteranceIds: readonly number[],
  n: number,
  seed: number,
  Ks: [number, number],
): Promise<KernelAccount> {
  const { max_code_len: Lc, d_embed: dEmbed } = model.config;
  const noise = gaussianNoise(seed, n * Lc * dEmbed);
  const mask = utteranceIds.map(() => 1);
  const profiles: Map<string, { calls: number; ms: number }>[] = [];
  for (const K of Ks) {
    await sampleFromNoise(model, utteranceIds, mask, K, noise, clamp, undefined, { decodeEvery: K }); // compiles
    const info = await tf.profile(async () => {
      await sampleFromNoise(model, utteranceIds, mask, K, noise, clamp, undefined, { decodeEvery: K });
      return [] as tf.Tensor[];
    });
    const byKernel = new Map<string, { calls: number; ms: number }>();
    for (const k of info.kernels) {
      // Composite ops (names ending in __op) are listed besides the kernels they run: counting both would count twice.
      if (k.name.endsWith("__op")) continue;
      const key = kernelKey(k.name, k.inputShapes as number[][]);
      const entry = byKernel.get(key) ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += Number(await k.kernelTimeMs);
      byKernel.set(key, entry);
    }
    profiles.push(byKernel);
  }
  const [small, large] = profiles as [Map<string, { calls: number; ms: number }>, Map<string, { calls: number; ms: number }>];
  const dK = Ks[1] - Ks[0];
  const kernels: KernelShare[] = [];
  for (const [kernel, big] of large) {
    const few = small.get(kernel) ?? { calls: 0, ms: 0 };
    const callsPerStep = (big.calls - few.calls) / dK;
    if (callsPerStep <= 0) continue;
    kernels.push({ kernel, callsPerStep, msPerStep: Math.max(0, big.ms - few.ms) / dK });
  }
  kernels.sort((a, b) => b.msPerStep - a.msPerStep);
  return {
    Ks,
    n,
    callsPerStep: kernels.reduce((sum, k) => sum + k.callsPerStep, 0),
    msPerStep: kernels.reduce((sum, k) => sum + k.msPerStep, 0),
    kernels,
  };
}

/** One whole generation; its time, and the times between consecutive yielded items. */
export async function timeGeneration(
  engine: Engine,
  utterance: string,
  K: number,
  n: number,
  decodeEvery: number,
  seed: number,
): Promise<{ ms: number; intervals: number[] }> {
  const start = now();
  let last = start;
  const intervals: number[] = [];
  for await (const item of engine.generate({ utterance, steps: K, samples: n, seed, decodeEvery })) {
    const t = now();
    intervals.push(t - last);
    last = t;
    void item;
  }
  return { ms: now() - start, intervals };
}

/** GFLOP/s of a size×size×size matMul on the current backend (operands resident, one tiny read per timed run). */
export async function measurePeak(size: number, reps: number): Promise<PeakTiming> {
  const a = tf.randomNormal([size, size], 0, 1, "float32", 1) as tf.Tensor2D;
  const b = tf.randomNormal([size, size], 0, 1, "float32", 2) as tf.Tensor2D;
  const run = async (inner: number): Promise<number> => {
    const start = now();
    const products: tf.Tensor[] = [];
    for (let i = 0; i < inner; i++) products.push(tf.matMul(a, b));
    const probe = tf.slice(products[products.length - 1] as tf.Tensor2D, [0, 0], [1, 1]);
    await probe.data();
    const ms = now() - start;
    tf.dispose([...products, probe]);
    return ms / inner;
  };
  try {
    const first = await run(1); // compiles the kernel
    const second = await run(1);
    const inner = Math.max(1, Math.min(8, Math.floor(250 / Math.max(second, 1e-3))));
    const times: number[] = [second];
    const budgetEnd = now() + Math.max(1000, 4 * second * inner);
    for (let r = 0; r < reps && now() < budgetEnd; r++) times.push(await run(inner));
    void first;
    const ms = median(times);
    return { size, ms, gflops: matMulFlops(size, size, size) / (ms * 1e6), inner };
  } finally {
    tf.dispose([a, b]);
  }
}

async function measureK(
  engine: Engine,
  plan: BenchPlan,
  K: number,
  n: number,
  decodeEvery: number,
  predictedMs: number | null,
  log: (m: string) => void,
): Promise<GenerationTiming> {
  if (predictedMs !== null && predictedMs > plan.maxRunMs) {
    const skipped = `predicted ${(predictedMs / 1000).toFixed(0)} s > ${(plan.maxRunMs / 1000).toFixed(0)} s`;
    log(`K=${K} n=${n}: skipped (${skipped})`);
    return { K, n, decodeEvery, ms: null, runsMs: [], skipped };
  }
  const runs: number[] = [];
  const intervals: number[] = [];
  const deadline = now() + plan.repBudgetMs;
  for (let r = 0; r < plan.reps && (r === 0 || now() < deadline); r++) {
    const { ms, intervals: iv } = await timeGeneration(engine, plan.utterance, K, n, decodeEvery, plan.seed + r);
    runs.push(ms);
    // Leave out the first interval (tokeniser, encoder, first step) and the last (final decode, ranking).
    if (decodeEvery === 1) intervals.push(...iv.slice(1, -1));
  }
  const timing: GenerationTiming = { K, n, decodeEvery, ms: median(runs), runsMs: runs };
  if (intervals.length > 0) timing.medianIntervalMs = median(intervals);
  log(`K=${K} n=${n} decodeEvery=${decodeEvery}: ${timing.ms?.toFixed(1)} ms (${runs.map((x) => x.toFixed(0)).join(", ")})`);
  return timing;
}

function stepTiming(n: number, timings: GenerationTiming[], flops: number, peak: PeakTiming | undefined): StepTiming {
  // The fastest run at each K: on a shared machine the least disturbed one (the table shows medians).
  const points = timings.filter((g) => g.runsMs.length > 0).map((g) => ({ K: g.K, ms: Math.min(...g.runsMs) }));
  const line = fitLine(points.map((p) => ({ x: p.K, y: p.ms })));
  const intervals = timings.flatMap((g) => (g.medianIntervalMs === undefined ? [] : [g.medianIntervalMs]));
  const msPerStep = line ? line.slope : null;
  const floorMs = peak ? flops / (peak.gflops * 1e6) : null;
  return {
    n,
    method: `least-squares slope of the fastest whole-generation time over K = ${points.map((p) => p.K).join(", ")}`,
    msPerStep,
    interceptMs: line ? line.intercept : null,
    medianIntervalMs: intervals.length > 0 ? median(intervals) : null,
    points,
    flops,
    floorMs,
    floorRatio: msPerStep !== null && floorMs ? msPerStep / floorMs : null,
  };
}

export interface RunOptions {
  backend: string;
  reason: string;
  device: string;
  threads?: number | null;
  modelUrl: string;
  plan?: BenchPlan;
  /** Only the load timings (e.g. a warm load in a new page). */
  loadOnly?: "cold" | "warm";
}

/** Runs every measurement on the current tfjs backend. */
export async function runBenchmark(deps: BenchDeps, options: RunOptions): Promise<BenchResult> {
  const plan = options.plan ?? DEFAULT_PLAN;
  const log = deps.log ?? ((): void => undefined);
  const started = now();
  const tensorsBefore = tf.memory().numTensors;
  const notes: string[] = [];
  if (plan.note) notes.push(plan.note);
  const load: BenchResult["load"] = {};

  // 1. Loads: cold (cache emptied first), then warm (served from the cache; kernels already compiled here).
  if (options.loadOnly !== "warm" && deps.clearCache) await deps.clearCache();
  const first = await timedLoad(deps);
  let { engine, bundle } = first;
  if (options.loadOnly === "warm") load.warm = first.timing;
  else load.cold = first.timing;
  log(`load ${options.loadOnly ?? "cold"}: ${first.timing.totalMs.toFixed(0)} ms`);
  const manifest = bundle.manifest;
  // The memory the cross-attention reads: the request and, with retrieval, its neighbours' codes.
  const utteranceIds = engine.encoderInput(plan.utterance);
  const utteranceTokens = utteranceIds.length;
  const result: BenchResult = {
    backend: options.backend,
    reason: options.reason,
    device: options.device,
    threads: options.threads ?? null,
    model: modelInfo(manifest),
    modelUrl: options.modelUrl,
    plan,
    utteranceTokens,
    load,
    steps: [],
    generations: [],
    tensorsLeaked: 0,
    totalMs: 0,
    notes,
  };
  if (options.loadOnly) {
    engine.dispose();
    result.tensorsLeaked = tf.memory().numTensors - tensorsBefore;
    result.totalMs = now() - started;
    return result;
  }
  engine.dispose();
  const second = await timedLoad(deps);
  ({ engine, bundle } = second);
  load.warm = second.timing;
  log(`load warm: ${second.timing.totalMs.toFixed(0)} ms`);

  try {
    // 2. Peak of the backend.
    result.peak = await measurePeak(plan.peakSize, plan.reps);
    log(`peak: ${result.peak.gflops.toFixed(2)} GFLOP/s (${plan.peakSize}², ${result.peak.ms.toFixed(1)} ms)`);

    // 3. A probe run predicts each K's time, so that slow backends skip what would not fit.
    const nGen = plan.generationSamples;
    // A first run at this n compiles the kernels of its shapes (warmUp ran the model's default n): not timed.
    const warmed = new Set<number>();
    const warmShapes = async (n: number): Promise<void> => {
      if (warmed.has(n)) return;
      warmed.add(n);
      await timeGeneration(engine, plan.utterance, 2, n, 1, plan.seed);
    };
    await warmShapes(nGen);
    const probeK = plan.fallbackKs[0];
    const probe = await timeGeneration(engine, plan.utterance, probeK, nGen, 1, plan.seed);
    const perStepGuess = probe.ms / probeK;
    const predict = (K: number, n: number): number => perStepGuess * K * (n / nGen > 0.5 ? 1 : 0.6);

    // 4. The sweep at n = generationSamples, decodeEvery 1 (what the app does).
    for (const K of plan.generationKs) {
      result.generations.push(await measureK(engine, plan, K, nGen, 1, predict(K, nGen), log));
    }
    // 5. Final-only at the default K (decodeEvery = K: no intermediate decoding into text).
    const defaultK = manifest.sampler.steps;
    result.finalOnly = await measureK(engine, plan, defaultK, nGen, defaultK, predict(defaultK, nGen), log);

    // 6. Step time per n: the model's step from final-only runs (decodeEvery = K: nothing decoded into text between
    // steps) at two K; for n = generationSamples also the step as the app shows it (the decodeEvery 1 sweep).
    for (const n of plan.stepSamples) {
      await warmShapes(n);
      const flops = denoisingStepFlops(manifest.model, n, utteranceTokens);
      let timings: GenerationTiming[] = [];
      if (predict(Math.max(...plan.stepKs), n) <= plan.maxRunMs) {
        for (const K of plan.stepKs) timings.push(await measureK(engine, plan, K, n, K, predict(K, n), log));
      }
      if (timings.filter((g) => g.ms !== null).length < 2) {
        // A slow backend: the slope from two small K (always run) instead.
        timings = [];
        for (const K of plan.fallbackKs) timings.push(await measureK(engine, plan, K, n, K, null, log));
        notes.push(`n = ${n}: step time from K = ${plan.fallbackKs.join(" and ")} (the planned K would not fit)`);
      }
      const step = stepTiming(n, timings, flops, result.peak);
      if (n === nGen) {
        const shown = stepTiming(n, result.generations, flops, result.peak);
        step.shownMsPerStep = shown.msPerStep;
        step.medianIntervalMs = shown.medianIntervalMs;
      }
      result.steps.push(step);
      log(`step n=${n}: ${step.msPerStep?.toFixed(2)} ms; every step shown ${step.shownMsPerStep?.toFixed(2) ?? "–"} ms`);
    }
    // 7. Every kernel of a step, on backends fast enough to profile two more generations.
    if (plan.accountKernels) {
      const model = new CodeFusionModel(manifest, dequantize(manifest, bundle.shards));
      try {
        result.kernels = await accountKernels(model, manifest.sampler.clamp, utteranceIds, nGen, plan.seed, [Math.max(1, Math.round(defaultK / 2)), defaultK]);
      } finally {
        model.dispose();
      }
      log(`kernels: ${result.kernels.callsPerStep.toFixed(0)} per step, ${result.kernels.msPerStep.toFixed(1)} ms`);
    }
    const skipped = result.generations.filter((g) => g.skipped).map((g) => g.K);
    if (skipped.length > 0) notes.push(`K = ${skipped.join(", ")} skipped: predicted over ${plan.maxRunMs / 1000} s per run`);
  } finally {
    engine.dispose();
  }
  result.tensorsLeaked = tf.memory().numTensors - tensorsBefore;
  result.totalMs = now() - started;
  return result;
}
