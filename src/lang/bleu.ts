// CoNaLa's BLEU, ported from the official evaluation (conala-corpus/conala-baseline `eval/conala_eval.py`):
// `tokenize_for_bleu_eval` (the tokenizer of Wang Ling et al. 2016) and `bleu_score.compute_bleu`, which is the
// TensorFlow NMT `nmt/scripts/bleu.py` (corpus-level, max_order 4, smooth False, brevity penalty). See
// docs/python-metrics.md.

// Python 3's `\s` on str (str.isspace): JavaScript's `\s` differs (it has U+FEFF, lacks U+001C–U+001F and U+0085).
const PY_WHITESPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const NON_WORD = /([^A-Za-z0-9_])/gu;
const CAMEL = /([a-z])([A-Z])/g;
const WHITESPACE_RUN = new RegExp(`[${PY_WHITESPACE}]+`, "gu");

/** CoNaLa's `tokenize_for_bleu_eval`: split around every non-[A-Za-z0-9_] character and camelCase humps; quotes → `. */
export function tokenizeForBleu(code: string): string[] {
  let s = code.replace(NON_WORD, " $1 ");
  s = s.replace(CAMEL, "$1 $2");
  s = s.replace(WHITESPACE_RUN, " ");
  s = s.replaceAll('"', "`").replaceAll("'", "`");
  return s.split(" ").filter((t) => t.length > 0);
}

function isReferenceList(
  entry: readonly string[] | readonly (readonly string[])[],
): entry is readonly (readonly string[])[] {
  return entry.length > 0 && Array.isArray(entry[0]);
}

/** All n-grams of orders 1..maxOrder with their counts; keys join the tokens with U+0000 (never inside a token here). */
function ngramCounts(segment: readonly string[], maxOrder: number): Map<string, { order: number; count: number }> {
  const counts = new Map<string, { order: number; count: number }>();
  for (let order = 1; order <= maxOrder; order++) {
    for (let i = 0; i + order <= segment.length; i++) {
      const key = segment.slice(i, i + order).join("\u0000");
      const entry = counts.get(key);
      if (entry) entry.count++;
      else counts.set(key, { order, count: 1 });
    }
  }
  return counts;
}

/**
 * CoNaLa's `compute_bleu` (TensorFlow NMT): corpus-level BLEU of `hypotheses[i]` against `references[i]`.
 * `references[i]` is one reference token list (CoNaLa: one reference per item), or, with the second overload, a list
 * of reference token lists (n-gram counts merged by maximum, length of the shortest), as in `compute_bleu` itself.
 * Clipped n-gram matches and possible matches are summed over the corpus, precisions combined by a geometric mean
 * (0 when any precision is 0 unless `smooth`, which adds one to numerator and denominator of every order), times the
 * brevity penalty exp(1 - r/c) when the hypotheses are shorter than the references.
 * Where Python would divide by zero (no hypothesis tokens at all) this returns 0.
 */
export function corpusBleu(
  references: readonly string[][],
  hypotheses: readonly string[][],
  maxOrder?: number,
  smooth?: boolean,
): number;
export function corpusBleu(
  references: readonly string[][][],
  hypotheses: readonly string[][],
  maxOrder?: number,
  smooth?: boolean,
): number;
export function corpusBleu(
  references: readonly (readonly string[] | readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  maxOrder = 4,
  smooth = false,
): number {
  if (references.length !== hypotheses.length) {
    throw new Error(`corpusBleu: ${references.length} reference sets for ${hypotheses.length} hypotheses`);
  }
  const matchesByOrder = new Array<number>(maxOrder).fill(0);
  const possibleMatchesByOrder = new Array<number>(maxOrder).fill(0);
  let referenceLength = 0;
  let translationLength = 0;
  hypotheses.forEach((translation, k) => {
    const entry = references[k];
    // An empty entry is one empty reference (Python's min() would fail on no references at all).
    const refs: readonly (readonly string[])[] = isReferenceList(entry) ? entry : [entry];
    referenceLength += refs.length > 0 ? Math.min(...refs.map((r) => r.length)) : 0;
    translationLength += translation.length;
    // Counter |= Counter: element-wise maximum over the references.
    const merged = new Map<string, { order: number; count: number }>();
    for (const reference of refs) {
      for (const [key, entry] of ngramCounts(reference, maxOrder)) {
        const have = merged.get(key);
        if (!have || have.count < entry.count) merged.set(key, entry);
      }
    }
    // Counter & Counter: element-wise minimum (clipped matches).
    for (const [key, entry] of ngramCounts(translation, maxOrder)) {
      const ref = merged.get(key);
      if (ref) matchesByOrder[entry.order - 1] += Math.min(entry.count, ref.count);
    }
    for (let order = 1; order <= maxOrder; order++) {
      const possible = translation.length - order + 1;
      if (possible > 0) possibleMatchesByOrder[order - 1] += possible;
    }
  });

  const precisions = matchesByOrder.map((matches, i) => {
    if (smooth) return (matches + 1) / (possibleMatchesByOrder[i] + 1);
    return possibleMatchesByOrder[i] > 0 ? matches / possibleMatchesByOrder[i] : 0;
  });
  const geoMean =
    Math.min(...precisions) > 0 ? Math.exp(precisions.reduce((sum, p) => sum + (1 / maxOrder) * Math.log(p), 0)) : 0;

  if (translationLength === 0) return 0;
  const ratio = referenceLength > 0 ? translationLength / referenceLength : Infinity;
  const bp = ratio > 1 ? 1 : Math.exp(1 - 1 / ratio);
  return geoMean * bp;
}
