// The arithmetic floor of one denoising step: the matrix-multiplication FLOPs (2·m·k·n per product) of what the
// sampler runs per step for n samples: one denoiser call N and one decoder + head call D, H (sampler.ts; the last
// step runs N only and the final D + H after it, so K steps cost K of each). The encoder and the projection of
// the utterance memory into keys and values run once per request and are not counted; nor are element-wise
// operations, LayerNorms, softmaxes or gathers (they are memory-bound and small next to the products).
// Shapes as in model.ts and docs/model-format.md: the code side is always max_code_len positions; the utterance
// is `utteranceLen` real tokens (padding is left out).
import type { ModelConfig } from "../bundle/manifest";

export type FlopsConfig = Pick<
  ModelConfig,
  "vocab_size" | "max_code_len" | "d_model" | "d_ff" | "d_embed" | "denoiser_layers" | "decoder_layers"
>;

export interface StepFlops {
  denoiser: number;
  decoder: number;
  head: number;
  total: number;
}

/** One block with cross-attention on R = n·Lc rows of width d, against Lu memory keys. */
function blockFlops(cfg: FlopsConfig, n: number, Lu: number): number {
  const d = cfg.d_model;
  const Lc = cfg.max_code_len;
  const R = n * Lc;
  const linears = 2 * R * (3 * d * d + d * d + d * d + d * d + 2 * d * cfg.d_ff); // qkv, self out, q, cross out, fc1+fc2
  const selfAttention = 2 * 2 * n * Lc * Lc * d; // q·kᵀ and p·v, summed over heads (h·dh = d)
  const crossAttention = 2 * 2 * R * Lu * d;
  return linears + selfAttention + crossAttention;
}

/** The FLOPs of one denoising step for n samples, split into denoiser, decoder and tied head. */
export function denoisingStepFlopsParts(cfg: FlopsConfig, n: number, utteranceLen: number): StepFlops {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(utteranceLen) || utteranceLen < 1) throw new RangeError(`utteranceLen must be a positive integer, got ${utteranceLen}`);
  const d = cfg.d_model;
  const e = cfg.d_embed;
  const R = n * cfg.max_code_len;
  const block = blockFlops(cfg, n, utteranceLen);
  const timeMlp = 2 * 2 * d * d; // two d×d linears on one row, shared by the batch
  const denoiser = timeMlp + 2 * R * 2 * e * d + cfg.denoiser_layers * block + 2 * R * d * e;
  const decoder = 2 * R * e * d + cfg.decoder_layers * block + 2 * R * d * e;
  const head = 2 * R * e * cfg.vocab_size;
  return { denoiser, decoder, head, total: denoiser + decoder + head };
}

/** Matrix-multiplication FLOPs of one denoiser call plus one decoder + head call for n samples. */
export function denoisingStepFlops(cfg: FlopsConfig, n: number, utteranceLen: number): number {
  return denoisingStepFlopsParts(cfg, n, utteranceLen).total;
}

/** FLOPs of an m×k by k×n matrix product (what the peak measurement times). */
export function matMulFlops(m: number, k: number, n: number): number {
  return 2 * m * k * n;
}
