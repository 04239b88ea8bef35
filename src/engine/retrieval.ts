// Retrieval conditioning: the encoder reads the request plus the code of its most similar known requests. This
// file mirrors the inference half of training/retrieval.py (the index is built in Python and shipped in the
// bundle as index.json); testdata/retrieval/cases.json (written by `/usr/bin/python3 -m training.shared_cases`)
// proves in retrieval.test.ts that both find the same neighbours and build the same encoder input.
//
// Similarity is TF-IDF cosine over lower-cased ASCII words, smooth idf ln((1 + n) / (1 + df)) + 1, all in
// float64 and summed in Python's order, then rounded to 1e-9 as np.round does, so that equal scores tie the same
// way on both sides. What cannot be the same: the idf's log. V8's Math.log and glibc's log (which CPython calls;
// itself one of several builds, picked by CPU: SSE2, FMA, FMA4) disagree in the last bit for about 3% of the
// arguments (1 + n) / (1 + df), so an unrounded score may differ by an ulp or so; "than" in
// testdata/retrieval/index.json is such a word. Only a score within that of a 1e-9 rounding boundary (a chance of
// about 1e-7) can then round the other way; every rounded score of the shared vectors is identical.
import type { CodeTokenizer } from "../tokenizer";
import {
  COLUMN_KIND,
  SEP,
  SLOT_TOKENS,
  type SlotTagger,
  type Slotted,
  fillSlots,
  placeholderMatches,
  neutralise,
  slotCode,
  slotRequest,
  slotToken,
  slotValues,
} from "../lang/slots";
import { type LiteralContext, type LiteralLanguage, ownLiterals } from "../lang/literals";
import { normalizeWhitespace } from "../lang/whitespace";
import { type Channel, rankCodes } from "./channel";
import { indexWords, round9 } from "./words";

export { indexWords } from "./words";

/** How an index reads its entries and its queries (index.json's "query"; Python's QUERY_MODES). */
export const QUERY_MODES = ["words", "template"] as const;
export type QueryMode = (typeof QUERY_MODES)[number];

function isQueryMode(value: unknown): value is QueryMode {
  return QUERY_MODES.some((mode) => mode === value);
}

/**
 * What retrieval compares. "words": the request as written (its literals are strong evidence) plus one word per
 * placeholder kind (num, str, ... sep), so that the template counts too. "template": the slotted request alone
 * (where literals are noise, as CoNaLa's variable names).
 */
export function queryText(utterance: string, slotted: string, mode: QueryMode = "words"): string {
  if (mode === "template") return slotted;
  // Python raises ValueError on an unknown mode; the type forbids one here, but a caller may cast.
  if (mode !== "words") throw new Error(`unknown query mode ${JSON.stringify(mode)}; expected one of ${QUERY_MODES}`);
  return utterance + " " + placeholderMatches(slotted).map((m) => m[1] ?? "sep").join(" ");
}

export interface RetrievalEntry {
  /** As written (shown in the app as a similar known request). */
  readonly utterance: string;
  /** As written. */
  readonly code: string;
  readonly slottedUtterance: string;
  readonly slottedCode: string;
  /** The table's column names, for a pair that names a column (CF); absent otherwise. */
  readonly header?: readonly string[];
}

/** Python's Counter of the words: word -> count, in order of first appearance. */
function countWords(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

type IndexRow = [string, string, string, string] | [string, string, string, string, string[]];

/** Four strings, then (for a pair that names a column) its table's header. */
function isIndexRow(row: unknown): row is IndexRow {
  if (!Array.isArray(row) || (row.length !== 4 && row.length !== 5)) return false;
  const header = row[4] as unknown;
  return (
    row.slice(0, 4).every((cell) => typeof cell === "string") &&
    (row.length === 4 || (Array.isArray(header) && header.every((cell) => typeof cell === "string")))
  );
}

export class RetrievalIndex {
  readonly entries: readonly RetrievalEntry[];
  /** How entries (and so queries) are read: queryText(..., query). */
  readonly query: QueryMode;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly idf: Float64Array;
  /** Per term: the documents that hold it and their weight in it (tf-idf over the document's norm). */
  private readonly postDocs: Int32Array[];
  private readonly postWeights: Float64Array[];

  constructor(entries: readonly RetrievalEntry[], query: QueryMode = "words") {
    if (entries.length === 0) throw new Error("nothing to index");
    this.entries = [...entries];
    this.query = query;
    const counts = this.entries.map((entry) =>
      countWords(indexWords(queryText(entry.utterance, entry.slottedUtterance, query))),
    );
    const df = new Map<string, number>();
    for (const c of counts) for (const word of c.keys()) df.set(word, (df.get(word) ?? 0) + 1);
    const n = this.entries.length;
    // Python's sorted(): code-point order, the same as the default sort for these ASCII words.
    const words = [...df.keys()].sort();
    this.vocab = new Map(words.map((word, i) => [word, i]));
    this.idf = Float64Array.from(words, (word) => Math.log((1 + n) / (1 + (df.get(word) ?? 0))) + 1);
    const postings: [doc: number, weight: number][][] = words.map(() => []);
    counts.forEach((c, doc) => {
      const weights = this.termWeights(c);
      const norm = Math.sqrt(weights.reduce((sum, [, v]) => sum + v * v, 0));
      for (const [term, v] of weights) postings[term].push([doc, v / norm]);
    });
    this.postDocs = postings.map((p) => Int32Array.from(p, ([doc]) => doc));
    this.postWeights = postings.map((p) => Float64Array.from(p, ([, weight]) => weight));
  }

  /** The index of a bundle's index.json: {"version": 1, "query": "words" | "template" (absent: "words"),
   * "entries": [[utterance, code, slotted utterance, slotted code(, header)], ...]}. */
  static fromJson(json: unknown): RetrievalIndex {
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new Error("index.json: expected an object");
    }
    const { version, query = "words", entries } = json as Record<string, unknown>;
    // Python does not read the version; refusing another one keeps a future format from being misread.
    if (version !== 1) throw new Error(`index.json: unknown version ${JSON.stringify(version)}`);
    if (!isQueryMode(query)) throw new Error(`index.json: unknown query mode ${JSON.stringify(query)}`);
    if (!Array.isArray(entries) || !entries.every(isIndexRow)) {
      throw new Error("index.json: entries must be rows of four strings (and a header's column names)");
    }
    return new RetrievalIndex(
      entries.map(([utterance, code, slottedUtterance, slottedCode, header]) => ({
        utterance,
        code,
        slottedUtterance,
        slottedCode,
        ...(header ? { header } : {}),
      })),
      query,
    );
  }

  /** (term, tf * idf) of the known words, in order of first appearance. */
  private termWeights(counts: ReadonlyMap<string, number>): [term: number, weight: number][] {
    const weights: [number, number][] = [];
    for (const [word, tf] of counts) {
      const term = this.vocab.get(word);
      if (term !== undefined) weights.push([term, tf * this.idf[term]]);
    }
    return weights;
  }

  /** Cosine of a queryText(..., this.query) to every entry; query terms are summed in order of first appearance. */
  scores(query: string): Float64Array {
    const weights = this.termWeights(countWords(indexWords(query)));
    // Left to right, as CPython 3.11's sum() (3.12 compensates; the vectors are 3.11's).
    const norm = Math.sqrt(weights.reduce((sum, [, v]) => sum + v * v, 0));
    const out = new Float64Array(this.entries.length);
    if (norm === 0) return out;
    for (const [term, v] of weights) {
      const share = v / norm;
      const docs = this.postDocs[term];
      const docWeights = this.postWeights[term];
      for (let j = 0; j < docs.length; j++) out[docs[j]] += share * docWeights[j];
    }
    return out;
  }

  /** The n entries most similar to a queryText(..., this.query), [entry index, score] best first (ties: lower
   * index), every entry (also those with the same code: rank "channel" reads the codes as written). */
  mostSimilar(query: string, n: number): [number, number][] {
    return this.ranked(query).slice(0, n);
  }

  /** Up to k [entry index, score] for a queryText(..., this.query), best first (ties: lower index), distinct
   * slotted codes; never `exclude`. */
  neighbours(query: string, k: number, exclude = -1): [number, number][] {
    const out: [number, number][] = [];
    const seen = new Set<string>();
    for (const [i, score] of this.ranked(query, exclude)) {
      if (score < 0) break;
      const key = normalizeWhitespace(this.entries[i].slottedCode);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push([i, score]);
      if (out.length === k) break;
    }
    return out;
  }

  /** Every entry as [index, score rounded to 1e-9], best first, ties by index; `exclude` scores -1. */
  private ranked(query: string, exclude = -1): [number, number][] {
    const scores = this.scores(query).map(round9);
    if (exclude >= 0 && exclude < scores.length) scores[exclude] = -1;
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
    return order.map((i) => [i, scores[i]]);
  }
}

// ------------------------------------------------------------------------------------------- the encoder input

/** The id of a placeholder token: after the tokenizer's own ids. Python's tuple.index raises on an unknown one
 * (a request that spells "⟨num7⟩"); so does this. */
function placeholderId(tok: CodeTokenizer, token: string): number {
  const position = SLOT_TOKENS.indexOf(token);
  if (position < 0) throw new Error(`${JSON.stringify(token)} is not a slot token`);
  return tok.vocabSize + position;
}

/** Token ids of text with placeholders: BPE between them, one id each (tok.vocabSize + position in SLOT_TOKENS). */
export function encodeSlotted(tok: CodeTokenizer, text: string): number[] {
  const ids: number[] = [];
  let prev = 0;
  for (const m of placeholderMatches(text)) {
    const start = m.index ?? 0;
    if (start > prev) ids.push(...tok.encode(text.slice(prev, start)));
    ids.push(placeholderId(tok, m[0]));
    prev = start + m[0].length;
  }
  if (prev < text.length) ids.push(...tok.encode(text.slice(prev)));
  return ids;
}

/** Text of ids that may hold placeholder ids (the inverse of encodeSlotted). */
export function decodeSlotted(tok: CodeTokenizer, ids: readonly number[]): string {
  const out: string[] = [];
  let run: number[] = [];
  for (const id of ids) {
    if (id >= tok.vocabSize) {
      const token = SLOT_TOKENS[id - tok.vocabSize];
      if (token === undefined) throw new RangeError(`token id ${id} is beyond the slot tokens`);
      out.push(tok.decode(run), token);
      run = [];
    } else {
      run.push(id);
    }
  }
  out.push(tok.decode(run));
  return out.join("");
}

/** request ⟨sep⟩ code 1 ⟨sep⟩ code 2 ..., the request cut to requestLen tokens, the whole to maxLen. */
export function encoderInput(
  tok: CodeTokenizer,
  slottedRequest: string,
  neighbourCodes: readonly string[],
  maxLen: number,
  requestLen: number,
): number[] {
  const sep = placeholderId(tok, SEP);
  // slice, like Python's slice, counts a negative bound from the end.
  let ids = encodeSlotted(tok, slottedRequest).slice(0, requestLen);
  for (const code of neighbourCodes) ids = [...ids, sep, ...encodeSlotted(tok, code)];
  return ids.slice(0, maxLen);
}

/** A request made ready for the model: its slots, its neighbours and the encoder's input ids. Plain data, so it
 * can cross a worker boundary; fillPrepared() puts its literals back into a decoded code. */
export interface Prepared {
  readonly slotted: Slotted;
  /** [entry index, score], best first. */
  readonly neighbours: readonly (readonly [number, number])[];
  readonly inputIds: readonly number[];
  /** What the request gives (literals.ts), for a conditioner that knows its language; absent: literals are not
   * checked (Python's Prepared.literals None). */
  readonly literals?: LiteralContext;
}

/** A known code shown as written (ranks "retrieval-first" and "channel"), with the index entry it is taken from and
 * that entry's similarity to the request. */
export interface KnownCode {
  readonly code: string;
  readonly entry: number;
  readonly similarity: number;
}

/** The decoded code with the request's literals in place of its placeholders (Python's Prepared.fill). With
 * `literals`: a placeholder the request has no literal for shows as {{text}}, {{number}}, ..., and so does every
 * literal the request does not give. */
export function fillPrepared(prepared: Prepared, code: string): string {
  if (!prepared.literals) return fillSlots(code, slotValues(prepared.slotted));
  return ownLiterals(prepared.literals, fillSlots(code, slotValues(prepared.slotted), true));
}

/** A known code as written, with every literal the request does not give as a placeholder (Python's Prepared.own). */
export function ownPrepared(prepared: Prepared, code: string): string {
  return prepared.literals ? ownLiterals(prepared.literals, code) : code;
}

export interface ConditionerOptions {
  readonly tokenizer: CodeTokenizer;
  /** null: rules only (no val slots). */
  readonly tagger: SlotTagger | null;
  /** null: no retrieval. */
  readonly index: RetrievalIndex | null;
  /** How many neighbours' codes the encoder reads. */
  readonly neighbours: number;
  /** The encoder's input length (max_utterance_len). */
  readonly maxLen: number;
  /** At most this many tokens of the request itself. */
  readonly requestLen: number;
  readonly useSlots: boolean;
  /** The model knows column slots (a CF model trained with column pairs): a request's header is used. */
  readonly columns?: boolean;
  /** The channel table of rank "channel" (channel.ts); absent otherwise. */
  readonly channel?: Channel;
  /** Candidates carry only the request's literals (literals.ts; the tagger's stopwords are the language's own
   * words). Absent: not checked, and a known code's slots the request does not fill keep the known request's
   * literals (Python's language None). */
  readonly language?: LiteralLanguage;
}

/** Slots + retrieval + the encoder input, as training/retrieval.py's Conditioner. With neither slots nor
 * retrieval the input is the request's BPE ids. */
export class Conditioner {
  /** The tagger's stopwords, lower case (built on first use). */
  private languageWords: readonly string[] | null = null;

  constructor(private readonly options: ConditionerOptions) {}

  /** `header`: the column names of the table the request is about (CF), or null. */
  prepare(utterance: string, exclude = -1, header: readonly string[] | null = null): Prepared {
    const { tokenizer, tagger, index, neighbours: k, maxLen, requestLen, useSlots, columns } = this.options;
    // A model without column slots never sees a header; without slots the user's own ⟨ ⟩ never become ids.
    const slotted: Slotted = useSlots
      ? slotRequest(utterance, tagger, columns ? header : null)
      : { text: neutralise(utterance), slots: [] };
    const found =
      index !== null && k > 0 ? index.neighbours(queryText(utterance, slotted.text, index.query), k, exclude) : [];
    const entries = index?.entries ?? [];
    // Without slots the encoder reads the codes as written (and slotted.text is the utterance itself).
    const codes = found.map(([i]) => (useSlots ? entries[i].slottedCode : neutralise(entries[i].code)));
    const ids = encoderInput(tokenizer, slotted.text, codes, maxLen, requestLen);
    const { language } = this.options;
    if (language === undefined) return { slotted, neighbours: found, inputIds: ids.length > 0 ? ids : [0] };
    this.languageWords ??= [...new Set([...(tagger?.stopwords ?? [])].map((w) => w.toLowerCase()))];
    const literals: LiteralContext = { language, request: utterance, languageWords: this.languageWords };
    return { slotted, neighbours: found, inputIds: ids.length > 0 ? ids : [0], literals };
  }

  /** The training target's ids: the code with the request's literals in slots. */
  codeIds(code: string, slotted: Slotted): number[] {
    return encodeSlotted(this.options.tokenizer, this.options.useSlots ? slotCode(code, slotted.slots) : neutralise(code));
  }

  /** Rank "channel": the codes, as written, of the `scan` known requests most similar to this one, ordered by the
   * channel's score (rankCodes), the best `count` (Python's channel_candidates, which gives the codes alone); each
   * with the known request it is taken from, the most similar one with that code (rankCodes keeps that place). */
  channelCandidates(prepared: Prepared, utterance: string, count: number, scan: number, similarityWeight: number): KnownCode[] {
    const { index, channel } = this.options;
    if (index === null || channel === undefined) {
      throw new Error('rank "channel" needs a retrieval index and a channel table (channel.json)');
    }
    const found = index.mostSimilar(queryText(utterance, prepared.slotted.text, index.query), scan);
    const firstOf = new Map<string, readonly [number, number]>();
    const codes = found.map(([i]) => this.knownCode(prepared, index.entries[i] as RetrievalEntry));
    found.forEach((hit, j) => {
      const key = normalizeWhitespace(codes[j] as string);
      if (!firstOf.has(key)) firstOf.set(key, hit);
    });
    const ranked = rankCodes(channel, utterance, found.map(([, similarity], j) => [codes[j] as string, similarity] as const), similarityWeight);
    return ranked.slice(0, count).map(([code]) => {
      const [entry, similarity] = firstOf.get(normalizeWhitespace(code)) as readonly [number, number];
      return { code, entry, similarity };
    });
  }

  /** A known code as rank "channel" offers it (Python's Conditioner.known_code): as written; with the request's
   * `literals`, the known code's literals become the request's slots (its slotted code filled with this request's
   * literals: `wc -l ⟨file0⟩` -> `wc -l access.log`), and what the request does not fill shows as {{file}}, .... */
  knownCode(prepared: Prepared, entry: RetrievalEntry): string {
    if (!prepared.literals) return entry.code;
    return this.options.useSlots ? fillPrepared(prepared, entry.slottedCode) : ownPrepared(prepared, entry.code);
  }

  /** The codes, as written, of the best `count` neighbours (rank "retrieval-first"), each with its neighbour; with
   * the request's `literals`, every literal the request does not give is a placeholder (ownPrepared). */
  writtenCandidates(prepared: Prepared, utterance: string, count: number): KnownCode[] {
    return this.found(prepared, utterance, count).map(([entry, similarity]) => ({
      code: ownPrepared(prepared, (this.options.index as RetrievalIndex).entries[entry].code),
      entry,
      similarity,
    }));
  }

  /** The best `count` neighbours: the request's own, fetched again when it read fewer (and, as in Python, without
   * `exclude`, which only training uses). */
  private found(prepared: Prepared, utterance: string, count: number): readonly (readonly [number, number])[] {
    const { index } = this.options;
    if (index === null) return [];
    const found = prepared.neighbours;
    if (found.length >= count) return found.slice(0, count);
    return index.neighbours(queryText(utterance, prepared.slotted.text, index.query), count);
  }

  /** The known codes a sample may start from (retrieve and edit; Python's known_starts): the index entry and the ids
   * (cut to codeLen, padded with 0) of the best `count` neighbours, in retrieval order, each neighbour's slotted code
   * as the encoder reads it (its placeholders numbered as in its own request; the request's literals fill them when
   * the sample is decoded). */
  knownStarts(prepared: Prepared, utterance: string, count: number, codeLen: number): { entry: number; ids: number[] }[] {
    const { tokenizer, index, useSlots } = this.options;
    if (index === null || count <= 0) return [];
    return this.found(prepared, utterance, count).map(([entry]) => {
      const known = index.entries[entry];
      const ids = encodeSlotted(tokenizer, useSlots ? known.slottedCode : neutralise(known.code)).slice(0, codeLen);
      return { entry, ids: [...ids, ...new Array<number>(codeLen - ids.length).fill(0)] };
    });
  }

  /** The codes of the best `count` neighbours with this request's literals filled into their slots: the
   * retrieve-and-fill candidates that join the model's own samples in the ranked pool (Python's as_written=True is
   * writtenCandidates). */
  retrievedCandidates(prepared: Prepared, utterance: string, count: number): string[] {
    const { tagger, index, useSlots } = this.options;
    if (index === null) return [];
    return this.found(prepared, utterance, count).map(([i]) => {
      const entry = index.entries[i];
      if (prepared.literals) return this.knownCode(prepared, entry);
      if (!useSlots) return entry.code;
      // The neighbour's own literals fill what this request lacks, but never its columns: those belong to the
      // neighbour's table (fillSlots then drops the column argument).
      const own = slotRequest(entry.utterance, tagger, entry.header ?? null)
        .slots.filter((slot) => slot.kind !== COLUMN_KIND)
        .map((slot): [string, string] => [slotToken(slot), slot.text]);
      const values = new Map([...own, ...slotValues(prepared.slotted)]);
      return fillSlots(entry.slottedCode, values);
    });
  }

}
