// The per-language code tokenizer in the browser: a thin typed wrapper over @huggingface/tokenizers that loads the
// tokenizer.json written by training/tokenizer.py and gives exactly the ids of the Python encoder
// (checked against the fixtures in testdata/tokenizer/ by tokenizer.test.ts). Design: docs/tokenizer.md.
import { Tokenizer } from "@huggingface/tokenizers";

/** Padding and end of code. */
export const PAD_ID = 0;
/** Masked identifier (pre-training only). */
export const MASK_ID = 1;
export const PAD_TOKEN = "<|pad|>";
export const MASK_TOKEN = "<|mask|>";
/** Ids below this are special tokens; the byte b has id BYTE_OFFSET + b. */
export const BYTE_OFFSET = 2;

export interface CodeTokenizer {
  /** Ids of `text`: never PAD_ID or MASK_ID, not even for text that spells "<|pad|>"; no BOS/EOS. */
  encode(text: string): number[];
  /** Text of `ids`, special tokens skipped; invalid UTF-8 becomes U+FFFD. Throws on an id outside the vocabulary. */
  decode(ids: readonly number[]): string;
  readonly padId: number;
  readonly maskId: number;
  readonly vocabSize: number;
  /** The token string (GPT-2 byte alphabet) of an id, for debugging. */
  idToToken(id: number): string;
}

/** What tokenizers.js needs besides tokenizer.json: keep decoded text exactly as it is. */
const TOKENIZER_CONFIG = { clean_up_tokenization_spaces: false } as const;

function expectObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`tokenizer.json: ${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Check that `json` is the kind of tokenizer this project writes, so that tokenizers.js reproduces the Python ids:
 * BPE over a Split + ByteLevel pre-tokenizer, no normalizer, no post-processor, specials at ids 0 and 1.
 */
function checkTokenizerJson(json: unknown): Record<string, unknown> {
  const root = expectObject(json, "the file");
  if (root.normalizer !== null || root.post_processor !== null) {
    throw new Error("tokenizer.json: expected no normalizer and no post_processor");
  }
  const model = expectObject(root.model, "model");
  if (model.type !== "BPE" || model.ignore_merges === true || model.byte_fallback === true) {
    throw new Error("tokenizer.json: expected a plain BPE model");
  }
  const pre = expectObject(root.pre_tokenizer, "pre_tokenizer");
  const steps = pre.pretokenizers;
  if (pre.type !== "Sequence" || !Array.isArray(steps) || steps.length !== 2) {
    throw new Error("tokenizer.json: expected a Sequence of two pre-tokenizers");
  }
  const split = expectObject(steps[0], "pre_tokenizer 0");
  const byteLevel = expectObject(steps[1], "pre_tokenizer 1");
  // tokenizers.js treats a missing `invert` as false, but only "Isolated" reproduces the Python splitting.
  if (split.type !== "Split" || split.behavior !== "Isolated" || split.invert === true) {
    throw new Error("tokenizer.json: expected a Split pre-tokenizer with behavior Isolated");
  }
  if (byteLevel.type !== "ByteLevel" || byteLevel.add_prefix_space === true || byteLevel.use_regex !== false) {
    throw new Error("tokenizer.json: expected ByteLevel with add_prefix_space false and use_regex false");
  }
  const decoder = expectObject(root.decoder, "decoder");
  if (decoder.type !== "ByteLevel") throw new Error("tokenizer.json: expected a ByteLevel decoder");
  return root;
}

/** Build the tokenizer of one language from its parsed tokenizer.json (training/tokenizers/<language>.json). */
export function createCodeTokenizer(tokenizerJson: unknown): CodeTokenizer {
  const json = checkTokenizerJson(tokenizerJson);
  const hf = new Tokenizer(json, TOKENIZER_CONFIG);
  const preTokenizer = hf.pre_tokenizer;
  const model = hf.model;
  if (preTokenizer === null || model === null) throw new Error("tokenizer.json: no pre-tokenizer or model");
  const vocab = hf.get_vocab(true);
  const vocabSize = vocab.size;
  for (let id = 0; id < vocabSize; id++) {
    if (hf.id_to_token(id) === undefined) throw new Error(`tokenizer.json: ids must be 0..${vocabSize - 1}`);
  }
  if (hf.id_to_token(PAD_ID) !== PAD_TOKEN || hf.id_to_token(MASK_ID) !== MASK_TOKEN) {
    throw new Error(`tokenizer.json: ids ${PAD_ID} and ${MASK_ID} must be ${PAD_TOKEN} and ${MASK_TOKEN}`);
  }

  const checkId = (id: number): void => {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`token id ${id} is outside the vocabulary (size ${vocabSize})`);
    }
  };

  return {
    encode(text: string): number[] {
      // Pre-tokenizer and BPE model only: Tokenizer.encode would first cut out any literal "<|pad|>"/"<|mask|>"
      // and turn it into a special id. With no normalizer and no post-processor this is otherwise the same path.
      const tokens = model.encode(preTokenizer.pre_tokenize(text));
      return tokens.map((token) => {
        const id = model.tokens_to_ids.get(token);
        if (id === undefined) throw new Error(`token ${JSON.stringify(token)} is not in the vocabulary`);
        return id;
      });
    },
    decode(ids: readonly number[]): string {
      const kept: number[] = [];
      for (const id of ids) {
        checkId(id);
        if (id >= BYTE_OFFSET) kept.push(id);
      }
      // tokenizers.js refuses an empty list.
      if (kept.length === 0) return "";
      return hf.decode(kept, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
    },
    padId: PAD_ID,
    maskId: MASK_ID,
    vocabSize,
    idToToken(id: number): string {
      checkId(id);
      return hf.id_to_token(id) ?? "";
    },
  };
}
