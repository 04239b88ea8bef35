import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifest } from "../bundle/manifest";
import { denoisingStepFlops, denoisingStepFlopsParts, matMulFlops } from "./flops";

// The formula is training/model.py's step_flops_formula, written into the manifest at export. Here the golden
// bundle's terms (exported by training/golden.py) are checked against a count made by hand for its configuration,
// product by product, following model.ts: a change to the formula, the export or this reader that miscounts fails.
const golden = parseManifest(JSON.parse(readFileSync(join(__dirname, "..", "..", "testdata", "golden", "manifest.json"), "utf8")));

describe("denoisingStepFlops", () => {
  it("reads the golden manifest's terms and they match a count by hand of its configuration", () => {
    const m = golden.model;
    // the configuration the count below is written for
    expect([m.vocab_size, m.max_code_len, m.d_model, m.n_heads, m.d_ff, m.d_embed, m.denoiser_layers, m.decoder_layers]).toEqual([
      537, 20, 64, 2, 256, 16, 2, 1,
    ]);
    const mm = (rows: number, k: number, cols: number): number => 2 * rows * k * cols;
    const n = 3; // samples
    const Lu = 7; // utterance tokens
    const Lc = 20;
    const R = n * Lc; // rows of the code side
    const heads = 2;
    const dh = 32;
    const block =
      mm(R, 64, 192) + // qkv
      n * heads * (mm(Lc, dh, Lc) + mm(Lc, Lc, dh)) + // per sample, per head: q·kᵀ and p·v
      mm(R, 64, 64) + // self out
      mm(R, 64, 64) + // cross q
      heads * (mm(R, dh, Lu) + mm(R, Lu, dh)) + // per head: q·kᵀ and p·v against the memory
      mm(R, 64, 64) + // cross out
      mm(R, 64, 256) + // fc1
      mm(R, 256, 64); // fc2
    const denoiser = 2 * mm(1, 64, 64) + mm(R, 32, 64) + 2 * block + mm(R, 64, 16); // time MLP, in_proj, blocks, out_proj
    const decoder = mm(R, 16, 64) + block + mm(R, 64, 16); // in_proj, block, out_proj
    const head = mm(R, 16, 537); // z · Lᵀ
    expect(denoisingStepFlopsParts(m, n, Lu)).toEqual({ denoiser, decoder, head, total: denoiser + decoder + head });
    // block 1,474,560 + 307,200 + 491,520 + 491,520 + 107,520 + 491,520 + 1,966,080 + 1,966,080 = 7,296,000;
    // denoiser 16,384 + 245,760 + 2 · 7,296,000 + 122,880 = 14,977,024; decoder 122,880 + 7,296,000 + 122,880 =
    // 7,541,760; head 1,031,040
    expect(block).toBe(7_296_000);
    expect(denoisingStepFlops(m, n, Lu)).toBe(23_549_824);
  });

  it("rejects bad sizes and a bundle without the terms", () => {
    expect(() => denoisingStepFlops(golden.model, 0, 6)).toThrow(RangeError);
    expect(() => denoisingStepFlops(golden.model, 1, 0)).toThrow(RangeError);
    expect(() => denoisingStepFlops({}, 1, 1)).toThrow(/model\.flops is missing/);
    expect(matMulFlops(1024, 1024, 1024)).toBe(2 * 1024 ** 3);
  });
});
