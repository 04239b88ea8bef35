// The browser tokenizer gives exactly the Python ids: the fixtures (testdata/tokenizer/<language>.json, written by
// `python3 -m training.tokenizer --language all --write-fixtures`) hold every test utterance and test code of the
// CodeFusion split with the ids of training/tokenizer.py, plus hand-made probes and decode cases.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Tokenizer } from "@huggingface/tokenizers";
import { BYTE_OFFSET, MASK_ID, PAD_ID, createCodeTokenizer } from "./index";

const LANGUAGES = ["bash", "python", "cf"] as const;

type Case = [string, number[]];
interface Fixture {
  language: string;
  tokenizer: string;
  vocab_size: number;
  utterances: Case[];
  codes: Case[];
  probes: Case[];
  decode: [number[], string][];
}

function readJson(relativeToRoot: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../${relativeToRoot}`, import.meta.url)), "utf8"));
}

/** The cases whose ids differ from the expected ones, as [text, got, expected] (empty when all agree). */
function mismatches(cases: Case[], encode: (text: string) => number[]): [string, number[], number[]][] {
  const bad: [string, number[], number[]][] = [];
  for (const [text, expected] of cases) {
    const got = encode(text);
    if (got.length !== expected.length || got.some((id, i) => id !== expected[i])) bad.push([text, got, expected]);
  }
  return bad;
}

const hasLoneSurrogate = (text: string): boolean => /\p{Surrogate}/u.test(text);

describe.each(LANGUAGES)("%s tokenizer", (language) => {
  const json = readJson(`training/tokenizers/${language}.json`);
  const fixture = readJson(`testdata/tokenizer/${language}.json`) as Fixture;
  const tokenizer = createCodeTokenizer(json);

  it("has the fixture's vocabulary size and the fixed special ids", () => {
    expect(fixture.language).toBe(language);
    expect(tokenizer.vocabSize).toBe(fixture.vocab_size);
    expect(tokenizer.padId).toBe(PAD_ID);
    expect(tokenizer.maskId).toBe(MASK_ID);
    expect([PAD_ID, MASK_ID]).toEqual([0, 1]);
    expect(tokenizer.idToToken(0)).toBe("<|pad|>");
    expect(tokenizer.idToToken(1)).toBe("<|mask|>");
    expect(tokenizer.idToToken(BYTE_OFFSET + 0x61)).toBe("a");
    expect(tokenizer.idToToken(BYTE_OFFSET + 0x20)).toBe("Ġ");
  });

  it("gives the Python ids on every test utterance", () => {
    expect(fixture.utterances.length).toBeGreaterThan(0);
    expect(mismatches(fixture.utterances, tokenizer.encode)).toEqual([]);
  });

  it("gives the Python ids on every test code", () => {
    expect(fixture.codes.length).toBeGreaterThan(0);
    expect(mismatches(fixture.codes, tokenizer.encode)).toEqual([]);
  });

  it("gives the Python ids on the probes (unicode, whitespace, digits, special-token look-alikes)", () => {
    expect(mismatches(fixture.probes, tokenizer.encode)).toEqual([]);
  });

  it("agrees with the full tokenizers.js pipeline (Tokenizer.encode) on all test texts", () => {
    const hf = new Tokenizer(json as object, { clean_up_tokenization_spaces: false });
    const full = (text: string): number[] => hf.encode(text, { add_special_tokens: false }).ids;
    expect(mismatches(fixture.utterances, full)).toEqual([]);
    expect(mismatches(fixture.codes, full)).toEqual([]);
    // The only difference: Tokenizer.encode turns a literal "<|pad|>" into the special id, our encode does not.
    const ordinaryProbes = fixture.probes.filter(([text]) => !text.includes("<|"));
    expect(mismatches(ordinaryProbes, full)).toEqual([]);
    expect(full("<|pad|>")).toEqual([PAD_ID]);
  });

  it("round-trips every test code and utterance: decode(encode(x)) == x", () => {
    const texts = [...fixture.codes, ...fixture.utterances, ...fixture.probes].map(([text]) => text);
    const bad = texts.filter((text) => !hasLoneSurrogate(text) && tokenizer.decode(tokenizer.encode(text)) !== text);
    expect(bad).toEqual([]);
    // A lone surrogate cannot be UTF-8: it comes back as U+FFFD (the Python encoder does the same).
    expect(tokenizer.decode(tokenizer.encode("a\ud800b"))).toBe("a\ufffdb");
  });

  it("decodes like Python: specials skipped, broken UTF-8 replaced", () => {
    const bad = fixture.decode.filter(([ids, text]) => tokenizer.decode(ids) !== text);
    expect(bad).toEqual([]);
    expect(tokenizer.decode([])).toBe("");
    expect(tokenizer.decode([PAD_ID, MASK_ID, PAD_ID])).toBe("");
  });

  it("never produces a special id from text", () => {
    const texts = [...fixture.codes, ...fixture.utterances, ...fixture.probes].map(([text]) => text);
    const withSpecial = texts.filter((text) => tokenizer.encode(text).some((id) => id < BYTE_OFFSET));
    expect(withSpecial).toEqual([]);
    expect(tokenizer.encode("<|pad|><|mask|>")).not.toContain(PAD_ID);
    expect(tokenizer.decode(tokenizer.encode("<|pad|><|mask|>"))).toBe("<|pad|><|mask|>");
  });

  it("rejects ids outside the vocabulary", () => {
    expect(() => tokenizer.decode([tokenizer.vocabSize])).toThrow(RangeError);
    expect(() => tokenizer.decode([-1])).toThrow(RangeError);
    expect(() => tokenizer.decode([1.5])).toThrow(RangeError);
  });
});

describe("createCodeTokenizer", () => {
  const json = readJson("training/tokenizers/cf.json") as Record<string, unknown>;

  it("refuses a tokenizer.json that would add tokens or change the text", () => {
    expect(() => createCodeTokenizer({ ...json, post_processor: { type: "ByteLevel" } })).toThrow(/post_processor/);
    expect(() => createCodeTokenizer({ ...json, normalizer: { type: "NFC" } })).toThrow(/normalizer/);
    expect(() => createCodeTokenizer(null)).toThrow();
  });

  it("uses no BOS/EOS: an empty text has no ids", () => {
    expect(createCodeTokenizer(json).encode("")).toEqual([]);
  });
});
