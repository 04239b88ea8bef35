// The Engine (async-iterator sampler over the golden bundle on the cpu backend) and the seeded noise. The worker's
// handler is handler.test.ts.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { goldenBundle, readBytes, readJson, toArrayBuffer } from "../../tests/goldenFiles";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { parseManifest, type BundleManifest } from "../bundle/manifest";
import { Engine, type FinalStep, type GenerationRequest, type GenerationStep } from "./engine";
import { goldenInts, type Golden } from "../../tests/goldenCheck";
import type { LoadedBundle } from "./loader";
import { gaussianNoise, mulberry32, portableLog } from "./random";
import { Channel, rankCodes } from "./channel";
import { encodeSlotted, queryText, RetrievalIndex } from "./retrieval";
import { codeIds, sampleFromNoise } from "./sampler";
import { CodeFusionModel } from "./model";
import { dequantize } from "./weights";
import { SlotTagger, slotRequest } from "../lang/slots";
import { normalizeWhitespace } from "../lang/whitespace";
import { foreignLiterals } from "../lang/literals";
import { createCodeTokenizer, MASK_ID, PAD_ID, type CodeTokenizer } from "../tokenizer/index";

/** The golden bundle as an old, plain bundle: no conditioning (no tagger, no index), no slots, no neighbours. */
function plainBundle(sampler: Partial<BundleManifest["sampler"]> = {}): LoadedBundle {
  const json = structuredClone(readJson("manifest.json")) as Record<string, unknown> & {
    model: Record<string, unknown>;
    sampler: Record<string, unknown>;
  };
  delete json.conditioning;
  delete json.model.slots;
  delete json.model.neighbours;
  const manifest = parseManifest({ ...json, sampler: { ...json.sampler, ...sampler } });
  return {
    manifest,
    tokenizerJson: readJson(manifest.tokenizer.file),
    shards: manifest.shards.map((s) => toArrayBuffer(readBytes(s.file))),
  };
}

function finalStep(items: readonly GenerationStep[]): FinalStep {
  const last = items[items.length - 1];
  if (!last?.done) throw new Error("the last item is not done");
  return last;
}


async function collect(it: AsyncIterable<GenerationStep>): Promise<GenerationStep[]> {
  const items: GenerationStep[] = [];
  for await (const item of it) items.push(item);
  return items;
}

const UTTERANCE = "Format cells that are greater than 25 and less than 50";
/** The request's literals by the placeholder they stand in (golden.json's "slotted" puts them there). */
const LITERALS = new Map([
  ["⟨num0⟩", "25"],
  ["⟨num1⟩", "50"],
]);

/**
 * Ids to text as the engine should show them: BPE between placeholder ids (which follow the base vocabulary), each
 * placeholder replaced by the request's literal, or by nothing when the request has none. Written out here, not
 * through retrieval.ts, so the engine is not checked against itself. `filled` counts the literals put in.
 */
function decodeFilled(tokenizer: CodeTokenizer, manifest: BundleManifest, ids: readonly number[]): { text: string; filled: number } {
  const cond = manifest.conditioning;
  if (!cond) throw new Error("no conditioning");
  let text = "";
  let run: number[] = [];
  let filled = 0;
  let afterNumber = false;
  // digits glued to a number placeholder are dropped (slots.ts GLUED_DIGITS: no training code has them)
  const decodeRun = (): string => {
    const decoded = tokenizer.decode(run);
    return afterNumber ? decoded.replace(/^(?:\.?[0-9])+/u, "") : decoded;
  };
  for (const id of ids) {
    if (id < cond.baseVocabSize) {
      run.push(id);
      continue;
    }
    text += decodeRun();
    run = [];
    const token = cond.slotTokens[id - cond.baseVocabSize] as string;
    const literal = LITERALS.get(token);
    if (literal !== undefined) filled++;
    text += literal ?? "";
    afterNumber = token.startsWith("⟨num");
  }
  return { text: text + decodeRun(), filled };
}

describe("random", () => {
  it("mulberry32 is deterministic and seed-dependent", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    const c = mulberry32(43);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it("portableLog matches Math.log closely", () => {
    for (const x of [1e-19, 2 ** -64, 0.001, 0.3, 0.5, 0.70710678, 1, 1.4142135, 2, 3.7, 1e10]) {
      expect(Math.abs(portableLog(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
    }
    expect(() => portableLog(0)).toThrow(RangeError);
  });

  it("gives the same noise for a seed and different noise for different seeds", () => {
    const a = gaussianNoise(7, 1001);
    expect(a).toHaveLength(1001);
    expect(gaussianNoise(7, 1001)).toEqual(a);
    expect(gaussianNoise(7, 10)).toEqual(a.subarray(0, 10)); // a prefix does not depend on the count
    for (const seed of [0, 1, 8, 123456789]) expect(gaussianNoise(seed, 64)).not.toEqual(a.subarray(0, 64));
    // Pinned values: a change to the generator (or to Box–Muller) would silently change every result.
    expect(Array.from(gaussianNoise(1, 4))).toEqual([
      0.021917298436164856, 0.38413387537002563, 0.7624596953392029, 1.491576075553894,
    ]);
  });

  it("is roughly standard normal", () => {
    const x = gaussianNoise(2024, 100_000);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(x.every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe("Engine (golden bundle, cpu)", () => {
  let bundle: LoadedBundle;
  let engine: Engine;

  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    bundle = goldenBundle();
    engine = new Engine(bundle);
  });

  afterAll(() => engine?.dispose());

  it("reports the manifest's language and sampler defaults, and reads request_len tokens of the request", () => {
    expect(engine.language).toBe(bundle.manifest.language);
    expect(engine.sampler).toEqual(bundle.manifest.sampler);
    // With retrieval the encoder's max_utterance_len input holds request_len tokens of the request, then the codes.
    const { request_len: requestLen, max_utterance_len: maxLen } = bundle.manifest.model;
    expect(requestLen).toBeLessThan(maxLen);
    expect(engine.maxUtteranceLen).toBe(requestLen);
  });

  it("yields `steps` items, the last done with at most top_k distinct ranked candidates", async () => {
    const { steps, samples, top_k } = bundle.manifest.sampler;
    const items = await collect(engine.generate({ utterance: UTTERANCE, seed: 1 }));
    expect(items).toHaveLength(steps);
    expect(items.map((i) => i.step)).toEqual(Array.from({ length: steps }, (_, k) => k + 1));
    expect(items.every((i) => i.totalSteps === steps && i.samples.length === samples)).toBe(true);
    const ts = items.map((i) => i.t);
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
    expect(items.slice(0, -1).every((i) => !i.done && i.samples.every((s) => s.confidence === undefined))).toBe(true);
    const last = items[items.length - 1];
    if (!last?.done) throw new Error("the last item is not done");
    expect(last.samples.every((s) => typeof s.confidence === "number")).toBe(true);
    expect(last.candidates.length).toBeGreaterThan(0);
    // The pool: the samples and pool_retrieved retrieved codes, ranked, at most top_k.
    expect(last.candidates.length).toBeLessThanOrEqual(Math.min(top_k, samples + (bundle.manifest.sampler.pool_retrieved ?? 0)));
    expect(new Set(last.candidates.map((c) => normalizeWhitespace(c.code))).size).toBe(last.candidates.length);
    // Rank known-first: the retrieved codes, then the samples, each best first.
    for (const fromKnown of [true, false]) {
      const scores = last.candidates.filter((c) => (c.fromKnownRequest ?? false) === fromKnown).map((c) => c.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
    expect(last.truncatedTokens).toBe(0);
  });

  it("with sampler.own_literals, no candidate carries a literal the request did not give (issue 19 item 5)", async () => {
    // "do not contain 'x'" finds the known request "Style cells that do not contain 適": without own_literals its
    // code comes with 適, with it the literal becomes {{text}}.
    const request: GenerationRequest = { utterance: "Style cells that do not contain the word", seed: 3, parts: true };
    const context = { language: "cf" as const, request: request.utterance, languageWords: [] };
    const foreignIn = (step: FinalStep) => step.candidates.filter((c) => foreignLiterals(context, c.code).length > 0);
    const before = finalStep(await collect(engine.generate(request)));
    expect(foreignIn(before).length).toBeGreaterThan(0);
    const own = new Engine({ ...bundle, manifest: { ...bundle.manifest, sampler: { ...bundle.manifest.sampler, own_literals: true } } });
    try {
      const after = finalStep(await collect(own.generate(request)));
      expect(foreignIn(after)).toEqual([]);
      expect(after.candidates.some((c) => c.code.includes("{{text}}"))).toBe(true);
    } finally {
      own.dispose();
    }
  });

  it("is deterministic: same request and seed, same codes and candidates", async () => {
    const request: GenerationRequest = { utterance: UTTERANCE, seed: 99, samples: 4, steps: 5 };
    const a = await collect(engine.generate(request));
    const b = await collect(engine.generate(request));
    expect(b).toEqual(a);
    expect(a).toHaveLength(5);
  });

  it("runs exactly sampleFromNoise on the seed's noise, reading the golden encoder input (slots + retrieved codes)", async () => {
    const request = { utterance: UTTERANCE, seed: 5, samples: 3 };
    const items = await collect(engine.generate(request));
    const { manifest } = bundle;
    const golden = readJson("golden.json") as Golden;
    const model = new CodeFusionModel(manifest, dequantize(manifest, bundle.shards));
    const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
    try {
      // PyTorch's input ids for this request: the slotted request, ⟨sep⟩ and the neighbours' slotted codes.
      const ids = goldenInts(golden.utterance_ids);
      const noise = gaussianNoise(5, 3 * manifest.model.max_code_len * manifest.model.d_embed);
      const result = await sampleFromNoise(model, ids, goldenInts(golden.utterance_mask), manifest.sampler.steps, noise, manifest.sampler.clamp);
      const codes = result.stepIds.map((step) => step.map((row) => decodeFilled(tokenizer, manifest, codeIds(row)).text));
      expect(items.map((i) => i.samples.map((s) => s.code))).toEqual(codes);
      expect(items[items.length - 1]?.samples.map((s) => s.confidence)).toEqual(result.confidence);
    } finally {
      model.dispose();
    }
  });

  it("fills placeholders with the request's literals (25, 50) in every view, and never shows a placeholder", async () => {
    const { manifest } = bundle;
    const golden = readJson("golden.json") as Golden;
    expect(golden.slotted).toBe(UTTERANCE.replace("25", "⟨num0⟩").replace("50", "⟨num1⟩"));
    const model = new CodeFusionModel(manifest, dequantize(manifest, bundle.shards));
    const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
    const { max_code_len: Lc, d_embed: dEmbed } = manifest.model;
    const { steps, clamp } = manifest.sampler;
    let filled = 0;
    let withLiteral = 0;
    try {
      for (const seed of [1, 2, 3]) {
        const samples = 6;
        const items = await collect(engine.generate({ utterance: UTTERANCE, seed, samples }));
        const views: { ids: number[][]; noisy: number[][] }[] = [];
        await sampleFromNoise(
          model,
          goldenInts(golden.utterance_ids),
          goldenInts(golden.utterance_mask),
          steps,
          gaussianNoise(seed, samples * Lc * dEmbed),
          clamp,
          (_k, _t, ids, noisyIds) => void views.push({ ids, noisy: noisyIds ?? [] }),
          { noisyView: true },
        );
        expect(items).toHaveLength(views.length);
        items.forEach((item, k) => {
          const view = views[k] as (typeof views)[number];
          item.samples.forEach((sample, i) => {
            const code = decodeFilled(tokenizer, manifest, codeIds(view.ids[i] as number[]));
            // The last item's noisy view is its code; before that, the noisy latent's tokens without pads and masks.
            const noisy = item.done
              ? code
              : decodeFilled(tokenizer, manifest, (view.noisy[i] as number[]).filter((id) => id !== PAD_ID && id !== MASK_ID));
            expect(sample.code).toBe(code.text);
            expect(sample.noisy).toBe(noisy.text);
            filled += code.filled + (item.done ? 0 : noisy.filled);
            for (const text of [sample.code, sample.noisy]) {
              expect(text).not.toMatch(/[⟨⟩]/);
              if (/25|50/.test(text)) withLiteral++;
            }
          });
        });
        for (const c of finalStep(items).candidates) expect(c.code).not.toMatch(/[⟨⟩]/);
      }
    } finally {
      model.dispose();
    }
    // Not vacuous: the runs did decode placeholders of the request's literals, and they show as 25 and 50.
    expect(filled).toBeGreaterThan(0);
    expect(withLiteral).toBeGreaterThan(0);
  });

  it("ends with the golden request's neighbours as the known requests, as written, with their similarity", async () => {
    const golden = readJson("golden.json") as Golden;
    const { entries } = readJson("index.json") as { entries: [string, string, string, string][] };
    const last = finalStep(await collect(engine.generate({ utterance: UTTERANCE, seed: 1, steps: 2 })));
    expect(golden.neighbours).toHaveLength(bundle.manifest.model.neighbours ?? 0);
    expect(last.knownRequests).toEqual(
      golden.neighbours.map(([i, similarity]) => ({
        utterance: entries[i]?.[0],
        code: entries[i]?.[1],
        similarity: expect.closeTo(similarity, 9),
      })),
    );
    // The first neighbour is the same template with other literals; its code is shown as written.
    expect(last.knownRequests[0]?.code).toBe("AND(GreaterThanEqual(25),LessThan(50))");
  });

  it("ranks the retrieved codes by denoising loss, then the samples (rank known-first), marking the retrieved ones", async () => {
    const golden = readJson("golden.json") as Golden;
    const s = golden.sampling;
    const { top_k: topK, samples, pool_retrieved: poolRetrieved = 0 } = bundle.manifest.sampler;
    // PyTorch's pool for this request: the retrieved codes with the request's literals filled in, then its samples.
    expect(bundle.manifest.sampler.rank).toBe("known-first");
    expect(s.pool.slice(poolRetrieved)).toEqual(s.codes);
    const retrieved = s.pool.slice(0, poolRetrieved);
    expect(retrieved).toHaveLength(poolRetrieved);
    expect(retrieved[0]).toBe("AND(GreaterThanEqual(25),LessThan(50))");
    const retrievedKeys = new Set(retrieved.map(normalizeWhitespace));
    expect(samples + poolRetrieved).toBeLessThanOrEqual(topK); // so the whole pool is ranked and shown

    for (const seed of [1, 2, 3]) {
      const last = finalStep(await collect(engine.generate({ utterance: UTTERANCE, seed })));
      const { candidates } = last;
      const keys = candidates.map((c) => normalizeWhitespace(c.code));
      expect(new Set(keys).size).toBe(candidates.length); // distinct after whitespace normalisation
      // Every sample and every retrieved code is in the ranking, and nothing else is.
      const poolKeys = new Set([...last.samples.map((x) => normalizeWhitespace(x.code)), ...retrievedKeys]);
      poolKeys.delete("");
      expect(new Set(keys)).toEqual(poolKeys);
      for (const c of candidates) {
        expect(c.fromKnownRequest, c.code).toBe(retrievedKeys.has(normalizeWhitespace(c.code)));
        expect(c.code).not.toMatch(/[⟨⟩]/);
      }
      // The retrieved codes first, then the samples; within each, the shown score is the code's share of exp(−loss)
      // among the part's candidates (scores.ts): in [0, 1], best first, summing to 1 (0 only for a code too long
      // for max_code_len to be scored).
      const known = candidates.filter((c) => c.fromKnownRequest);
      expect(candidates.slice(0, known.length)).toEqual(known);
      for (const group of [known, candidates.filter((c) => !c.fromKnownRequest)]) {
        const scores = group.map((c) => c.score);
        expect(scores.every((x) => Number.isFinite(x) && x >= 0 && x <= 1)).toBe(true);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
        if (group.length > 0) expect(scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      }
      // The retrieved codes' losses are PyTorch's (tests/goldenCheck.ts); of the three, only the first fits in
      // max_code_len, so it has the whole of the known part's weight and the two too long to be scored have none.
      const score = (code: string): number | undefined => candidates.find((c) => c.code === code)?.score;
      expect(score(retrieved[0] as string)).toBe(1);
      expect(retrieved.slice(1).map(score)).toEqual([0, 0]); // too long for max_code_len 20: not scored
    }
  });

  it("with rank retrieval-first, puts the known requests' codes as written first, in retrieval order, then the samples", async () => {
    const sampler = { ...bundle.manifest.sampler, rank: "retrieval-first" as const };
    const other = new Engine({ ...bundle, manifest: { ...bundle.manifest, sampler } });
    try {
      const last = finalStep(await collect(other.generate({ utterance: UTTERANCE, seed: 1 })));
      const poolRetrieved = sampler.pool_retrieved ?? 0;
      const known = last.candidates.filter((c) => c.fromKnownRequest);
      // the neighbours' codes exactly as the known requests have them (no literal of this request filled in)
      const asWritten = [...new Set(last.knownRequests.map((k) => k.code))].slice(0, poolRetrieved);
      expect(known.length).toBe(poolRetrieved);
      expect(known.slice(0, asWritten.length).map((c) => c.code)).toEqual(asWritten);
      expect(known[0]?.code).toBe("AND(GreaterThanEqual(25),LessThan(50))"); // its own literals, not the request's
      expect(last.candidates.slice(0, known.length)).toEqual(known);
      const samples = last.candidates.slice(known.length).map((c) => c.score);
      expect(samples).toEqual([...samples].sort((a, b) => b - a));
    } finally {
      other.dispose();
    }
  });

  it("with rank channel, puts the codes of the most similar known requests first, in the channel's order, each with its source", async () => {
    const sampler = { ...bundle.manifest.sampler, rank: "channel" as const, channel_scan: 20, channel_similarity: 0.01 };
    const channelJson = JSON.parse(readFileSync(fileURLToPath(new URL("../../testdata/channel/channel.json", import.meta.url)), "utf8"));
    const other = new Engine({ ...bundle, channelJson, manifest: { ...bundle.manifest, sampler } });
    try {
      const last = finalStep(await collect(other.generate({ utterance: UTTERANCE, seed: 1 })));
      const index = RetrievalIndex.fromJson(bundle.indexJson);
      const channel = Channel.fromJson(channelJson);
      const tagger = SlotTagger.fromJson(bundle.taggerJson);
      const slotted = slotRequest(UTTERANCE, tagger).text;
      const found = index.mostSimilar(queryText(UTTERANCE, slotted, index.query), 20);
      const expected = rankCodes(channel, UTTERANCE, found.map(([i, s]) => [index.entries[i].code, s] as const), 0.01)
        .slice(0, sampler.pool_retrieved ?? 0)
        .map(([code]) => code);
      const known = last.candidates.filter((c) => c.fromKnownRequest);
      expect(known.map((c) => c.code)).toEqual(expected);
      expect(last.candidates.slice(0, known.length)).toEqual(known);
      for (const c of known) {
        // the source: the most similar known request with exactly this code, and its similarity
        const [i, similarity] = found.find(([j]) => normalizeWhitespace(index.entries[j].code) === normalizeWhitespace(c.code)) ?? [-1, 0];
        expect(c.knownRequest).toEqual({ utterance: index.entries[i].utterance, code: index.entries[i].code, similarity });
      }
      const samples = last.candidates.slice(known.length);
      expect(samples.every((c) => c.knownRequest === undefined)).toBe(true);
      // The known codes' scores: their share of exp(the channel's score), so in the channel's order, summing to 1.
      const channelScore = new Map(rankCodes(channel, UTTERANCE, found.map(([i, s]) => [index.entries[i].code, s] as const), 0.01));
      const total = known.reduce((sum, c) => sum + Math.exp(channelScore.get(c.code) as number), 0);
      for (const c of known) expect(c.score).toBeCloseTo(Math.exp(channelScore.get(c.code) as number) / total, 12);
      const knownScores = known.map((c) => c.score);
      expect(knownScores).toEqual([...knownScores].sort((a, b) => b - a));
    } finally {
      other.dispose();
    }
  });

  it("tells the words of a request that no known request uses (the page's English-only note), literals left out", () => {
    expect(engine.unknownWords("Format cells that are greater than 25")).toEqual({ words: 6, unknown: [] });
    const french = engine.unknownWords("colorier les cellules supérieures à 25");
    expect(french?.words).toBe(5); // "supérieures" is two ASCII words; "à" none; 25 a literal
    expect(french?.unknown).toEqual(expect.arrayContaining(["colorier", "les", "cellules"]));
    expect(engine.unknownWords("空白のセル")).toEqual({ words: 0, unknown: [] });
  });

  it("counts the request's tokens with its literals in slots: what the prompt box says is what the run reads", () => {
    const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
    const other = "Format cells that are greater than 123456789 and less than 0.00042";
    // Different literals, the same template: as many tokens for the model, not for the plain tokenizer.
    expect(tokenizer.encode(other).length).not.toBe(tokenizer.encode(UTTERANCE).length);
    expect(engine.countTokens(other)).toBe(engine.countTokens(UTTERANCE));
    const tagger = SlotTagger.fromJson(bundle.taggerJson);
    expect(engine.countTokens(UTTERANCE)).toBe(encodeSlotted(tokenizer, slotRequest(UTTERANCE, tagger).text).length);
    expect(engine.countTokens(UTTERANCE)).toBeLessThanOrEqual(engine.maxUtteranceLen);
  });

  it("decodeEvery=3 yields fewer items but the same final candidates", async () => {
    const request = { utterance: UTTERANCE, seed: 3, steps: 7, samples: 4 };
    const all = await collect(engine.generate(request));
    const sparse = await collect(engine.generate({ ...request, decodeEvery: 3 }));
    expect(all).toHaveLength(7);
    expect(sparse.map((i) => i.step)).toEqual([3, 6, 7]);
    expect(sparse[0]).toEqual(all[2]);
    expect(sparse[sparse.length - 1]).toEqual(all[all.length - 1]);
  });

  it("minStepIntervalMs skips the steps a screen could not show, never the first or the final one, and changes no result", async () => {
    const request = { utterance: UTTERANCE, seed: 3, steps: 7, samples: 4 };
    const all = await collect(engine.generate(request));
    // No step comes an hour after the last one shown: only the first step and the final item are yielded.
    const capped = await collect(engine.generate({ ...request, minStepIntervalMs: 3_600_000 }));
    expect(capped.map((i) => i.step)).toEqual([1, 7]);
    expect(capped[0]).toEqual(all[0]);
    expect(capped[1]).toEqual(all[all.length - 1]);
    await expect(engine.generate({ ...request, minStepIntervalMs: -1 }).next()).rejects.toThrow(/minStepIntervalMs/);
  });

  it("encodes a request once: the sampler and the ranking read the same encoding", async () => {
    const encode = vi.spyOn(CodeFusionModel.prototype, "encode");
    try {
      await collect(engine.generate({ utterance: UTTERANCE, seed: 4, steps: 3 }));
      expect(encode).toHaveBeenCalledTimes(1);
    } finally {
      encode.mockRestore();
    }
  });

  it("different seeds give different samples (at least sometimes)", async () => {
    const finals = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const items = await collect(engine.generate({ utterance: UTTERANCE, seed, samples: 4 }));
      finals.add(JSON.stringify(items[items.length - 1]?.samples));
    }
    expect(finals.size).toBeGreaterThan(1);
  });

  it("truncates a long request to request_len tokens (literals in slots) and reports how many were cut", async () => {
    const long = Array.from({ length: 40 }, () => UTTERANCE).join(" ");
    const items = await collect(engine.generate({ utterance: long, seed: 1, steps: 2 }));
    expect(items).toHaveLength(2);
    const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
    const slotted = slotRequest(long, SlotTagger.fromJson(bundle.taggerJson)).text;
    const expected = encodeSlotted(tokenizer, slotted).length - (bundle.manifest.model.request_len as number);
    expect(expected).toBeGreaterThan(0);
    expect(items.every((i) => i.truncatedTokens === expected)).toBe(true);
    // The prompt box's arithmetic gives the same number.
    expect(engine.countTokens(long) - engine.maxUtteranceLen).toBe(expected);
  });

  it("aborts after the 2nd item with an AbortError and leaves no tensors behind", async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: GenerationStep[] = [];
    const run = async (): Promise<void> => {
      for await (const item of engine.generate({ utterance: UTTERANCE, seed: 11, steps: 8 }, controller.signal)) {
        seen.push(item);
        if (seen.length === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects at once on an already aborted signal, and stops cleanly when the consumer breaks", async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    controller.abort();
    await expect(engine.generate({ utterance: UTTERANCE, seed: 1 }, controller.signal).next()).rejects.toMatchObject({
      name: "AbortError",
    });
    for await (const item of engine.generate({ utterance: UTTERANCE, seed: 1, steps: 8 })) {
      expect(item.step).toBe(1);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects an empty request and bad parameters with clear errors", async () => {
    await expect(engine.generate({ utterance: "", seed: 1 }).next()).rejects.toThrow("the request is empty");
    await expect(engine.generate({ utterance: "  \n\t", seed: 1 }).next()).rejects.toThrow("the request is empty");
    await expect(engine.generate({ utterance: "x", seed: 1, steps: 0 }).next()).rejects.toThrow(/steps must be/);
    await expect(engine.generate({ utterance: "x", seed: 1, samples: 1.5 }).next()).rejects.toThrow(/samples must be/);
    await expect(engine.generate({ utterance: "x", seed: Number.NaN }).next()).rejects.toThrow(/seed/);
  });

  it("shows the noisy latent condensing: noise-like at the first step, the final code at the last", async () => {
    const items = await collect(engine.generate({ utterance: UTTERANCE, seed: 21, steps: 12, samples: 3 }));
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last?.done) throw new Error("no items");
    expect(last.samples.every((s) => s.noisy === s.code)).toBe(true);
    // At t = T the latent is almost pure noise: its nearest tokens are not the model's answer.
    expect(first.samples.some((s, i) => s.noisy !== last.samples[i]?.code)).toBe(true);
    const distinct = new Set(items.map((item) => item.samples[0]?.noisy));
    expect(distinct.size).toBeGreaterThanOrEqual(3);
  });

  it("leaves tf.memory().numTensors the same after the 1st and the 20th generation", async () => {
    const counts: number[] = [];
    for (let run = 1; run <= 20; run++) {
      for await (const item of engine.generate({ utterance: UTTERANCE, seed: run, steps: 3 })) void item;
      counts.push(tf.memory().numTensors);
    }
    expect(counts[19]).toBe(counts[0]);
  });

  it("warmUp runs a short generation and leaves nothing behind", async () => {
    const before = tf.memory().numTensors;
    expect(await engine.warmUp()).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("runs a plain bundle (no conditioning): no known requests, no retrieved candidates, finite denoise scores", async () => {
    // The plain model of the cpu preset (--slots false --neighbours 0) keeps its sampler, rank "denoise" included,
    // and its bundle has no conditioning entry: the ranking reads the model at the manifest's sampler.rank_times.
    for (const rank of ["denoise", "votes"] as const) {
      const plain = new Engine(plainBundle({ rank }));
      try {
        const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
        expect(plain.maxUtteranceLen).toBe(bundle.manifest.model.max_utterance_len);
        expect(plain.countTokens(UTTERANCE)).toBe(tokenizer.encode(UTTERANCE).length);
        const before = tf.memory().numTensors;
        const last = finalStep(await collect(plain.generate({ utterance: UTTERANCE, seed: 1, samples: 4 })));
        expect(tf.memory().numTensors).toBe(before);
        expect(last.knownRequests).toEqual([]);
        expect(last.candidates.length).toBeGreaterThan(0);
        expect(last.candidates.length).toBeLessThanOrEqual(4);
        expect(last.candidates.some((c) => c.fromKnownRequest === true)).toBe(false);
        const scores = last.candidates.map((c) => c.score);
        expect(scores.every((x) => Number.isFinite(x) && x >= 0 && x <= 1), `${rank}: ${JSON.stringify(scores)}`).toBe(true);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      } finally {
        plain.dispose();
      }
    }
  });

  it("a disposed engine refuses to generate", async () => {
    const other = new Engine(bundle);
    other.dispose();
    await expect(other.generate({ utterance: UTTERANCE, seed: 1 }).next()).rejects.toThrow(/dispose/);
  });
});
