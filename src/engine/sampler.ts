// The K-step DDIM sampler and the ranking, as training/sample.py (docs/model-format.md, "The sampler", "Ranking").
import * as tf from "@tensorflow/tfjs-core";
import type { ClampMode } from "../bundle/manifest";
import { normalizeWhitespace } from "../lang/whitespace";
import type { CodeFusionModel, EncodedUtterance, MemoryKV } from "./model";

/** Padding and end of code (tokenizer id 0). */
export const PAD_ID = 0;

export interface SampleResult {
  /**
   * [·][n][Lc]: the argmax ids after each shown step (every step with the default decodeEvery of 1, what the app
   * shows), the last entry being the final ids.
   */
  stepIds: number[][][];
  /** [n][Lc]: argmax ids of the final estimate. */
  finalIds: number[][];
  /** [n]: mean log-probability of the final ids over positions 0..first pad (inclusive; all when no pad). */
  confidence: number[];
}

export interface Candidate {
  code: string;
  score: number;
}

/**
 * Called after each shown step with the step index k, its time t and the argmax ids [n][Lc] of the estimate x̂0
 * (e.g. to show progress). With `noisyView`, also the ids nearest to the noisy latent after the step, x_s / alpha_s:
 * pure noise at first, the code at the end; what "condensing out of noise" looks like (the final step: the final ids).
 */
export type StepCallback = (k: number, t: number, ids: number[][], noisyIds?: number[][]) => void;

export interface SampleOptions {
  /** Also compute the noisy view of every shown step (one [n·Lc × V] distance product per shown step). */
  noisyView?: boolean;
  /**
   * Show every m-th step (k + 1 a multiple of m) and the last: only those steps' ids are read back and decoded, and
   * only those get a noisy view (training/sample.py decode_every). The others keep their ids on the backend, where
   * the clamp uses them. Default 1: every step.
   */
  decodeEvery?: number;
  /** Asked before a step that decodeEvery would show: false skips it like decodeEvery does (e.g. a frame-rate cap). */
  showStep?: (k: number) => boolean;
  /** The utterance already encoded (model.encode of the same ids), kept for the caller, who disposes it. */
  encoded?: EncodedUtterance;
  /** Retrieve and edit: the first samples start from known codes instead of noise (EditStart). */
  start?: EditStart;
}

/**
 * Retrieve and edit (SDEdit; training/sample.py sample's start_ids and t_start): sample j < ids.length starts from
 * the known code ids[j] ([Lc] ids, padded) instead of pure noise. It joins the K-step schedule at its first time
 * t0 ≤ tStart (editStartStep), x_t0 = alpha_t0 · L(ids[j]) + sigma_t0 · ε_j with its own noise row ε_j, its
 * self-conditioning input zero at that step, and from there takes the schedule's steps in step with the samples
 * from noise. Before it joins, every shown step reports its known code's ids (and the noisy view the same ids).
 */
export interface EditStart {
  ids: readonly (readonly number[])[];
  tStart: number;
}

/** The K (t, s) pairs: t_k = floor((T (K − k) + floor(K / 2)) / K), t_K = 0 (integer arithmetic). */
export function stridedTimesteps(T: number, steps: number): [number, number][] {
  if (!Number.isInteger(steps) || steps < 1 || steps > T) throw new Error(`steps must be in 1..${T}, got ${steps}`);
  const half = Math.floor(steps / 2);
  const times = Array.from({ length: steps }, (_, k) => Math.floor((T * (steps - k) + half) / steps));
  times.push(0);
  return times.slice(0, steps).map((t, k) => [t, times[k + 1] as number]);
}

/**
 * The step at which a sample from a known code joins the schedule `pairs` (stridedTimesteps): the first whose time
 * is at most tStart, the last step when none is (training/sample.py edit_start_step; K = 20, T = 1200: tStart 600
 * joins at step 10, t = 600; 200 at step 17, t = 180).
 */
export function editStartStep(pairs: readonly (readonly [number, number])[], tStart: number): number {
  const T = (pairs[0] as readonly [number, number])[0];
  if (!Number.isInteger(tStart) || tStart < 1 || tStart > T) throw new RangeError(`edit t0 must be in 1..${T}, got ${tStart}`);
  const k = pairs.findIndex(([t]) => t <= tStart);
  return k === -1 ? pairs.length - 1 : k;
}

/** Argmax ids [n][Lc] and confidences [n] (mean max log-softmax up to and including the first pad). */
async function tokenConfidence(logits: tf.Tensor3D): Promise<{ ids: number[][]; confidence: number[] }> {
  const [n, L] = logits.shape;
  const logp = tf.logSoftmax(logits, -1);
  const idsT: tf.Tensor = tf.argMax(logp, -1);
  const bestT: tf.Tensor = tf.max(logp, -1);
  logp.dispose();
  const [idsFlat, bestFlat] = await Promise.all([idsT.data<"int32">(), bestT.data<"float32">()]);
  tf.dispose([idsT, bestT]);
  const ids: number[][] = [];
  const confidence: number[] = [];
  for (let b = 0; b < n; b++) {
    const row = Array.from(idsFlat.subarray(b * L, (b + 1) * L));
    const firstPad = row.indexOf(PAD_ID);
    const last = firstPad === -1 ? L - 1 : firstPad;
    let sum = 0;
    for (let i = 0; i <= last; i++) sum += bestFlat[b * L + i] as number;
    ids.push(row);
    confidence.push(Math.fround(sum / (last + 1)));
  }
  return { ids, confidence };
}

/**
 * Ids of the table rows nearest (Euclidean) to each vector of x [n, Lc, d]: the "nearest" clamp and the noisy view.
 * argmin over v of ‖x‖² − 2 x·L_v + ‖L_v‖², leaving out ‖x‖², the same for every v (model.embeddingDistance()).
 */
function nearestIds(x: tf.Tensor3D, distance: { weights: tf.Tensor2D; bias: tf.Tensor1D }): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, L, d] = x.shape;
    const flat = tf.reshape(x, [n * L, d]) as tf.Tensor2D;
    const dist = tf.fused.matMul({ a: flat, b: distance.weights, bias: distance.bias });
    return tf.reshape(tf.argMin(dist, -1), [n, L]) as tf.Tensor2D;
  });
}

/** [n][Lc] rows of a flat [n·Lc] id array. */
function idRows(flat: Int32Array, n: number, Lc: number): number[][] {
  return Array.from({ length: n }, (_, b) => Array.from(flat.subarray(b * Lc, (b + 1) * Lc)));
}

/**
 * Run the sampler from given noise x_T (n × Lc × d_embed floats, Lc = max_code_len, row-major) for one utterance.
 * Deterministic: the noise is the only randomness.
 */
/** Resolves in a new task (not a microtask), without setTimeout's minimum delay where MessageChannel exists. */
export function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === "undefined") return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export async function sampleFromNoise(
  model: CodeFusionModel,
  uttIds: readonly number[],
  uttMask: readonly number[],
  steps: number,
  noise: Float32Array,
  clamp: ClampMode,
  onStep?: StepCallback,
  options: SampleOptions = {},
): Promise<SampleResult> {
  const { max_code_len: Lc, d_embed: dEmbed } = model.config;
  const perSample = Lc * dEmbed;
  if (noise.length === 0 || noise.length % perSample !== 0) {
    throw new Error(`sampleFromNoise: noise has ${noise.length} floats, not a multiple of ${Lc}×${dEmbed}`);
  }
  const n = noise.length / perSample;
  const pairs = stridedTimesteps(model.T, steps);
  const decodeEvery = options.decodeEvery ?? 1;
  if (!Number.isInteger(decodeEvery) || decodeEvery < 1) throw new Error(`decodeEvery must be a positive integer, got ${decodeEvery}`);
  const table = model.embeddingTable();
  const distance = model.embeddingDistance();
  // Retrieve and edit: the first e samples start from known codes and join the schedule at step `first`; until then
  // only the other n − e take steps (Python samples the two groups as two batches on the same schedule).
  const startIds = (options.start?.ids ?? []).map((row) => Array.from(row));
  const e = startIds.length;
  if (e > n) throw new Error(`sampleFromNoise: ${e} known codes to start from, but ${n} samples`);
  const V = model.config.vocab_size;
  for (const row of startIds) {
    if (row.length !== Lc || row.some((id) => !Number.isInteger(id) || id < 0 || id >= V)) {
      throw new Error(`sampleFromNoise: a known code to start from must be ${Lc} ids in 0..${V - 1}`);
    }
  }
  const first = e > 0 ? editStartStep(pairs, (options.start as EditStart).tStart) : 0;
  const encoded = options.encoded ?? model.encode(uttIds, uttMask);
  let x: tf.Tensor3D = tf.tensor3d(noise, [n, Lc, dEmbed]);
  if (e > 0) {
    const t0 = (pairs[first] as [number, number])[0];
    const noisy = x;
    x = tf.tidy(() => {
      // q_sample: alpha_t0 · L(code) + sigma_t0 · ε, each sample with its own noise row
      const eps = tf.slice(noisy, [0, 0, 0], [e, Lc, dEmbed]);
      const known = tf.gather(table, tf.tensor2d(startIds, [e, Lc], "int32"));
      const started = tf.add(tf.mul(model.alpha[t0] as number, known), tf.mul(model.sigma[t0] as number, eps));
      return (e === n ? started : tf.concat([started, tf.slice(noisy, [e, 0, 0], [n - e, Lc, dEmbed])], 0)) as tf.Tensor3D;
    });
    noisy.dispose();
  }
  let x0hat: tf.Tensor3D = tf.zeros([n, Lc, dEmbed]);
  // A model trained without self-conditioning only ever saw zeros in that input.
  const noSelfCond: tf.Tensor3D | null = model.config.self_conditioning ? null : tf.zeros([n, Lc, dEmbed]);
  const stepIds: number[][][] = [];
  /** Rows from..n of a [n, Lc, ·] tensor (a new tensor; the caller disposes it). */
  const rowsFrom = <T extends tf.Tensor>(a: T, from: number): T => tf.slice(a, [from, 0, 0], [n - from, Lc, dEmbed]) as T;
  try {
    for (let k = 0; k < pairs.length; k++) {
      const [t, s] = pairs[k] as [number, number];
      // Before step `first` the samples from known codes wait: the step runs on rows from `lead` on only.
      const lead = k < first ? e : 0;
      const shown = (): boolean => (k + 1) % decodeEvery === 0 && (options.showStep?.(k) ?? true);
      if (lead === n) {
        // every sample starts from a known code and none has joined yet: nothing to compute, their codes to show
        if (shown()) {
          stepIds.push(startIds);
          onStep?.(k, t, startIds, options.noisyView ? startIds : undefined);
        }
        await yieldToEventLoop();
        continue;
      }
      const active = lead === 0 ? x : rowsFrom(x, lead);
      const selfCond = noSelfCond ?? x0hat;
      const activeSelfCond = lead === 0 ? selfCond : rowsFrom(selfCond, lead);
      const next = model.denoise(active, t, activeSelfCond, encoded.memoryKV);
      if (lead > 0) activeSelfCond.dispose();
      x0hat.dispose();
      // self-conditioning reads the raw estimate; a sample from a known code starts from zeros at step `first`
      x0hat = lead === 0 ? next : tf.tidy(() => tf.concat([tf.zeros([lead, Lc, dEmbed]), next], 0) as tf.Tensor3D);
      if (lead > 0) next.dispose();
      if (k === pairs.length - 1) {
        if (lead > 0) active.dispose();
        break; // s = 0: this estimate is the result, decoded below
      }
      const show = shown();
      const estimate: tf.Tensor3D = lead === 0 ? x0hat : rowsFrom(x0hat, lead);
      // The argmax of the logits is that of their log-softmax (training/sample.py token_confidence): the per-row
      // shift does not change the order, so the full-vocabulary softmax is left to the final step.
      let idsT: tf.Tensor2D | null = null;
      if (clamp === "decoder" || show) {
        const { z, logits } = model.decode(estimate, encoded.memoryKV);
        z.dispose();
        idsT = tf.argMax(logits, -1) as tf.Tensor2D;
        logits.dispose();
      }
      const ids = show && idsT ? [...startIds.slice(0, lead), ...idRows(await idsT.data<"int32">(), n - lead, Lc)] : null;
      if (ids) stepIds.push(ids);
      const current: tf.Tensor3D = x;
      const clampIds = idsT;
      x = tf.tidy(() => {
        let target: tf.Tensor;
        if (clamp === "decoder" && clampIds) target = tf.gather(table, clampIds);
        else if (clamp === "nearest") target = tf.gather(table, nearestIds(estimate, distance));
        else target = estimate;
        const [alphaT, sigmaT] = [model.alpha[t] as number, model.sigma[t] as number];
        const [alphaS, sigmaS] = [model.alpha[s] as number, model.sigma[s] as number];
        const eps = tf.div(tf.sub(active, tf.mul(alphaT, target)), sigmaT);
        const stepped = tf.add(tf.mul(alphaS, target), tf.mul(sigmaS, eps)) as tf.Tensor3D;
        // the waiting samples keep their x_t0
        return lead === 0 ? stepped : (tf.concat([tf.slice(current, [0, 0, 0], [lead, Lc, dEmbed]), stepped], 0) as tf.Tensor3D);
      });
      current.dispose();
      if (lead > 0) {
        active.dispose();
        estimate.dispose();
      }
      idsT?.dispose();
      if (ids) {
        let noisyIds: number[][] | undefined;
        if (options.noisyView) {
          const alphaS = model.alpha[s] as number;
          const moving = lead === 0 ? x : rowsFrom(x, lead);
          const nearest = tf.tidy(() => nearestIds(tf.div(moving, alphaS) as tf.Tensor3D, distance));
          if (lead > 0) moving.dispose();
          noisyIds = [...startIds.slice(0, lead), ...idRows(await nearest.data<"int32">(), n - lead, Lc)];
          nearest.dispose();
        }
        onStep?.(k, t, ids, noisyIds);
      }
      // Let the event loop run between steps: a worker must be able to receive "cancel" during a run (on the cpu
      // backend reading the ids resolves without ever leaving the current task).
      await yieldToEventLoop();
    }
    const { z, logits } = model.decode(x0hat, encoded.memoryKV);
    z.dispose();
    const { ids: finalIds, confidence } = await tokenConfidence(logits);
    logits.dispose();
    stepIds.push(finalIds);
    onStep?.(pairs.length - 1, (pairs[pairs.length - 1] as [number, number])[0], finalIds, options.noisyView ? finalIds : undefined);
    return { stepIds, finalIds, confidence };
  } finally {
    tf.dispose([x, x0hat]);
    noSelfCond?.dispose();
    if (encoded !== options.encoded) encoded.dispose();
  }
}

/** The ids before the first pad (the whole row when there is none): what the tokenizer decodes into code. */
export function codeIds(ids: readonly number[]): number[] {
  const end = ids.indexOf(PAD_ID);
  return end === -1 ? [...ids] : ids.slice(0, end);
}

/**
 * Deduplicate samples (equal after whitespace normalisation) and rank them: score = Σ exp(confidence) / n over a
 * candidate's samples; its code is that of its most confident sample; ties keep the order of first appearance.
 * Scores are not rounded (training/sample.py rounds them to 6 decimals for its JSON).
 */
export function rankCandidates(codes: readonly string[], confidences: readonly number[], topK: number): Candidate[] {
  if (codes.length !== confidences.length) throw new Error("rankCandidates: one confidence per code");
  const n = codes.length;
  const groups = new Map<string, { code: string; score: number; best: number }>();
  codes.forEach((code, i) => {
    const conf = confidences[i] as number;
    const key = normalizeWhitespace(code);
    let group = groups.get(key);
    if (!group) {
      group = { code, score: 0, best: -Infinity };
      groups.set(key, group);
    }
    group.score += Math.exp(conf) / n;
    if (conf > group.best) {
      group.best = conf;
      group.code = code;
    }
  });
  // Array.prototype.sort is stable: ties keep first appearance (Map iterates in insertion order).
  const ranked = [...groups.values()].sort((a, b) => b.score - a.score);
  return ranked.slice(0, Math.max(0, topK)).map((g) => ({ code: g.code, score: g.score }));
}

/**
 * The denoising-loss ranking (training/sample.py denoising_loss): for each candidate's ids [P][Lc], the mean over
 * `times` of the cross-entropy of its tokens (positions 0..first pad, inclusive) when the model reconstructs it from
 * x_t = alpha_t · L(ids), the noise term left out, so no random numbers are involved. Lower = likelier.
 */
export async function denoisingLoss(
  model: CodeFusionModel,
  encoded: { memoryKV: MemoryKV },
  candidates: readonly (readonly number[])[],
  times: readonly number[],
): Promise<number[]> {
  const P = candidates.length;
  if (P === 0) return [];
  if (times.length === 0) throw new Error("denoisingLoss: no times to read the model at"); // the mean would be NaN
  const { max_code_len: Lc, d_embed: dEmbed } = model.config;
  const rows = candidates.map((row) => {
    if (row.length !== Lc) throw new Error(`denoisingLoss: a candidate has ${row.length} ids, not ${Lc}`);
    return Array.from(row);
  });
  const keep = rows.map((row) => {
    const firstPad = row.indexOf(PAD_ID);
    return firstPad === -1 ? Lc : firstPad + 1;
  });
  const totals = new Array<number>(P).fill(0);
  const ids = tf.tensor2d(rows, [P, Lc], "int32");
  const x0 = tf.gather(model.embeddingTable(), ids) as unknown as tf.Tensor3D; // [P, Lc, d_embed]
  const zeros = tf.zeros([P, Lc, dEmbed]) as tf.Tensor3D;
  const V = model.config.vocab_size;
  // Position of each candidate token in the flattened [P, Lc, V] logits.
  const tokenIndex = tf.tensor1d(rows.flatMap((row, b) => row.map((id, i) => (b * Lc + i) * V + id)), "int32");
  try {
    for (const t of times) {
      const ce = tf.tidy(() => {
        const xT = tf.mul(model.alpha[t] as number, x0) as tf.Tensor3D;
        const x0hat = model.denoise(xT, t, zeros, encoded.memoryKV);
        const { logits } = model.decode(x0hat, encoded.memoryKV);
        // cross-entropy = logsumexp(logits) − logit of the candidate's token (F.cross_entropy), the token's logit
        // picked by a gather rather than a [P, Lc, V] one-hot product.
        const picked = tf.gather(tf.reshape(logits, [-1]), tokenIndex); // [P·Lc]
        return tf.sub(tf.logSumExp(logits, -1), tf.reshape(picked, [P, Lc]));
      });
      const flat = await ce.data<"float32">();
      ce.dispose();
      for (let b = 0; b < P; b++) {
        let sum = 0;
        for (let i = 0; i < (keep[b] as number); i++) sum += flat[b * Lc + i] as number;
        totals[b] = (totals[b] as number) + sum / (keep[b] as number);
      }
    }
  } finally {
    tf.dispose([ids, x0, zeros, tokenIndex]);
  }
  return totals.map((total) => total / times.length);
}

/** The noise levels at which the denoising-loss ranking reads the model, as fractions of T (training/sample.py). */
export const RANK_TIME_FRACTIONS: readonly number[] = [0.25, 0.5, 0.75];


/** The pool's codes in order of first appearance, one per whitespace-normalised form, empty codes left out. */
export function distinctCodes(codes: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const code of codes) {
    const key = normalizeWhitespace(code);
    if (key !== "" && !seen.has(key)) {
      seen.add(key);
      out.push(code);
    }
  }
  return out;
}

/**
 * One request's pool ranked by denoisingLoss (training/sample.py rank_by_denoising): score exp(−loss), best first,
 * ties in pool order; a code whose ids do not fit in max_code_len cannot be scored and follows with score 0.
 * `idsOf` gives a code's ids with the request's literals in slots (Conditioner.codeIds).
 */
export async function rankByDenoising(
  model: CodeFusionModel,
  encoded: { memoryKV: MemoryKV },
  fullPool: readonly string[],
  idsOf: (code: string) => number[],
  times: readonly number[],
  topK: number,
  fullKnownCount = 0,
  knownByLoss = true,
): Promise<Candidate[]> {
  const Lc = model.config.max_code_len;
  // Only the codes that can reach the top k are scored (the result is the same): with at least topK known codes the
  // samples never do, and where the known codes keep their order, neither do the known codes after the first topK.
  let [pool, knownCount] = [fullPool, fullKnownCount];
  if (knownCount > 0 && knownCount >= topK) {
    pool = fullPool.slice(0, knownByLoss ? knownCount : Math.max(0, topK));
    knownCount = pool.length;
  }
  // Rank "known-first": the first knownCount codes (the retrieved ones) are ranked among themselves and go first.
  const known = new Set(pool.slice(0, knownCount));
  const scored: { code: string; ids: number[] }[] = [];
  const tooLong: string[] = [];
  for (const code of pool) {
    const ids = idsOf(code);
    if (ids.length <= Lc) scored.push({ code, ids: [...ids, ...new Array<number>(Lc - ids.length).fill(PAD_ID)] });
    else tooLong.push(code);
  }
  const losses = await denoisingLoss(model, encoded, scored.map((s) => s.ids), times);
  const withLoss = scored.map((s, i) => ({ code: s.code, loss: losses[i] as number }));
  const out: Candidate[] = [];
  for (const first of knownCount > 0 ? [true, false] : [false]) {
    const inGroup = (code: string): boolean => knownCount === 0 || known.has(code) === first;
    const group = withLoss.filter((s) => inGroup(s.code));
    // Rank "retrieval-first": the known codes keep their (retrieval) order, too-long ones included.
    if (first && !knownByLoss) {
      const lossOf = new Map(group.map((s) => [s.code, s.loss]));
      out.push(...pool.slice(0, knownCount).map((code) => ({ code, score: lossOf.has(code) ? Math.exp(-(lossOf.get(code) as number)) : 0 })));
      continue;
    }
    const ranked = group
      .sort((a, b) => a.loss - b.loss) // stable: ties keep pool order
      .map((s) => ({ code: s.code, score: Math.exp(-s.loss) }));
    out.push(...ranked, ...tooLong.filter(inGroup).map((code) => ({ code, score: 0 })));
  }
  return out.slice(0, Math.max(0, topK));
}
