// The engine: one loaded bundle (tokenizer + model) that turns a request into code, step by step, as an async
// iterator. No React, no DOM besides AbortSignal/DOMException: it runs in a Web Worker (protocol.ts) or in Node.
// The sampler math is sampler.ts's sampleFromNoise; its synchronous onStep callback feeds a small queue that
// generate() drains, and throwing from onStep is how a cancelled run stops (sampleFromNoise frees its tensors).
import type { LanguageId, SamplerDefaults } from "../bundle/manifest";
import { SlotTagger, slotRequest } from "../lang/slots";
import { normalizeWhitespace } from "../lang/whitespace";
import { indexWords } from "./words";
import { createCodeTokenizer, MASK_ID, PAD_ID, type CodeTokenizer } from "../tokenizer/index";
import type { LoadedBundle } from "./loader";
import { CodeFusionModel, type EncodedUtterance } from "./model";
import { gaussianNoise } from "./random";
import { Channel, rankCodes } from "./channel";
import { shownScores } from "./scores";
import {
  Conditioner,
  decodeSlotted,
  encodeSlotted,
  fillPrepared,
  RetrievalIndex,
  type KnownCode,
  type Prepared,
} from "./retrieval";
import {
  codeIds,
  distinctCodes,
  rankByDenoising,
  rankCandidates,
  sampleFromNoise,
  stridedTimesteps,
  type Candidate,
} from "./sampler";
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
  /**
   * Skip an intermediate item when less than this many ms have passed since the last one (default 0: none skipped):
   * a screen shows one frame per refresh, so decoding steps faster than that is work nobody sees. The first step
   * and the final item are always yielded; a skipped step is not read back or decoded at all.
   */
  minStepIntervalMs?: number;
  /** The column names of the table the request is about (CF): a model with column slots names its columns as
   * c[k]. Ignored by other models. */
  header?: readonly string[];
  /**
   * Which candidates the final item carries (`npm run generate --candidates`): "all" (default) is the pool the app
   * shows; "samples" keeps only codes that came out of the model's denoising; "known" only known codes (the
   * retrieved or channel-ranked codes of similar known requests). Each candidate's `source` says which it is.
   */
  candidates?: CandidateSet;
  /** Also rank the two parts apart on the final item (`FinalStep.parts`): the functional evaluation scores the
   * samples, the known codes and the pool from one sampling run. */
  parts?: boolean;
  /** Retrieve and edit: how many samples start from the request's known codes (default manifest.sampler.edit_samples,
   * absent = 0; at most `samples`), and the time they start at (default manifest.sampler.edit_t0). */
  editSamples?: number;
  editT0?: number;
}

export const CANDIDATE_SETS = ["all", "samples", "known"] as const;
export type CandidateSet = (typeof CANDIDATE_SETS)[number];

export function isCandidateSet(value: unknown): value is CandidateSet {
  return typeof value === "string" && (CANDIDATE_SETS as readonly string[]).includes(value);
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
  /** Retrieve and edit: the known code this sample started from, as shown (the request's literals filled in); absent
   * for a sample from noise. Until the sample joins the schedule its `code` and `noisy` are this code. */
  start?: string;
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

/** A training request whose code the model read beside the user's (retrieval), shown as a similar known request. */
export interface KnownRequest {
  utterance: string;
  code: string;
  /** TF-IDF cosine similarity to the user's request, 0..1. */
  similarity: number;
}

export interface FinalStep extends StepBase {
  done: true;
  /**
   * Ranked, deduplicated (whitespace-insensitive), at most manifest.sampler.top_k. With a retrieval model the pool
   * also holds the neighbours' codes with the request's literals filled in, and `fromKnownRequest` says which.
   */
  candidates: (Candidate & {
    /** "sample": the code came out of the model's denoising; "known": it is a known code (from a similar known
     * request), whether or not a sample also reproduced it. */
    source: "sample" | "known";
    fromKnownRequest?: boolean;
    /** Where a known code comes from, when the ranking shows known codes as written ("retrieval-first",
     * "channel"): the most similar known request that has this code. */
    knownRequest?: KnownRequest;
    /** Retrieve and edit: the known code (as shown) that the first sample which denoised into this candidate started
     * from (training/sample.py mark_starts); absent for a known code and for a candidate only samples from noise gave. */
    start?: string;
  })[];
  /** The similar known requests the model read (empty for a model without retrieval). */
  knownRequests: KnownRequest[];
  /** With `parts`: the candidates of the sets "samples" and "known", ranked as `candidates` would be. */
  parts?: { samples: FinalStep["candidates"]; known: FinalStep["candidates"] };
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
  /**
   * How many tokens of the request the model reads (the rest is cut; countTokens counts the same tokens):
   * max_utterance_len, or with slots/retrieval request_len (the retrieved codes fill the rest of the input).
   */
  readonly maxUtteranceLen: number;
  /** Diffusion steps T of the schedule (t runs from T down to 1). */
  readonly T: number;
  /** From the loader: set when the shards could not be cached (the load itself succeeded). */
  readonly cacheWarning: string | undefined;
  private readonly tokenizer: CodeTokenizer;
  private readonly model: CodeFusionModel;
  /** Slots and retrieval (null for a plain model, which reads the request's BPE ids). */
  private readonly conditioner: Conditioner | null;
  private readonly index: RetrievalIndex | null;
  /** The request as the encoder reads it before the retrieved codes: literals in slots, or as written. */
  private readonly slotText: (utterance: string) => string;
  private readonly rankTimes: readonly number[];
  /** The noisy channel of rank "channel" (null otherwise): it orders the known codes, and weighs their scores. */
  private readonly channel: Channel | null;
  /** The words of the known requests (retrieval's words), built on first use: which words of a request it knows. */
  private knownWords: ReadonlySet<string> | null = null;
  /** Stops every running generation (dispose()). */
  private readonly running = new Set<() => void>();
  private disposed = false;

  /** Builds the tokenizer and the model (uploads the dequantised weights to the current tfjs backend). */
  constructor(bundle: LoadedBundle) {
    const { manifest } = bundle;
    this.language = manifest.language;
    this.sampler = { ...manifest.sampler };
    this.cacheWarning = bundle.cacheWarning;
    this.tokenizer = createCodeTokenizer(bundle.tokenizerJson);
    this.model = new CodeFusionModel(manifest, dequantize(manifest, bundle.shards));
    this.T = this.model.T;
    const { model: mc, conditioning } = manifest;
    const useSlots = mc.slots === true;
    const neighbours = mc.neighbours ?? 0;
    this.index = neighbours > 0 ? RetrievalIndex.fromJson(bundle.indexJson) : null;
    const tagger = useSlots ? SlotTagger.fromJson(bundle.taggerJson) : null;
    this.channel = manifest.sampler.rank === "channel" ? Channel.fromJson(bundle.channelJson) : null;
    this.conditioner =
      conditioning && (useSlots || neighbours > 0)
        ? new Conditioner({
            tokenizer: this.tokenizer,
            tagger,
            index: this.index,
            neighbours,
            maxLen: mc.max_utterance_len,
            requestLen: mc.request_len ?? mc.max_utterance_len,
            useSlots,
            columns: mc.columns === true,
            ...(this.channel ? { channel: this.channel } : {}),
            // the request's literals only (issue 19 item 5): what Python's Conditioner(language=...) does
            ...(manifest.sampler.own_literals === true ? { language: manifest.language } : {}),
          })
        : null;
    this.slotText = useSlots && this.conditioner ? (utterance) => slotRequest(utterance, tagger).text : (u) => u;
    this.maxUtteranceLen = this.conditioner
      ? Math.min(mc.request_len ?? mc.max_utterance_len, mc.max_utterance_len)
      : mc.max_utterance_len;
    this.rankTimes = manifest.sampler.rank_times ?? []; // parseManifest: present whenever the ranking reads the model
  }

  /** The encoder's input for a request: slots and retrieved codes, or the plain BPE ids; and how much was cut. */
  private prepare(utterance: string, header: readonly string[] | null): { prepared: Prepared; truncatedTokens: number } {
    if (this.conditioner) {
      const prepared = this.conditioner.prepare(utterance, -1, header);
      const requestIds = encodeSlotted(this.tokenizer, prepared.slotted.text).length;
      return { prepared, truncatedTokens: Math.max(0, requestIds - this.maxUtteranceLen) };
    }
    const allIds = this.tokenizer.encode(utterance);
    const inputIds = allIds.slice(0, this.maxUtteranceLen);
    const prepared: Prepared = { slotted: { text: utterance, slots: [] }, neighbours: [], inputIds };
    return { prepared, truncatedTokens: allIds.length - inputIds.length };
  }

  /**
   * Generate code for a request. Yields one item per `decodeEvery` steps and always a final item (done: true,
   * with candidates); when samples start from known codes (retrieve and edit), first an item with step 0 whose
   * samples are those codes (and "" for the samples from noise). Validation errors (an empty utterance: "the request is empty") and an abort reject the
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
    const minStepIntervalMs = request.minStepIntervalMs ?? 0;
    if (!Number.isFinite(minStepIntervalMs) || minStepIntervalMs < 0) {
      throw new RangeError(`minStepIntervalMs must be a finite number ≥ 0, got ${minStepIntervalMs}`);
    }
    if (!Number.isFinite(request.seed)) throw new RangeError(`seed must be a finite number, got ${request.seed}`);
    if (signal?.aborted) throw abortError();

    const { prepared, truncatedTokens } = this.prepare(request.utterance, request.header ?? null);
    const uttIds = prepared.inputIds;
    const uttMask = uttIds.map(() => 1); // padding may be left out entirely (docs/model-format.md, Encoder)
    const pairs = stridedTimesteps(this.model.T, steps);
    const { max_code_len: Lc, d_embed: dEmbed } = this.model.config;
    const noise = gaussianNoise(request.seed, n * Lc * dEmbed);
    // Retrieve and edit (training/sample.py generate): sample j < e starts from the request's j-th known code.
    const editSamples = Math.min(checkInteger(request.editSamples ?? this.sampler.edit_samples ?? 0, "editSamples", 0, MAX_SAMPLES), n);
    const starts = this.conditioner?.knownStarts(prepared, request.utterance, editSamples, Lc) ?? [];
    const editT0 = starts.length > 0 ? checkInteger(request.editT0 ?? this.sampler.edit_t0 ?? 0, "editT0", 1, this.model.T) : 0;

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

    // Placeholders are filled with the request's literals in every view, so the user reads their own values.
    const text = (ids: readonly number[]): string => fillPrepared(prepared, decodeSlotted(this.tokenizer, ids));
    const decode = (ids: number[][]): string[] => ids.map((row) => text(codeIds(row)));
    const decodeNoisy = (ids: number[][]): string[] =>
      ids.map((row) => text(row.filter((id) => id !== PAD_ID && id !== MASK_ID)));
    const startCodes = starts.map((s) => text(codeIds(s.ids)));
    const withStart = <T extends object>(sample: T, i: number): T & { start?: string } =>
      i < startCodes.length ? { ...sample, start: startCodes[i] as string } : sample;
    if (starts.length > 0) {
      // step 0, before any step: the known codes the first samples start from (the others start from noise)
      const samples = Array.from({ length: n }, (_, i) => withStart({ code: startCodes[i] ?? "", noisy: startCodes[i] ?? "" }, i));
      queue.push({ step: 0, totalSteps: steps, t: (pairs[0] as [number, number])[0], truncatedTokens, samples, done: false });
    }
    let lastShownAt = -Infinity; // when the last intermediate item was queued (minStepIntervalMs)
    // The request's encoding (encoder, every cross-attention layer's memory): once for the sampler and the ranking.
    const encoded = this.model.encode(uttIds, uttMask);
    const outcome: Promise<Outcome> = sampleFromNoise(
      this.model,
      uttIds,
      uttMask,
      steps,
      noise,
      this.sampler.clamp,
      (k, t, ids, noisyIds) => {
        if (stopped || signal?.aborted) throw abortError();
        if (k === steps - 1) return; // the final item is built from the result
        lastShownAt = performance.now();
        const noisy = decodeNoisy(noisyIds ?? ids);
        const samples = decode(ids).map((code, i) => withStart({ code, noisy: noisy[i] as string }, i));
        queue.push({ step: k + 1, totalSteps: steps, t, truncatedTokens, samples, done: false });
        notify();
      },
      {
        noisyView: true,
        decodeEvery,
        showStep: () => performance.now() - lastShownAt >= minStepIntervalMs,
        encoded,
        ...(starts.length > 0 ? { start: { ids: starts.map((s) => s.ids), tStart: editT0 } } : {}),
      },
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
      const samples = codes.map((code, i) => withStart({ code, noisy: code, confidence: result.confidence[i] as number }, i));
      const rankSet = (set: CandidateSet): Promise<FinalStep["candidates"]> =>
        this.rank(request.utterance, prepared, codes, result.confidence, encoded, set, startCodes);
      const candidates = await rankSet(request.candidates ?? "all");
      const parts = request.parts ? { samples: await rankSet("samples"), known: await rankSet("known") } : undefined;
      if (signal?.aborted) throw abortError();
      const knownRequests = prepared.neighbours.map(([i, similarity]) => {
        const entry = this.index?.entries[i];
        return { utterance: entry?.utterance ?? "", code: entry?.code ?? "", similarity };
      });
      const t = (pairs[pairs.length - 1] as [number, number])[0];
      yield { step: steps, totalSteps: steps, t, truncatedTokens, samples, done: true, candidates, knownRequests, ...(parts ? { parts } : {}) };
    } finally {
      stopped = true;
      this.running.delete(stop);
      signal?.removeEventListener("abort", notify);
      await outcome; // the sampler has freed its tensors once this settles
      encoded.dispose();
    }
  }

  /**
   * The final ranking (training/sample.py generate): by votes over the samples; with rank "denoise", the pool of
   * samples and retrieved codes (slots filled) ordered by the model's denoising loss; with "known-first", the
   * retrieved codes ordered by that loss, then the samples ordered by it (a sample is the model's own estimate, so
   * its loss is low whatever it is worth: in one pool the samples would come first); with "retrieval-first", the
   * retrieved codes as written in retrieval order, then the samples by that loss; with "channel", the codes as
   * written of the most similar known requests in the channel's order (channel.ts), then the samples by that loss.
   */
  private async rank(
    utterance: string,
    prepared: Prepared,
    sampledCodes: string[],
    sampledConfidence: number[],
    encoded: EncodedUtterance,
    set: CandidateSet,
    sampleStarts: readonly string[] = [],
  ): Promise<FinalStep["candidates"]> {
    if (!isCandidateSet(set)) throw new RangeError(`candidates must be one of ${CANDIDATE_SETS.join(", ")}, got ${String(set)}`);
    // "samples" leaves the known codes out of the pool, "known" the samples.
    const poolRetrieved = set === "samples" ? 0 : (this.sampler.pool_retrieved ?? 0);
    const codes = set === "known" ? [] : sampledCodes;
    const confidence = set === "known" ? [] : sampledConfidence;
    const rank = this.sampler.rank ?? "votes";
    const asWritten = rank === "retrieval-first" || rank === "channel";
    const conditioner = this.conditioner;
    // Every known code carries the known request it is taken from (display only): as written ("retrieval-first",
    // "channel"), or that request's code with this request's literals filled in where it has them (the others).
    let known: KnownCode[] = [];
    let retrieved: string[] = [];
    if (conditioner && poolRetrieved > 0) {
      if (rank === "channel") {
        known = conditioner.channelCandidates(prepared, utterance, poolRetrieved, this.sampler.channel_scan ?? 100,
          this.sampler.channel_similarity ?? 0);
      } else if (asWritten) {
        known = conditioner.writtenCandidates(prepared, utterance, poolRetrieved);
      }
      if (asWritten) {
        retrieved = known.map((k) => k.code);
      } else {
        // retrievedCandidates fills the codes of the same neighbours, in the same order, as writtenCandidates lists
        retrieved = conditioner.retrievedCandidates(prepared, utterance, poolRetrieved);
        known = conditioner.writtenCandidates(prepared, utterance, poolRetrieved).map((k, i) => ({ ...k, code: retrieved[i] ?? k.code }));
      }
    }
    const fromKnown = new Set(retrieved.map((c) => normalizeWhitespace(c)));
    const sources = new Map<string, KnownRequest>();
    for (const { code, entry, similarity } of known) {
      const key = normalizeWhitespace(code);
      const source = this.index?.entries[entry];
      if (source && !sources.has(key)) sources.set(key, { utterance: source.utterance, code: source.code, similarity });
    }
    // Retrieve and edit (Python's mark_starts): a candidate carries the known code its first sample (in sample order)
    // that started from one started from; a known code carries none.
    const startOf = new Map<string, string>();
    codes.forEach((code, i) => {
      const start = sampleStarts[i];
      const key = normalizeWhitespace(code);
      if (start !== undefined && !startOf.has(key)) startOf.set(key, start);
    });
    const knownFirst = rank === "known-first" || asWritten;
    // The shown score (scores.ts): each candidate's share of the weight the ranking sorts by, within its group. The
    // rankers give exp(−loss) or the vote share as `score`; as-written known codes are sorted by the channel's score
    // or by similarity instead. A two-part ranking sorts its parts apart, so each part is a group.
    const weightOf = (code: string, rankerScore: number, isKnown: boolean): number => {
      const source = isKnown && asWritten ? sources.get(normalizeWhitespace(code)) : undefined;
      if (!source) return rankerScore;
      if (!this.channel) return source.similarity;
      const [[, channelScore]] = rankCodes(this.channel, utterance, [[code, source.similarity]], this.sampler.channel_similarity ?? 0) as [
        [string, number],
      ];
      return Math.exp(channelScore);
    };
    const mark = (list: Candidate[]): FinalStep["candidates"] => {
      const marked = list.map((c) => {
        const key = normalizeWhitespace(c.code);
        const knownRequest = sources.get(key);
        const isKnown = fromKnown.has(key);
        const start = isKnown ? undefined : startOf.get(key);
        return {
          ...c,
          source: isKnown ? "known" : "sample",
          fromKnownRequest: isKnown,
          ...(knownRequest ? { knownRequest } : {}),
          ...(start !== undefined ? { start } : {}),
        } as const;
      });
      const scores = shownScores(
        marked.map((c) => weightOf(c.code, c.score, c.fromKnownRequest)),
        marked.map((c) => (knownFirst ? c.source : "all")),
      );
      return marked.map((c, i) => ({ ...c, score: scores[i] as number }));
    };
    if (rank === "votes" && retrieved.length === 0) return mark(rankCandidates(codes, confidence, this.sampler.top_k));
    const pool = knownFirst ? distinctCodes([...retrieved, ...codes]) : distinctCodes([...codes, ...retrieved]);
    if (rank === "denoise" || knownFirst) {
      const idsOf = (code: string): number[] =>
        conditioner ? conditioner.codeIds(code, prepared.slotted) : this.tokenizer.encode(code);
      const knownCount = knownFirst ? distinctCodes(retrieved).length : 0;
      return mark(
        await rankByDenoising(this.model, encoded, pool, idsOf, this.rankTimes, this.sampler.top_k, knownCount, !asWritten),
      );
    }
    // votes with retrieved codes: the samples' ranking, then the retrieved codes not among them (score 0)
    const ranked: Candidate[] = rankCandidates(codes, confidence, this.sampler.top_k);
    const taken = new Set(ranked.map((c) => normalizeWhitespace(c.code)));
    for (const code of pool) if (!taken.has(normalizeWhitespace(code))) ranked.push({ code, score: 0 });
    return mark(ranked.slice(0, this.sampler.top_k));
  }

  /**
   * Number of tokens of a request, before truncation to maxUtteranceLen (what the prompt box reports): with slots,
   * the tokens of the request with its literals in slots, which is what the model reads and what is cut.
   */
  countTokens(text: string): number {
    return this.conditioner ? encodeSlotted(this.tokenizer, this.slotText(text)).length : this.tokenizer.encode(text).length;
  }

  /**
   * The words of a request (retrieval's: lower-cased ASCII letters, digits, "_") that no known request uses, and how
   * many words it has: the models learnt English requests only, so a request mostly of words they never saw (another
   * language) is one they cannot read. Words with a digit are literals, not counted. Null without a retrieval index.
   */
  unknownWords(text: string): { words: number; unknown: string[] } | null {
    if (!this.index) return null;
    this.knownWords ??= new Set(this.index.entries.flatMap((e) => indexWords(e.utterance)));
    const words = indexWords(text).filter((w) => !/[0-9]/.test(w));
    const known = this.knownWords;
    return { words: words.length, unknown: [...new Set(words.filter((w) => !known.has(w)))] };
  }

  /**
   * The token ids the encoder reads for a request: the request and, with retrieval, its neighbours' codes (the memory
   * every cross-attention layer attends to; the benches count FLOPs with its length and profile steps with it).
   */
  encoderInput(utterance: string, header: readonly string[] | null = null): number[] {
    return [...this.prepare(utterance, header).prepared.inputIds];
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
