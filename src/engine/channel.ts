// Noisy-channel ranking of retrieved codes (rank "channel"): how well does a known code explain the words of this
// request? This file mirrors training/channel.py, which learns the table (IBM Model 1, t(word | code token), by EM
// on the index's own pairs) and writes it into the bundle as channel.json; testdata/channel/cases.json (written by
// `/usr/bin/python3 -m training.shared_cases`) proves in channel.test.ts that both score and order alike.
//
//   log P(request | code) / |request| = mean over request words w of log( sum_c t(w | c) / (|code| + 1) + 1e-9 )
//
// c runs over the code's tokens, then one NULL token. The sums run in Python's order (code order, NULL last) in
// float64; the logs may differ from glibc's in the last bit, so scores are rounded to 1e-9 before they are
// compared, as retrieval's are (retrieval.ts).
import { normalizeWhitespace } from "../lang/whitespace";
import { indexWords, round9 } from "./words";

/** Runs of ASCII letters and "_", runs of digits, every other non-space character alone (Python's CODE_TOKEN). */
const CODE_TOKEN = /[A-Za-z_]+|[0-9]+|[^ \t\n\r\f\vA-Za-z_0-9]/gu;
const FLOOR = 1e-6;
const SMOOTH = 1e-9;
const NULL = "<null>";

export function codeTokens(code: string): string[] {
  return code.match(CODE_TOKEN) ?? [];
}

function isNumberPairs(row: unknown): row is [number, number][] {
  return (
    Array.isArray(row) &&
    row.every((cell) => Array.isArray(cell) && cell.length === 2 && Number.isInteger(cell[0]) && typeof cell[1] === "number")
  );
}

export class Channel {
  /** t(word | code token): token -> word -> probability. */
  private constructor(private readonly table: ReadonlyMap<string, ReadonlyMap<string, number>>) {}

  /** A bundle's channel.json: {"version": 1, "null", "floor", "smooth", "tokens": [...], "words": [...],
   * "rows": [[[word index, t], ...] per token]}. */
  static fromJson(json: unknown): Channel {
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("channel.json: expected an object");
    const { version, null: nullToken, floor, smooth, tokens, words, rows } = json as Record<string, unknown>;
    if (version !== 1 || nullToken !== NULL || floor !== FLOOR || smooth !== SMOOTH) {
      throw new Error("channel.json: unknown version or constants");
    }
    if (
      !Array.isArray(tokens) ||
      !Array.isArray(words) ||
      !Array.isArray(rows) ||
      rows.length !== tokens.length ||
      !tokens.every((t) => typeof t === "string") ||
      !words.every((w) => typeof w === "string") ||
      !rows.every(isNumberPairs)
    ) {
      throw new Error("channel.json: tokens, words and rows do not match");
    }
    const wordList = words as string[];
    const table = new Map<string, Map<string, number>>();
    (tokens as string[]).forEach((token, i) => {
      const row = new Map<string, number>();
      for (const [w, p] of rows[i] as [number, number][]) {
        const word = wordList[w];
        if (word === undefined) throw new Error(`channel.json: word index ${w} out of range`);
        row.set(word, p);
      }
      table.set(token, row);
    });
    return new Channel(table);
  }

  /** Mean over the request's words of log P(word | code); 0 for a request without words. */
  logLikelihood(utterance: string, code: string): number {
    const words = indexWords(utterance);
    if (words.length === 0) return 0;
    const rows = [...codeTokens(code), NULL].map((token) => this.table.get(token));
    let total = 0;
    for (const word of words) {
      let p = 0;
      for (const row of rows) p += row?.get(word) ?? FLOOR;
      total += Math.log(p / rows.length + SMOOTH);
    }
    return total / words.length;
  }
}

/**
 * found: [code as written, retrieval similarity] of the most similar known requests, best first. Each distinct code
 * (whitespace-normalised) once, at its first place, scored log P(request | code) / |request| + weight × similarity,
 * by decreasing score rounded to 1e-9, ties in retrieval order (Python's rank_codes).
 */
export function rankCodes(
  channel: Channel,
  utterance: string,
  found: readonly (readonly [string, number])[],
  similarityWeight: number,
): [code: string, score: number][] {
  const scored: { score: number; rank: number; code: string }[] = [];
  const seen = new Set<string>();
  found.forEach(([code, similarity], rank) => {
    const key = normalizeWhitespace(code);
    if (!key || seen.has(key)) return; // a later copy scores the same but for a lower similarity
    seen.add(key);
    scored.push({ score: round9(channel.logLikelihood(utterance, code) + similarityWeight * similarity), rank, code });
  });
  scored.sort((a, b) => b.score - a.score || a.rank - b.rank);
  return scored.map(({ code, score }) => [code, score]);
}
