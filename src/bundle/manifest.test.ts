// The golden bundle written by training/golden.py is readable here: its manifest passes the checks, its shards
// verify, and the tokenizer turns the golden sampling run's ids into the golden codes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSlotted } from "../engine/retrieval";
import { BASE_SLOT_TOKENS, fillSlots, SlotTagger, slotRequest, slotValues, SLOT_TOKENS } from "../lang/slots";
import { createCodeTokenizer, PAD_ID } from "../tokenizer";
import { parseManifest, sha256Hex, verifyShard } from "./manifest";

const GOLDEN = join(__dirname, "..", "..", "testdata", "golden");
const readJson = (name: string): unknown => JSON.parse(readFileSync(join(GOLDEN, name), "utf8"));

interface GoldenArray {
  shape: number[];
  dtype: "float32" | "int32";
  data: string;
}

function int32s(array: GoldenArray): Int32Array {
  const bytes = Buffer.from(array.data, "base64");
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** A fresh, mutable copy of the golden manifest's JSON (loose types: the tests break it on purpose). */
const goldenManifest = (): any => structuredClone(readJson("manifest.json"));

describe("golden bundle", () => {
  const manifest = parseManifest(readJson("manifest.json"));

  it("has a manifest the loader accepts", () => {
    expect(manifest.language).toBe("cf");
    expect(manifest.diffusion.alpha).toHaveLength(manifest.diffusion.T + 1);
    expect(manifest.tensors.some((t) => t.dtype === "int8")).toBe(true);
  });

  it("has shards whose SHA-256 matches, and a corrupt shard is named", async () => {
    for (const shard of manifest.shards) {
      await verifyShard(shard, readFileSync(join(GOLDEN, shard.file)));
    }
    const corrupt = Uint8Array.from(readFileSync(join(GOLDEN, manifest.shards[0].file)));
    corrupt[10] ^= 0xff;
    await expect(verifyShard(manifest.shards[0], corrupt)).rejects.toThrow(/weights-000\.bin is corrupt/);
  });

  it("refuses another format version", () => {
    expect(() => parseManifest({ ...manifest, version: 2 })).toThrow(/version 2 is not supported/);
  });

  it("decodes the golden sampling run's ids, placeholders filled with the request's literals, into the golden codes", () => {
    const golden = readJson("golden.json") as {
      utterance: string;
      slotted: string;
      sampling: { final_ids: GoldenArray; codes: string[] };
    };
    const tokenizer = createCodeTokenizer(readJson(manifest.tokenizer.file));
    // The placeholder ids follow the tokenizer's own: the tokenizer alone cannot read them.
    expect(tokenizer.vocabSize).toBe(manifest.conditioning?.baseVocabSize);
    const slotted = slotRequest(golden.utterance, SlotTagger.fromJson(readJson("tagger.json")));
    expect(slotted.text).toBe(golden.slotted);
    const ids = int32s(golden.sampling.final_ids);
    const [n, length] = golden.sampling.final_ids.shape;
    let placeholders = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(ids.subarray(i * length, (i + 1) * length));
      const end = row.indexOf(PAD_ID);
      const codeIds = end === -1 ? row : row.slice(0, end);
      placeholders += codeIds.filter((id) => id >= tokenizer.vocabSize).length;
      const code = fillSlots(decodeSlotted(tokenizer, codeIds), slotValues(slotted));
      expect(code).toBe(golden.sampling.codes[i]);
      expect(code).not.toMatch(/[⟨⟩]/);
    }
    expect(placeholders).toBeGreaterThan(0); // the run does produce placeholder ids (one the request lacks: "")
  });

  it("accepts a plain bundle (no conditioning, no slots or neighbours), as bundles from before slots were", () => {
    const plain = goldenManifest();
    delete plain.conditioning;
    delete plain.model.slots;
    delete plain.model.neighbours;
    expect(parseManifest(plain).conditioning).toBeUndefined();
  });

  it("refuses placeholder tokens that do not add up to the model's vocabulary", () => {
    const m = goldenManifest();
    m.conditioning.baseVocabSize -= 1;
    expect(() => parseManifest(m)).toThrow(/baseVocabSize plus the placeholder tokens must be model\.vocab_size/);
    const fewer = goldenManifest();
    fewer.conditioning.slotTokens = fewer.conditioning.slotTokens.slice(0, -1);
    expect(() => parseManifest(fewer)).toThrow(/conditioning\.slotTokens/);
    const more = goldenManifest();
    more.model.vocab_size += 1;
    expect(() => parseManifest(more)).toThrow(/must be model\.vocab_size/);
  });

  it("refuses placeholder tokens in another order or another separator than the engine's", () => {
    const reordered = goldenManifest();
    const tokens = reordered.conditioning.slotTokens;
    [tokens[0], tokens[1]] = [tokens[1], tokens[0]];
    expect(tokens).toHaveLength(BASE_SLOT_TOKENS.length);
    expect(() => parseManifest(reordered)).toThrow(/placeholder tokens this app knows/);
    // A model without columns lists the tokens up to the separator; one with columns lists them all.
    const columns = goldenManifest();
    columns.model.columns = true;
    expect(() => parseManifest(columns)).toThrow(/placeholder tokens this app knows/);
    columns.conditioning.slotTokens = [...SLOT_TOKENS];
    columns.model.vocab_size += SLOT_TOKENS.length - BASE_SLOT_TOKENS.length;
    expect(parseManifest(columns).model.columns).toBe(true);
    const separator = goldenManifest();
    separator.conditioning.separator = "⟨sep0⟩";
    expect(() => parseManifest(separator)).toThrow(/placeholder tokens this app knows/);
  });

  it("refuses a model with slots but no tagger, or retrieval but no index, or either without a conditioning entry", () => {
    const noTagger = goldenManifest();
    delete noTagger.conditioning.tagger;
    expect(() => parseManifest(noTagger)).toThrow("manifest.json: a model with slots needs conditioning.tagger");
    // Without slots the tagger is not needed.
    noTagger.model.slots = false;
    expect(() => parseManifest(noTagger)).not.toThrow();

    const noIndex = goldenManifest();
    delete noIndex.conditioning.index;
    expect(() => parseManifest(noIndex)).toThrow("manifest.json: a model with retrieval needs conditioning.index");
    noIndex.model.neighbours = 0;
    expect(() => parseManifest(noIndex)).not.toThrow();

    const slotsOnly = goldenManifest();
    delete slotsOnly.conditioning;
    slotsOnly.model.neighbours = 0;
    expect(() => parseManifest(slotsOnly)).toThrow(/needs a conditioning entry/);
    const retrievalOnly = goldenManifest();
    delete retrievalOnly.conditioning;
    retrievalOnly.model.slots = false;
    expect(() => parseManifest(retrievalOnly)).toThrow(/needs a conditioning entry/);
  });

  it("refuses rank times outside 1..T or fractional, none for a denoise ranking, and accepts both ends", () => {
    const T = manifest.diffusion.T;
    for (const rankTimes of [[0], [T + 1], [300, -1], [1.5], [300, Number.NaN]]) {
      const m = goldenManifest();
      m.sampler.rank_times = rankTimes;
      expect(() => parseManifest(m), JSON.stringify(rankTimes)).toThrow(/sampler\.rank_times must be times in 1\.\.T/);
    }
    const none = goldenManifest();
    none.sampler.rank_times = [];
    expect(() => parseManifest(none)).toThrow(/needs sampler\.rank_times/);
    const ends = goldenManifest();
    ends.sampler.rank_times = [1, T];
    expect(parseManifest(ends).sampler.rank_times).toEqual([1, T]);
  });

  it("refuses an unknown ranking and a negative or fractional pool of retrieved codes", () => {
    const rank = goldenManifest();
    rank.sampler.rank = "loss";
    expect(() => parseManifest(rank)).toThrow(/sampler\.rank "loss"/);
    for (const pool of [-1, 1.5, "3"]) {
      const m = goldenManifest();
      m.sampler.pool_retrieved = pool;
      expect(() => parseManifest(m)).toThrow(/sampler\.pool_retrieved/);
    }
    const zero = goldenManifest();
    zero.sampler.pool_retrieved = 0;
    expect(parseManifest(zero).sampler.pool_retrieved).toBe(0);
  });

  it("reads retrieve and edit's sampler.edit_samples and edit_t0, and refuses them malformed", () => {
    for (const count of [-1, 1.5, "2"]) {
      const m = goldenManifest();
      m.sampler.edit_samples = count;
      expect(() => parseManifest(m)).toThrow(/sampler\.edit_samples must be a whole number/);
    }
    for (const t0 of [undefined, 0, 1201, 2.5]) {
      const m = goldenManifest();
      m.sampler.edit_samples = 2;
      m.sampler.edit_t0 = t0;
      expect(() => parseManifest(m)).toThrow(/sampler\.edit_samples needs sampler\.edit_t0/);
    }
    const edit = goldenManifest();
    edit.sampler.edit_samples = 2;
    edit.sampler.edit_t0 = 600;
    expect(parseManifest(edit).sampler).toMatchObject({ edit_samples: 2, edit_t0: 600 });
    const off = goldenManifest();
    off.sampler.edit_samples = 0;
    off.sampler.edit_t0 = 0; // not read when no sample starts from a known code
    expect(parseManifest(off).sampler.edit_samples).toBe(0);
  });

  it("refuses rank \"channel\" without its settings or its channel table, and accepts it with them", () => {
    const channel = (): ReturnType<typeof goldenManifest> => {
      const m = goldenManifest();
      m.sampler.rank = "channel";
      m.sampler.channel_scan = 100;
      m.sampler.channel_similarity = 0.01;
      m.conditioning.channel = { file: "channel.json", byteLength: 10, sha256: "0".repeat(64) };
      return m;
    };
    expect(parseManifest(channel()).sampler.rank).toBe("channel");
    for (const [key, value] of [["channel_scan", 0], ["channel_scan", 2.5], ["channel_similarity", "0.01"]] as const) {
      const m = channel();
      m.sampler[key] = value;
      expect(() => parseManifest(m), `${key} ${value}`).toThrow(/needs sampler\.channel_scan/);
    }
    const noTable = channel();
    delete noTable.conditioning.channel;
    expect(() => parseManifest(noTable)).toThrow(/needs conditioning\.index and conditioning\.channel/);
  });

  it("computes SHA-256 like everyone else", async () => {
    expect(await sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});
