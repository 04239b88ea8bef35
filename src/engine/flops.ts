// The arithmetic floor of one denoising step, for the benches: the matrix-multiplication FLOPs of what the sampler
// runs per step for n samples (one denoiser call, one decoder + head call). The formula lives in one place,
// training/model.py (step_flops_formula): the export writes its terms into the manifest (model.flops) and this
// module only evaluates them for n samples and an utterance of utteranceLen real tokens.
import type { FlopsTerm, ModelConfig } from "../bundle/manifest";

export type FlopsConfig = Pick<ModelConfig, "flops">;

export interface StepFlops {
  denoiser: number;
  decoder: number;
  head: number;
  total: number;
}

function term(part: FlopsTerm, n: number, utteranceLen: number): number {
  return part.fixed + n * (part.per_sample + part.per_sample_per_utterance_token * utteranceLen);
}

/** The FLOPs of one denoising step for n samples, split into denoiser, decoder and tied head. */
export function denoisingStepFlopsParts(cfg: FlopsConfig, n: number, utteranceLen: number): StepFlops {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(utteranceLen) || utteranceLen < 1) throw new RangeError(`utteranceLen must be a positive integer, got ${utteranceLen}`);
  const formula = cfg.flops;
  if (!formula) throw new Error("manifest.json: model.flops is missing (a bundle exported before it: export it again)");
  const denoiser = term(formula.denoiser, n, utteranceLen);
  const decoder = term(formula.decoder, n, utteranceLen);
  const head = term(formula.head, n, utteranceLen);
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
