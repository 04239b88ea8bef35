import { describe, expect, it } from "vitest";
import { denoisingStepFlops, denoisingStepFlopsParts, matMulFlops, type FlopsConfig } from "./flops";

// Counted by hand, product by product (2·m·k·n each), following model.ts.
describe("denoisingStepFlops", () => {
  it("counts a one-layer denoiser without decoder layers", () => {
    const cfg: FlopsConfig = {
      vocab_size: 3,
      max_code_len: 1,
      d_model: 2,
      d_ff: 4,
      d_embed: 1,
      denoiser_layers: 1,
      decoder_layers: 0,
    };
    // time MLP 2·(2·1·2·2) = 16; in_proj 2·1·2·2 = 8; block: qkv 2·1·2·6 = 24, self out 8, cross q 8, cross out 8,
    // fc1 2·1·2·4 = 16, fc2 16, q·kᵀ 2·1·1·2 = 4, p·v 4, cross q·kᵀ 4, p·v 4 → 96; out_proj 2·1·2·1 = 4.
    // decoder: in_proj 4, out_proj 4; head 2·1·1·3 = 6.
    expect(denoisingStepFlopsParts(cfg, 1, 1)).toEqual({ denoiser: 124, decoder: 8, head: 6, total: 138 });
    expect(denoisingStepFlops(cfg, 1, 1)).toBe(138);
  });

  it("counts a batch of samples against a longer utterance", () => {
    const cfg: FlopsConfig = {
      vocab_size: 5,
      max_code_len: 3,
      d_model: 4,
      d_ff: 8,
      d_embed: 2,
      denoiser_layers: 1,
      decoder_layers: 1,
    };
    const n = 2;
    const Lu = 2;
    const R = n * 3; // rows of the code side
    const mm = (m: number, k: number, p: number): number => 2 * m * k * p;
    const block =
      mm(R, 4, 12) + // qkv
      mm(R, 4, 4) + // self out
      n * 2 * (mm(3, 2, 3) + mm(3, 3, 2)) + // per sample, per head (dh = 2): q·kᵀ and p·v
      mm(R, 4, 4) + // cross q
      2 * (mm(R, 2, Lu) + mm(R, Lu, 2)) + // per head: q·kᵀ and p·v against the memory
      mm(R, 4, 4) + // cross out
      mm(R, 4, 8) +
      mm(R, 8, 4); // MLP
    expect(block).toBe(2400);
    const denoiser = 2 * mm(1, 4, 4) + mm(R, 4, 4) + block + mm(R, 4, 2);
    const decoder = mm(R, 2, 4) + block + mm(R, 4, 2);
    const head = mm(R, 2, 5);
    expect(denoisingStepFlopsParts(cfg, n, Lu)).toEqual({ denoiser, decoder, head, total: denoiser + decoder + head });
    expect(denoisingStepFlops(cfg, n, Lu)).toBe(5464);
  });

  it("grows linearly with layers and rejects bad sizes", () => {
    const base: FlopsConfig = {
      vocab_size: 100,
      max_code_len: 8,
      d_model: 16,
      d_ff: 64,
      d_embed: 4,
      denoiser_layers: 2,
      decoder_layers: 1,
    };
    const oneMore = denoisingStepFlops({ ...base, denoiser_layers: 3 }, 5, 6) - denoisingStepFlops(base, 5, 6);
    const twoMore = denoisingStepFlops({ ...base, denoiser_layers: 4 }, 5, 6) - denoisingStepFlops(base, 5, 6);
    expect(twoMore).toBe(2 * oneMore);
    expect(() => denoisingStepFlops(base, 0, 6)).toThrow(RangeError);
    expect(() => denoisingStepFlops(base, 1, 0)).toThrow(RangeError);
    expect(matMulFlops(1024, 1024, 1024)).toBe(2 * 1024 ** 3);
  });
});
