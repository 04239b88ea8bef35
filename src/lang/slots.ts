// Literal slots: the request's literals become typed placeholders (one token each) and are filled back after
// decoding. This file mirrors training/slots.py rule for rule; testdata/slots/cases.json (written by
// `/usr/bin/python3 -m training.shared_cases`) proves it in slots.test.ts. Why slots exist and what each kind
// means: see the docstring of training/slots.py.
//
// Python and JavaScript differ in three ways that matter here, and this file undoes each:
//  - Python's `re` is Unicode-aware for str patterns: `\w` is str.isalnum() or "_", `\d` is any decimal digit,
//    `\s` is str.isspace(). JavaScript's are ASCII-only (and its `\s` is a different set), so the classes below
//    spell out Python's sets. Checked over every code point against CPython 3.11 (Unicode 14): identical for
//    every character Unicode 14 assigns; Node's newer Unicode also counts characters assigned after 14.
//  - Python indexes strings by code point, JavaScript by UTF-16 unit. All regexes use the `u` flag (so a class,
//    `.` and `{1,80}` see code points), positions are UTF-16 inside this file, and the public spans (the tagger's)
//    are code-point offsets like Python's.
//  - Python's `$` (without MULTILINE) also matches before a final newline: PY_END below.

/** Slot kinds, in the order that numbers SLOT_TOKENS (before SEP). */
export const SLOT_KINDS = ["str", "var", "path", "file", "num", "val"] as const;
/** A column of the request's table (CF): its tokens come after SEP, so models without columns keep their ids. */
export const COLUMN_KIND = "col";
export type SlotKind = (typeof SLOT_KINDS)[number] | typeof COLUMN_KIND;
/** At most this many slots of one kind per request; later new literals of that kind stay as written. */
export const MAX_PER_KIND = 4;
/** Separates the request from the retrieved code in the encoder's input (src/engine/retrieval.ts). */
export const SEP = "⟨sep⟩";
/** Every placeholder token, then SEP, then the column placeholders; a token's id is tokenizer.vocabSize + its
 * position here. */
export const SLOT_TOKENS: readonly string[] = [
  ...SLOT_KINDS.flatMap((kind) => Array.from({ length: MAX_PER_KIND }, (_, i) => `⟨${kind}${i}⟩`)),
  SEP,
  ...Array.from({ length: MAX_PER_KIND }, (_, i) => `⟨${COLUMN_KIND}${i}⟩`),
];
/** The placeholders of a model without columns: SLOT_TOKENS up to SEP (a bundle lists its own in the manifest). */
export const BASE_SLOT_TOKENS: readonly string[] = SLOT_TOKENS.slice(0, SLOT_TOKENS.indexOf(SEP) + 1);

/** Python's `\w` inside a character class. */
const W = String.raw`\p{L}\p{N}_`;
/** Python's `\s` (= str.isspace()) inside a character class; JavaScript's `\s` adds U+FEFF and lacks U+001C..1F. */
const S = String.raw`\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
/** Python's `$` without MULTILINE: the end, or just before a newline that ends the text. */
const PY_END = String.raw`(?=\n?$)`;

/**
 * A placeholder (or SEP) as Python's PLACEHOLDER matches it. Not global, so test/exec keep no state; use
 * placeholderMatches() to find them all. Its digit runs 0..MAX_PER_KIND−1, so it matches exactly SLOT_TOKENS.
 */
export const PLACEHOLDER = new RegExp(`⟨(str|var|path|file|num|val|col)([0-${MAX_PER_KIND - 1}])⟩|⟨sep⟩`, "u");

/** A request or code never brings its own placeholders: ⟨ and ⟩ become < and > (same length, same offsets). */
export function neutralise(text: string): string {
  return text.replaceAll("⟨", "<").replaceAll("⟩", ">");
}

/** Every PLACEHOLDER match in `text`, left to right (Python's PLACEHOLDER.finditer). */
export function placeholderMatches(text: string): RegExpMatchArray[] {
  return [...text.matchAll(new RegExp(PLACEHOLDER.source, "gu"))];
}

// Request-side patterns, tried in this order; a later one never overlaps an earlier match. Backticks are \x60
// because an escaped backtick in String.raw would be an invalid escape under the `u` flag.
const QUOTED = new RegExp(
  String.raw`(?<![${W}'"\x60])"([^"\n]{1,80})"|(?<![${W}'"\x60])'([^'\n]{1,80})'(?![${W}])`,
  "gu",
);
const BACKTICKED = /`([^`\n]{1,80})`/gu;
const WORD = new RegExp(String.raw`[^${S},;()\[\]{}]+`, "gu");
// A number; thousands separators ("40,000") belong to it, and its slot holds it without them (the code writes 40000).
const NUMBER = new RegExp(String.raw`(?<![${W}.])(?:\p{Nd}{1,3}(?:,\p{Nd}{3})+(?!\p{Nd})|\p{Nd}+(?:\.\p{Nd}+)?)`, "gu");
const TRAILING = ".,:;!?";
// A path starts like one (/, ~, ./, ../, $VAR/) or holds two slashes or ends with one; "normal/regular" is no path.
export const PATH_LIKE = new RegExp(String.raw`^(?:[/~]|\.\.?/|\$[${W}]+/)[^\n]|^[^/]*/[^/]*/|^[^/]+/${PY_END}`, "u");
const FILE_LIKE = new RegExp(
  String.raw`^(?:[${W}*?\-\[\]]*\.[A-Za-z][${W}*?]*|[${W}.\-]*[*?][${W}.*?\-]*)${PY_END}`,
  "u",
);
const HAS_LETTER_OR_GLOB = /[A-Za-z*?]/u;
const ONLY_DIGITS_AND_DOTS = /^[\p{Nd}.]+$/u;
const STARTS_WITH_WORD_CHAR = new RegExp(String.raw`^[${W}]`, "u");
const ENDS_WITH_WORD_CHAR = new RegExp(String.raw`[${W}]${PY_END}`, "u");
const NOT_ONLY_SPACE = new RegExp(String.raw`[^${S}]`, "u");

export interface Slot {
  readonly kind: SlotKind;
  /** Numbered per kind in order of first appearance, 0..MAX_PER_KIND-1. */
  readonly index: number;
  /** The literal as written in the request (for str/var: between the quotes). */
  readonly text: string;
}

export interface Slotted {
  /** The request with placeholders. */
  readonly text: string;
  readonly slots: readonly Slot[];
}

/** The placeholder of a slot, e.g. ⟨num0⟩. */
export function slotToken(slot: Slot): string {
  return `⟨${slot.kind}${slot.index}⟩`;
}

/** Placeholder -> literal, for fillSlots (Python's Slotted.values()). */
export function slotValues(slotted: Slotted): Map<string, string> {
  return new Map(slotted.slots.map((slot) => [slotToken(slot), slot.text]));
}

// ------------------------------------------------------------------------------------------- code points

const HAS_SURROGATE = /[\uD800-\uDFFF]/;

/** Python's len(): code points (a lone surrogate counts as one, as in a Python str). */
function codePointLength(text: string): number {
  return HAS_SURROGATE.test(text) ? Array.from(text).length : text.length;
}

/** The UTF-16 offset of every code-point offset 0..n of `text` (n + 1 entries). */
function unitOffsets(text: string): number[] {
  const offsets = [0];
  let unit = 0;
  for (const char of text) {
    unit += char.length;
    offsets.push(unit);
  }
  return offsets;
}

/** Converts code-point offsets of `text` to UTF-16 offsets; out-of-range offsets clamp, as Python slices do. */
function toUnits(text: string): (codePoint: number) => number {
  if (!HAS_SURROGATE.test(text)) return (codePoint) => codePoint;
  const offsets = unitOffsets(text);
  const last = offsets.length - 1;
  return (codePoint) => offsets[Math.max(0, Math.min(last, codePoint))];
}

/** Converts UTF-16 offsets of `text` that fall on code-point boundaries to code-point offsets. */
function toCodePoints(text: string): (unit: number) => number {
  if (!HAS_SURROGATE.test(text)) return (unit) => unit;
  const byUnit = new Map(unitOffsets(text).map((unit, codePoint) => [unit, codePoint]));
  return (unit) => {
    const codePoint = byUnit.get(unit);
    if (codePoint === undefined) throw new RangeError(`offset ${unit} splits a character`);
    return codePoint;
  };
}

// ------------------------------------------------------------------------------------------- the rules

type Span = [start: number, end: number, kind: SlotKind];

/** Python's tuple order on (start, end, kind). */
function compareSpans(a: Span, b: Span): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] - b[1];
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

function overlapsNone(spans: readonly Span[], start: number, end: number): boolean {
  return spans.every(([s, e]) => end <= s || start >= e);
}

/** Python's str.rstrip(TRAILING). */
function stripTrailing(word: string): string {
  let end = word.length;
  while (end > 0 && TRAILING.includes(word[end - 1])) end--;
  return word.slice(0, end);
}

/** (start, end, kind) in UTF-16 offsets of every rule-found literal, left to right, non-overlapping. */
function candidateSpans(request: string): Span[] {
  const spans: Span[] = [];
  for (const m of request.matchAll(QUOTED)) {
    const inner = m[1] ?? m[2] ?? "";
    // The group starts right after the opening quote (the lookbehind takes no room).
    const start = (m.index ?? 0) + 1;
    if (NOT_ONLY_SPACE.test(inner)) spans.push([start, start + inner.length, "str"]);
  }
  for (const m of request.matchAll(BACKTICKED)) {
    const start = (m.index ?? 0) + 1;
    const end = start + m[1].length;
    if (NOT_ONLY_SPACE.test(m[1]) && overlapsNone(spans, start, end)) spans.push([start, end, "var"]);
  }
  for (const m of request.matchAll(WORD)) {
    const start = m.index ?? 0;
    const word = stripTrailing(m[0]);
    const end = start + word.length;
    if (!word || !overlapsNone(spans, start, end) || /["'`]/.test(word)) continue;
    if (PATH_LIKE.test(word)) {
      spans.push([start, end, "path"]);
    } else if (FILE_LIKE.test(word) && HAS_LETTER_OR_GLOB.test(word) && !ONLY_DIGITS_AND_DOTS.test(word)) {
      spans.push([start, end, "file"]);
    }
  }
  for (const m of request.matchAll(NUMBER)) {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (overlapsNone(spans, start, end)) spans.push([start, end, "num"]);
  }
  return spans.sort(compareSpans);
}

// ------------------------------------------------------------------------------------------- table columns
// A CF rule is about one column of the user's table; the request names it by its header's words, in any case,
// singular or plural. Words every table has ("value", "index", "cells") never name a column on their own.

/** Letters and digits (Python's [^\W_]): "Sales_2019" is "sales", "2019". */
const HEADER_WORD = /[\p{L}\p{N}]+/gu;
const DECIMAL = /^\p{Nd}+$/u;
const GENERIC_HEADER_WORDS = new Set([
  "index", "value", "cell", "column", "row", "data", "number", "the", "of", "a", "an", "in", "and", "or", "to",
  "for", "by", "no", "is", "it", "that", "with", "are", "on", "at",
]);

/** Lower case without a plural s ("Nights" -> "night", "class" stays), so request and header words meet. */
export function headerStem(word: string): string {
  const w = word.toLowerCase();
  return codePointLength(w) > 3 && w.endsWith("s") && !w.endsWith("ss") ? w.slice(0, -1) : w;
}

/**
 * [start, end, column] (UTF-16 offsets) of every run of request words that names a header column, left to right:
 * at each word the longest run equal (by headerStem) to consecutive words of one column's name wins, if it holds
 * a word that is neither in GENERIC_HEADER_WORDS nor a number; ties go to the shorter name, then the earlier column (Python's
 * column_spans).
 */
export function columnSpans(request: string, header: readonly string[]): [number, number, number][] {
  const words = [...request.matchAll(HEADER_WORD)].map((m) => {
    const start = m.index ?? 0;
    return { start, end: start + m[0].length, stem: headerStem(m[0]) };
  });
  const names = header.map((h) => [...String(h).matchAll(HEADER_WORD)].map((m) => headerStem(m[0])));
  const spans: [number, number, number][] = [];
  let i = 0;
  while (i < words.length) {
    let best: { key: [number, number, number]; column: number; n: number } | null = null;
    names.forEach((name, column) => {
      for (let first = 0; first < name.length; first++) {
        let n = 0;
        while (i + n < words.length && first + n < name.length && words[i + n].stem === name[first + n]) n++;
        const run = name.slice(first, first + n);
        if (n === 0 || run.every((w) => GENERIC_HEADER_WORDS.has(w) || DECIMAL.test(w))) continue;
        const key: [number, number, number] = [n, -name.length, -column];
        if (best === null || compareKeys(key, best.key) > 0) best = { key, column, n };
      }
    });
    if (best === null) {
      i++;
      continue;
    }
    const { column, n } = best as { column: number; n: number };
    spans.push([words[i].start, words[i + n - 1].end, column]);
    i += n;
  }
  return spans;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** What a column slot is filled with: the column reference of the CF language. */
export function columnReference(column: number): string {
  return `c[${column}]`;
}

/**
 * Replace the request's literals by placeholders. `tagged`: extra [start, end) spans from the tagger (kind val),
 * in code-point offsets as SlotTagger.spans gives them, used only where they overlap no literal found before.
 * `header`: the table's column names (CF); the words that name a column become a col slot whose value is the
 * column reference, and no other literal overlaps them.
 */
export function extractSlots(
  rawRequest: string,
  tagged: readonly (readonly [number, number])[] = [],
  header: readonly string[] | null = null,
): Slotted {
  const request = neutralise(rawRequest);
  const columns = header && header.length ? columnSpans(request, header) : [];
  const spans = candidateSpans(request).filter(([a, b]) => columns.every(([s, e]) => b <= s || a >= e));
  const references = new Map(columns.map(([a, b, column]) => [`${a}:${b}`, columnReference(column)]));
  for (const [a, b] of columns) spans.push([a, b, COLUMN_KIND]);
  const units = toUnits(request);
  for (const [a, b] of tagged) {
    const start = units(a);
    const end = units(b);
    // Against the tagged spans appended so far too, as in Python.
    if (overlapsNone(spans, start, end)) spans.push([start, end, "val"]);
  }
  spans.sort(compareSpans);
  const counters = new Map<SlotKind, number>();
  const byText = new Map<string, Slot>();
  const slots: Slot[] = [];
  const out: string[] = [];
  let prev = 0;
  for (const [a, b, kind] of spans) {
    const written = kind === COLUMN_KIND ? (references.get(`${a}:${b}`) ?? "") : request.slice(a, b);
    const literal = kind === "num" ? written.replaceAll(",", "") : written;
    const key = `${kind}\u0000${literal}`;
    let slot = byText.get(key);
    if (slot === undefined) {
      const count = counters.get(kind) ?? 0;
      if (count >= MAX_PER_KIND) continue;
      slot = { kind, index: count, text: literal };
      counters.set(kind, count + 1);
      byText.set(key, slot);
      slots.push(slot);
    }
    out.push(request.slice(prev, a), slotToken(slot));
    prev = b;
  }
  out.push(request.slice(prev));
  return { text: out.join(""), slots };
}

/** Python's re.escape for a `u`-flag pattern (which refuses escapes of characters that are not syntax). */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** Where a literal counts as the same literal in the code: not inside a longer word or number. */
function codePattern(slot: Slot): RegExp {
  const literal = escapeRegExp(slot.text);
  if (slot.kind === "num") return new RegExp(String.raw`(?<![${W}.])${literal}(?![0-9]|\.[0-9])`, "gu");
  const before = STARTS_WITH_WORD_CHAR.test(slot.text) ? String.raw`(?<![${W}])` : "";
  const after = ENDS_WITH_WORD_CHAR.test(slot.text) ? String.raw`(?![${W}])` : "";
  return new RegExp(before + literal + after, "gu");
}

/** The code with each slot's literal replaced by its placeholder (longest literals first, no overlaps). */
export function slotCode(rawCode: string, slots: readonly Slot[]): string {
  const code = neutralise(rawCode);
  const order = [...slots].sort(
    (a, b) =>
      codePointLength(b.text) - codePointLength(a.text) ||
      kindOrder(a.kind) - kindOrder(b.kind) ||
      a.index - b.index,
  );
  const taken: [start: number, end: number, token: string][] = [];
  for (const slot of order) {
    for (const m of code.matchAll(codePattern(slot))) {
      const start = m.index ?? 0;
      const end = start + m[0].length;
      if (taken.every(([s, e]) => end <= s || start >= e)) taken.push([start, end, slotToken(slot)]);
    }
  }
  // Taken spans never overlap and are never empty, so the start alone orders them as Python's tuple sort does.
  taken.sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  let prev = 0;
  for (const [a, b, token] of taken) {
    out.push(code.slice(prev, a), token);
    prev = b;
  }
  out.push(code.slice(prev));
  return out.join("");
}

function kindOrder(kind: SlotKind): number {
  return kind === COLUMN_KIND ? SLOT_KINDS.length : SLOT_KINDS.indexOf(kind);
}

/** Digits right after a number placeholder (Python's GLUED_DIGITS): no training code has them, since a number is
 * slotted only where no digit follows it, so the model wrote them on its own ("⟨num0⟩000" for "greater than 40");
 * they would make another number than the request's, and are dropped. */
const GLUED_DIGITS = new RegExp(`(⟨num[0-${MAX_PER_KIND - 1}]⟩)(?:\\.?[0-9])+`, "gu");

/** What a placeholder the request has no literal for shows, with `editable`: tldr's style, named by the slot's kind. */
export const EDITABLE_NAMES: Readonly<Record<string, string>> = {
  str: "text", var: "name", path: "path", file: "file", num: "number", val: "text",
};

/** Placeholders back to literals; one the request does not have is left out, or with `editable` shown as {{text}},
 * {{number}}, ... (EDITABLE_NAMES; literals.ts). GLUED_DIGITS, a missing column's argument and ⟨sep⟩ are left out
 * either way (Python's fill_slots). */
export function fillSlots(code: string, values: ReadonlyMap<string, string>, editable = false): string {
  return code
    .replace(GLUED_DIGITS, "$1")
    .replace(COLUMN_ARGUMENT, (found, token: string) => (values.has(token) ? found : ""))
    .replace(new RegExp(PLACEHOLDER.source, "gu"), (token, kind: string | undefined) => {
      const value = values.get(token);
      if (value !== undefined) return value;
      const name = kind === undefined ? undefined : EDITABLE_NAMES[kind];
      return editable && name !== undefined ? `{{${name}}}` : "";
    });
}

/** A column placeholder the request has no column for goes with the ", " after it (Python's COLUMN_ARGUMENT):
 * GreaterThan(⟨col0⟩, 5) becomes GreaterThan(5), a rule on every cell, rather than GreaterThan(, 5). */
const COLUMN_ARGUMENT = new RegExp(`(⟨col[0-${MAX_PER_KIND - 1}]⟩)(?:,[${S}]*)?`, "gu");


// ------------------------------------------------------------------------------------------- the tagger
// A logistic regression over hashed word features decides for each word of the request whether it is an
// unquoted literal ("contain Bull or Bear"); runs of tagged words become one span. Trained by training/slots.py
// (train_tagger); its weights ship in each model bundle and are read by SlotTagger.fromJson.

const TAG_WORD = new RegExp(String.raw`[^${S}"'\x60,;()\[\]{}]+`, "gu");
export const HASH_BITS = 18;
const HASH_MASK = (1 << HASH_BITS) - 1;
const JOINERS = new Set(["or", "and", "&", "-"]);

const UTF8 = new TextEncoder();

/** 32-bit FNV-1a over UTF-8 bytes (the same function in training/slots.py). A lone surrogate, which Python
 * refuses to encode, is hashed as U+FFFD here. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of UTF8.encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/** ASCII letters to X/x, ASCII digits to d, runs of one character cut to two. */
export function wordShape(word: string): string {
  return word
    .replace(/[A-Z]/g, "X")
    .replace(/[a-z]/g, "x")
    .replace(/[0-9]/g, "d")
    .replace(/([^\n])\1+/gu, "$1$1");
}

/** Python's str(bool). */
function pyBool(value: boolean): string {
  return value ? "True" : "False";
}

/** Python's `c.isupper()` for one character: the Unicode Uppercase property (Lu and Other_Uppercase). */
const UPPERCASE = /^\p{Uppercase}$/u;

/** The features of word i: itself, its shape, its neighbours, its position. */
export function tagFeatures(words: readonly string[], i: number): string[] {
  const word = words[i];
  // toLowerCase and Python's lower() agree on every Unicode 14 character (full mappings, final sigma included).
  const low = word.toLowerCase();
  const prev1 = i > 0 ? words[i - 1].toLowerCase() : "<s>";
  const prev2 = i > 1 ? words[i - 2].toLowerCase() : "<s>";
  const next1 = i + 1 < words.length ? words[i + 1].toLowerCase() : "</s>";
  const shape = wordShape(word);
  const first = word.codePointAt(0);
  const capitalised = first !== undefined && UPPERCASE.test(String.fromCodePoint(first));
  return [
    "bias", "w=" + low, "shape=" + shape, "p1=" + prev1, "p2=" + prev2, "n1=" + next1,
    "p1w=" + prev1 + "|" + low, "p1s=" + prev1 + "|" + shape, "n1s=" + next1 + "|" + shape,
    "cap=" + pyBool(capitalised), "first=" + pyBool(i === 0), "last=" + pyBool(i === words.length - 1),
    "len=" + String(Math.min(codePointLength(word), 8)),
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Logistic regression over hashed features; Python stores it as JSON (only the non-zero weights). */
export class SlotTagger {
  readonly weights: Float64Array;
  readonly threshold: number;
  /** The language's own words (lower-cased): never literals. */
  readonly stopwords: ReadonlySet<string>;

  constructor(weights?: Float64Array, threshold = 0.5, stopwords: Iterable<string> = []) {
    this.weights = weights ?? new Float64Array(1 << HASH_BITS);
    this.threshold = threshold;
    this.stopwords = new Set(stopwords);
  }

  /** The tagger of a bundle's tagger.json: {hash_bits, threshold, stopwords, weights: {index: weight}}. */
  static fromJson(json: unknown): SlotTagger {
    if (!isRecord(json)) throw new Error("tagger.json: expected an object");
    const { hash_bits: hashBits, threshold, stopwords = [], weights } = json;
    if (typeof hashBits !== "number" || !Number.isInteger(hashBits) || hashBits < 0 || hashBits > 30) {
      throw new Error("tagger.json: hash_bits must be a small integer");
    }
    if (typeof threshold !== "number") throw new Error("tagger.json: threshold must be a number");
    if (!Array.isArray(stopwords) || !stopwords.every((w): w is string => typeof w === "string")) {
      throw new Error("tagger.json: stopwords must be a list of strings");
    }
    if (!isRecord(weights)) throw new Error("tagger.json: weights must be an object");
    const table = new Float64Array(1 << hashBits);
    for (const [key, value] of Object.entries(weights)) {
      const index = Number(key);
      // Python would also accept a negative index (counted from the end); no writer produces one.
      if (!/^\d+$/.test(key) || index >= table.length || typeof value !== "number") {
        throw new Error(`tagger.json: bad weight ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
      }
      table[index] = value;
    }
    return new SlotTagger(table, threshold, stopwords);
  }

  /** The probability that word i is a literal. */
  score(words: readonly string[], i: number): number {
    // Summed left to right in float64, as CPython 3.11's sum() does (3.12 compensates; the vectors are 3.11's).
    let z = 0;
    for (const feature of tagFeatures(words, i)) {
      const weight = this.weights[fnv1a(feature) & HASH_MASK];
      // Python's mask is HASH_BITS whatever the file's hash_bits: a smaller table is an IndexError there.
      if (weight === undefined) throw new RangeError("tagger weights are smaller than 2^HASH_BITS");
      z += weight;
    }
    // Python's math.exp raises OverflowError for z < -709; no trained weights come near.
    return 1 / (1 + Math.exp(-z));
  }

  /** [start, end) code-point offsets of the request's tagged literals (word runs, joined over 'or'/'and'...). */
  spans(request: string): [number, number][] {
    const matches: [start: number, end: number, word: string][] = [];
    for (const m of request.matchAll(TAG_WORD)) {
      const word = stripTrailing(m[0]);
      const start = m.index ?? 0;
      if (word) matches.push([start, start + word.length, word]);
    }
    const words = matches.map(([, , word]) => word);
    const tagged = words.map(
      (word, i) => !this.stopwords.has(word.toLowerCase()) && this.score(words, i) >= this.threshold,
    );
    const codePoints = toCodePoints(request);
    const spans: [number, number][] = [];
    let i = 0;
    while (i < words.length) {
      if (!tagged[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j + 2 < words.length && tagged[j + 2] && JOINERS.has(words[j + 1].toLowerCase()) && !tagged[j + 1]) {
        j += 2;
      }
      while (j + 1 < words.length && tagged[j + 1]) j++;
      spans.push([codePoints(matches[i][0]), codePoints(matches[j][1])]);
      i = j + 1;
    }
    return spans;
  }
}

// ------------------------------------------------------------------------------------------- one request

/** The request with placeholders; `tagger` null means rules only; `header`: its table's column names (CF). */
export function slotRequest(request: string, tagger: SlotTagger | null, header: readonly string[] | null = null): Slotted {
  return extractSlots(request, tagger ? tagger.spans(request) : [], header);
}
