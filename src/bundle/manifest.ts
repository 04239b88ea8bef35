// The browser bundle contract (docs/model-format.md), as TypeScript types, with the checks every loader makes
// before it trusts a bundle: the format and version, the tensor table's bounds, each shard's SHA-256.
import { BASE_SLOT_TOKENS, SEP, SLOT_TOKENS } from "../lang/slots";

export const BUNDLE_FORMAT = "codefusion-bundle";
export const BUNDLE_VERSION = 1;

export type LanguageId = "bash" | "python" | "cf";
export type StoredDType = "int8" | "float16" | "float32";
export type ClampMode = "decoder" | "nearest" | "none";

export interface ModelConfig {
  vocab_size: number;
  max_utterance_len: number;
  max_code_len: number;
  d_model: number;
  n_heads: number;
  d_ff: number;
  d_embed: number;
  encoder_layers: number;
  denoiser_layers: number;
  decoder_layers: number;
  dropout: number;
  self_conditioning: boolean;
  /** The encoder's input also reads the code embedding (docs/model-format.md, Encoder). */
  shared_input_embedding: boolean;
  /** The denoiser reads alpha_t · x_t instead of x_t (training/model.py CodeFusion.denoise); absent in older bundles = false. */
  scale_input?: boolean;
  /** Literal slots (training/slots.py, src/lang/slots.ts): absent in bundles from before them = false. */
  slots?: boolean;
  /** Retrieved codes the encoder reads after the request (training/retrieval.py); absent = 0. */
  neighbours?: number;
  /** Column slots (CF, training/cf_columns.py): the request's header names columns; absent = false. */
  columns?: boolean;
  /** Request tokens kept before the retrieved codes. */
  request_len?: number;
  /** The BPE vocabulary; vocab_size adds the placeholder ids after it. */
  base_vocab_size?: number;
  parameters: number;
  /** Matmul FLOPs of one denoising step, derived from the config at export (training/model.py step_flops_formula); absent in older bundles. */
  flops?: StepFlopsFormula;
}

/** One part's FLOPs for n samples against an utterance of Lu tokens: fixed + n·(per_sample + per_sample_per_utterance_token·Lu). */
export interface FlopsTerm {
  fixed: number;
  per_sample: number;
  per_sample_per_utterance_token: number;
}

/** The parts of one denoising step: one denoiser call N, one decoder call D and the tied head H. */
export interface StepFlopsFormula {
  denoiser: FlopsTerm;
  decoder: FlopsTerm;
  head: FlopsTerm;
}

/**
 * Ranking of the candidate pool: "votes" (agreement × confidence), "denoise" (the pool by the model's denoising loss)
 * "known-first" (the retrieved codes by that loss, then the samples by it) or "retrieval-first" (the retrieved codes as
 * written, in retrieval order, then the samples by that loss: where the model's ranking of known codes hurts) or
 * "channel" (the codes as written of the channel_scan most similar known requests, by the channel's log P(request |
 * code) plus channel_similarity × similarity, training/channel.py; then the samples by that loss).
 */
export const RANK_MODES = ["votes", "denoise", "known-first", "retrieval-first", "channel"] as const;
export type RankMode = (typeof RANK_MODES)[number];

export interface DiffusionSchedule {
  T: number;
  logsnr_min: number;
  logsnr_max: number;
  shift: number;
  /** alpha_t for t = 0..T: use this table, never recompute the schedule. */
  alpha: number[];
  sigma: number[];
}

export interface SamplerDefaults {
  steps: number;
  samples: number;
  top_k: number;
  clamp: ClampMode;
  /** Absent in older bundles: "votes". */
  rank?: RankMode;
  /** Retrieved codes (slots filled) that join the samples in the ranked pool; absent = 0. */
  pool_retrieved?: number;
  /** Rank "channel": how many most similar known requests it reads, and the weight of their similarity. */
  channel_scan?: number;
  channel_similarity?: number;
  /** The times at which the denoising-loss ranking reads the model (training/sample.py rank_times); needed for "denoise" and "known-first". */
  rank_times?: number[];
  /** Retrieve and edit (issue 19): how many of the samples start from the request's known codes; absent = 0. */
  edit_samples?: number;
  /** The time those samples start at (they join the schedule at its first time ≤ edit_t0); needed when edit_samples > 0. */
  edit_t0?: number;
  /** Issue 19 item 5: candidates carry only the request's literals (src/lang/literals.ts): an unfilled slot and every
   * literal the request did not give show as {{text}}, {{path}}, ...; absent = false (a known code keeps its own). */
  own_literals?: boolean;
}

export interface BundleFile {
  file: string;
  byteLength: number;
  sha256: string;
}

/** Slots and retrieval: the files and the constants the engine needs (docs/model-format.md, "Conditioning"). */
export interface Conditioning {
  tagger?: BundleFile;
  index?: BundleFile;
  /** The channel table of rank "channel" (training/channel.py). */
  channel?: BundleFile;
  /** The placeholder tokens in id order: id = baseVocabSize + position. */
  slotTokens: string[];
  separator: string;
  baseVocabSize: number;
}

export interface Int8Quantization {
  scheme: "int8-symmetric-per-row";
  axis: 0;
  scaleShard: number;
  scaleOffset: number;
  scaleLength: number;
}

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: StoredDType;
  shard: number;
  offset: number;
  byteLength: number;
  quantization?: Int8Quantization;
}

export interface ShardEntry {
  file: string;
  byteLength: number;
  sha256: string;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: typeof BUNDLE_VERSION;
  language: LanguageId;
  model: ModelConfig;
  diffusion: DiffusionSchedule;
  sampler: SamplerDefaults;
  training: Record<string, unknown>;
  tokenizer: { file: string; padId: number; maskId: number; vocabSize: number };
  conditioning?: Conditioning;
  weights: StoredDType;
  tensors: TensorEntry[];
  shards: ShardEntry[];
  totalBytes: number;
  eval?: string;
}

const BYTES_PER_ELEMENT: Record<StoredDType, number> = { int8: 1, float16: 2, float32: 4 };

/** Parse and check a manifest; the error says what is wrong, so the app can show it. */
export function parseManifest(json: unknown): BundleManifest {
  if (typeof json !== "object" || json === null) throw new Error("manifest.json is not a JSON object");
  const manifest = json as BundleManifest;
  if (manifest.format !== BUNDLE_FORMAT) {
    throw new Error(`manifest.json: format ${JSON.stringify(manifest.format)} is not ${BUNDLE_FORMAT}`);
  }
  if (manifest.version !== BUNDLE_VERSION) {
    throw new Error(`manifest.json: version ${String(manifest.version)} is not supported (expected ${BUNDLE_VERSION})`);
  }
  const T = manifest.diffusion?.T;
  if (!Number.isInteger(T) || manifest.diffusion.alpha.length !== T + 1 || manifest.diffusion.sigma.length !== T + 1) {
    throw new Error("manifest.json: the diffusion tables must have T + 1 entries");
  }
  for (const tensor of manifest.tensors) {
    const elements = tensor.shape.reduce((a, b) => a * b, 1);
    const shard = manifest.shards[tensor.shard];
    if (!shard) throw new Error(`manifest.json: tensor ${tensor.name} names shard ${tensor.shard}, which does not exist`);
    if (elements * BYTES_PER_ELEMENT[tensor.dtype] !== tensor.byteLength) {
      throw new Error(`manifest.json: tensor ${tensor.name} has ${tensor.byteLength} bytes for shape ${tensor.shape.join("×")}`);
    }
    if (tensor.offset + tensor.byteLength > shard.byteLength) {
      throw new Error(`manifest.json: tensor ${tensor.name} runs past the end of ${shard.file}`);
    }
    if (tensor.dtype === "int8" && tensor.quantization?.scaleLength !== tensor.shape[0]) {
      throw new Error(`manifest.json: int8 tensor ${tensor.name} needs one scale per row`);
    }
  }
  const { rank, pool_retrieved: poolRetrieved, rank_times: rankTimes } = manifest.sampler ?? {};
  if (rank !== undefined && rank !== "votes" && (!Array.isArray(rankTimes) || rankTimes.length === 0)) {
    throw new Error("manifest.json: a model ranked by \"denoise\" needs sampler.rank_times");
  }
  if (rankTimes !== undefined && (!Array.isArray(rankTimes) || rankTimes.some((t) => !Number.isInteger(t) || t < 1 || t > T))) {
    throw new Error("manifest.json: sampler.rank_times must be times in 1..T");
  }
  if (rank !== undefined && !RANK_MODES.some((mode) => mode === rank)) {
    throw new Error(`manifest.json: sampler.rank ${JSON.stringify(rank)} is not one of ${RANK_MODES.map((m) => `"${m}"`).join(", ")}`);
  }
  if (rank === "channel") {
    const { channel_scan: scan, channel_similarity: weight } = manifest.sampler;
    if (!Number.isInteger(scan) || (scan ?? 0) < 1 || typeof weight !== "number" || !Number.isFinite(weight)) {
      throw new Error("manifest.json: rank \"channel\" needs sampler.channel_scan (a whole number) and channel_similarity");
    }
    if (!manifest.conditioning?.channel || !manifest.conditioning.index) {
      throw new Error("manifest.json: rank \"channel\" needs conditioning.index and conditioning.channel");
    }
  }
  if (poolRetrieved !== undefined && !(Number.isInteger(poolRetrieved) && poolRetrieved >= 0)) {
    throw new Error("manifest.json: sampler.pool_retrieved must be a whole number");
  }
  const { edit_samples: editSamples, edit_t0: editT0, own_literals: ownLiterals } = manifest.sampler ?? {};
  if (ownLiterals !== undefined && typeof ownLiterals !== "boolean") throw new Error("manifest.json: sampler.own_literals must be true or false");
  if (editSamples !== undefined && !(Number.isInteger(editSamples) && editSamples >= 0)) {
    throw new Error("manifest.json: sampler.edit_samples must be a whole number");
  }
  if ((editSamples ?? 0) > 0 && !(Number.isInteger(editT0) && (editT0 as number) >= 1 && (editT0 as number) <= T)) {
    throw new Error("manifest.json: sampler.edit_samples needs sampler.edit_t0, a time in 1..T");
  }
  const cond = manifest.conditioning;
  // Without the conditioning entry the engine would feed a slots/retrieval model the plain request: wrong input.
  if (!cond && (manifest.model.slots === true || (manifest.model.neighbours ?? 0) > 0)) {
    throw new Error("manifest.json: a model with slots or retrieval needs a conditioning entry");
  }
  if (cond) {
    // The engine's placeholder ids are src/lang/slots.ts's SLOT_TOKENS order; another order would be misread. A
    // model with column slots lists them all, one without stops at the separator; model.columns says which.
    const known = manifest.model.columns === true ? SLOT_TOKENS : BASE_SLOT_TOKENS;
    if (!Array.isArray(cond.slotTokens) || JSON.stringify(cond.slotTokens) !== JSON.stringify(known) || cond.separator !== SEP) {
      throw new Error("manifest.json: conditioning.slotTokens and separator are not the placeholder tokens this app knows");
    }
    if (cond.baseVocabSize + cond.slotTokens.length !== manifest.model.vocab_size) {
      throw new Error("manifest.json: conditioning.baseVocabSize plus the placeholder tokens must be model.vocab_size");
    }
    if (manifest.model.slots && !cond.tagger) throw new Error("manifest.json: a model with slots needs conditioning.tagger");
    if ((manifest.model.neighbours ?? 0) > 0 && !cond.index) {
      throw new Error("manifest.json: a model with retrieval needs conditioning.index");
    }
  }
  return manifest;
}

/** Lowercase hex SHA-256 of bytes, with Web Crypto (browser and Node alike). */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const digest = await crypto.subtle.digest("SHA-256", view as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Throws an error naming the shard when its bytes are not the ones the manifest describes. */
export async function verifyShard(shard: ShardEntry, bytes: ArrayBuffer | Uint8Array): Promise<void> {
  const length = bytes.byteLength;
  if (length !== shard.byteLength) {
    throw new Error(`weight shard ${shard.file}: ${length} bytes, expected ${shard.byteLength}`);
  }
  if ((await sha256Hex(bytes)) !== shard.sha256) {
    throw new Error(`weight shard ${shard.file} is corrupt: its SHA-256 does not match the manifest`);
  }
}
