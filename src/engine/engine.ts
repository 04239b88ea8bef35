// The engine: one loaded bundle (tokenizer + model) that turns a request into code, step by step, as an async
// iterator. No React, no DOM besides AbortSignal/DOMException: it runs in a Web Worker (protocol.ts) or in Node.
// The sampler math is sampler.ts's sampleFromNoise; its synchronous onStep callback feeds a small queue that
// generate() drains, and throwing from onStep is how a cancelled run stops (sampleFromNoise frees its tensors).
import type { LanguageId, SamplerDefaults } from "../bundle/manifest";
import { createCodeTokenizer, MASK_ID, PAD_ID, type CodeTokenizer } from "../tokenizer/index";
import type { LoadedBundle } from "./loader";
import { CodeFusionModel } from "./model";
import { gaussianNoise } from "./random";
import { codeIds, rankCandidates, sampleFromNoise, stridedTimesteps, type Candidate } from "./sampler";
import { dequantize } from "./weights";

export type { Candidate } from "./sampler";

export interface GenerationRequest {
  utterance: string;
  /** Denoising steps K, 1..T; default manifest.sampler.steps. */
  steps?: number;
  /** Samples n drawn in parallel, 1..MAX_SAMPLES; default manifest.sampler.samples. */
  samples?: number;
  /** Seed of the initial noise (an integer, taken modulo 2^32): same request + seed → same result. */
  seed: number;
  /** Yield an intermediate item every this many steps (default 1); the final item is always yielded. */
  decodeEvery?: number;
}

export interface GeneratedSample {
  /** The decoded estimate x̂0 of this step (decoder + head on it, as the paper's Fig. 2). */
  code: string;
  /**
   * The noisy latent after this step, read as the tokens nearest to x_s / alpha_s (pads and masks left out):
   * gibberish at first, the code at the end. What the app shows while denoising. Equal to `code` on the final item.
   */
  noisy: string;
  /** Mean log-probability of the code's tokens: only on the final item (the sampler scores the final ids only). */
  confidence?: number;
}

interface StepBase {
  /** 1-based: the item after denoising step k (0-based) has step k + 1; the final item has step === totalSteps. */
  step: number;
  totalSteps: number;
  /** The diffusion time t of that step (T … 1). */
  t: number;
  /** How many utterance tokens were cut off at max_utterance_len (the start is kept); on every item. */
  truncatedTokens: number;
  samples: GeneratedSample[];
}

export interface IntermediateStep extends StepBase {
  done: false;
}

export interface FinalStep extends StepBase {
  done: true;
  /** Ranked, deduplicated (whitespace-insensitive), at most manifest.sampler.top_k. */
  candidates: Candidate[];
}

export type GenerationStep = IntermediateStep | FinalStep;

/** Upper bound on samples per request (memory grows linearly with it). */
export const MAX_SAMPLES = 64;

export const EMPTY_REQUEST_MESSAGE = "the request is empty";

export function abortError(message = "the generation was cancelled"): DOMException {
  return new DOMException(message, "AbortError");
}

export function isAbortError(err: unknown): boolean {
  return typeof err === "object" && err !== null && "name" in err && err.name === "AbortError";
}

function checkInteger(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

type Outcome = { ok: true; confidence: number[]; finalIds: number[][] } | { ok: false; error: unknown };

export class Engine {
  readonly language: LanguageId;
  readonly sampler: SamplerDefaults;
  readonly maxUtteranceLen: number;
  /** Diffusion steps T of the schedule (t runs from T down to 1). */
  readonly T: number;
  /** From the loader: set when the shards could not be cached (the load itself succeeded). */
  readonly cacheWarning: string | undefined;
  private readonly tokenizer: CodeTokenizer;
  private readonly model: CodeFusionModel;
  /** Stops every running generation (dispose()). */
  private readonly running = new Set<() => void>();
  private disposed = false;

  /** Builds the tokenizer and the model (uploads the dequantised weights to the current tfjs backend). */
  constructor(bundle: LoadedBundle) {
    const { manifest } = bundle;
    this.language = manifest.language;
    this.sampler = { ...manifest.sampler };
    this.maxUtteranceLen = manifest.model.max_utterance_len;
    this.cacheWarning = bundle.cacheWarning;
    this.tokenizer = createCodeTokenizer(bundle.tokenizerJson);
    this.model = new CodeFusionModel(manifest, dequantize(manifest, bundle.shards));
    this.T = this.model.T;
  }

  /**
   * Generate code for a request. Yields one item per `decodeEvery` steps and always a final item (done: true,
   * with candidates). Validation errors (an empty utterance: "the request is empty") and an abort reject the
   * iterator's next() call; an abort rejects with a DOMException named "AbortError", and by then every tensor of
   * the run has been freed. Breaking out of a for-await loop also stops the run and frees its tensors.
   * The sampler is not paused while the consumer is slow: items are queued. On a backend whose reads resolve
   * without yielding to the event loop (cpu) an abort event can only be seen between runs' macrotasks; the
   * consumer side always honours it at its next item.
   */
  async *generate(request: GenerationRequest, signal?: AbortSignal): AsyncGenerator<GenerationStep, void, undefined> {
    if (this.disposed) throw new Error("Engine: used after dispose()");
    if (request.utterance.trim() === "") throw new Error(EMPTY_REQUEST_MESSAGE);
    const steps = checkInteger(request.steps ?? this.sampler.steps, "steps", 1, this.model.T);
    const n = checkInteger(request.samples ?? this.sampler.samples, "samples", 1, MAX_SAMPLES);
    const decodeEvery = checkInteger(request.decodeEvery ?? 1, "decodeEvery", 1, Number.MAX_SAFE_INTEGER);
    if (!Number.isFinite(request.seed)) throw new RangeError(`seed must be a finite number, got ${request.seed}`);
    if (signal?.aborted) throw abortError();

    const allIds = this.tokenizer.encode(request.utterance);
    const uttIds = allIds.slice(0, this.maxUtteranceLen);
    const uttMask = uttIds.map(() => 1); // padding may be left out entirely (docs/model-format.md, Encoder)
    const truncatedTokens = allIds.length - uttIds.length;
    const pairs = stridedTimesteps(this.model.T, steps);
    const { max_code_len: Lc, d_embed: dEmbed } = this.model.config;
    const noise = gaussianNoise(request.seed, n * Lc * dEmbed);

    const queue: IntermediateStep[] = [];
    let wake: (() => void) | null = null;
    let stopped = false;
    let settled = false;
    const notify = (): void => {
      const w = wake;
      wake = null;
      w?.();
    };
    const stop = (): void => {
      stopped = true;
      notify();
    };
    this.running.add(stop);
    signal?.addEventListener("abort", notify);

    const decode = (ids: number[][]): string[] => ids.map((row) => this.tokenizer.decode(codeIds(row)));
    const decodeNoisy = (ids: number[][]): string[] =>
      ids.map((row) => this.tokenizer.decode(row.filter((id) => id !== PAD_ID && id !== MASK_ID)));
    const outcome: Promise<Outcome> = sampleFromNoise(
      this.model,
      uttIds,
      uttMask,
      steps,
      noise,
      this.sampler.clamp,
      (k, t, ids, noisyIds) => {
        if (stopped || signal?.aborted) throw abortError();
        if (k === steps - 1 || (k + 1) % decodeEvery !== 0) return; // the final item is built from the result
        const noisy = decodeNoisy(noisyIds ?? ids);
        const samples = decode(ids).map((code, i) => ({ code, noisy: noisy[i] as string }));
        queue.push({ step: k + 1, totalSteps: steps, t, truncatedTokens, samples, done: false });
        notify();
      },
      { noisyView: true },
    ).then(
      (result): Outcome => ({ ok: true, confidence: result.confidence, finalIds: result.finalIds }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    void outcome.then(() => {
      settled = true;
      notify();
    });

    try {
      for (;;) {
        if (signal?.aborted) throw abortError();
        if (stopped) throw abortError("the engine was disposed");
        const item = queue.shift();
        if (item) {
          yield item;
          continue;
        }
        if (settled) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      const result = await outcome;
      if (signal?.aborted) throw abortError();
      if (!result.ok) throw result.error;
      const codes = decode(result.finalIds);
      const samples = codes.map((code, i) => ({ code, noisy: code, confidence: result.confidence[i] as number }));
      const candidates = rankCandidates(codes, result.confidence, this.sampler.top_k);
      const t = (pairs[pairs.length - 1] as [number, number])[0];
      yield { step: steps, totalSteps: steps, t, truncatedTokens, samples, done: true, candidates };
    } finally {
      stopped = true;
      this.running.delete(stop);
      signal?.removeEventListener("abort", notify);
      await outcome; // the sampler has freed its tensors once this settles
    }
  }

  /** Number of tokens of a text, before truncation to maxUtteranceLen (what the prompt box reports). */
  countTokens(text: string): number {
    return this.tokenizer.encode(text).length;
  }

  /**
   * Runs one short generation (2 steps, the default number of samples) so every kernel is compiled and every
   * weight is on the device before the first real request; resolves to the time it took in ms.
   */
  async warmUp(): Promise<number> {
    const start = performance.now();
    const run = this.generate({ utterance: "warm up", steps: 2, seed: 0 });
    while (!(await run.next()).done) {
      // drain: only the side effect (compiled kernels) matters
    }
    return performance.now() - start;
  }

  /** Stops running generations (they reject with an AbortError) and frees the model's weights. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const stop of [...this.running]) stop();
    this.model.dispose();
  }
}
