// Diversity of the top-k candidates of one request, as in the CodeFusion paper's Table 2 (distinct n-grams and
// pairwise edit distance over the top 5); the caller averages both over requests. See docs/python-metrics.md.

/**
 * Distinct-n of one request's candidates: the number of distinct n-grams divided by the number of n-grams, pooled over
 * all candidates (an n-gram repeated inside one candidate or across candidates counts once in the numerator).
 * Candidates are token lists (this project uses `tokenizeForBleu`). A candidate shorter than n has no n-grams;
 * when no candidate has any, the result is 0 (no evidence of diversity). Range 0..1.
 */
export function distinctNgrams(candidates: readonly string[][], n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new Error(`distinctNgrams: n must be a positive integer, got ${n}`);
  const seen = new Set<string>();
  let total = 0;
  for (const tokens of candidates) {
    for (let i = 0; i + n <= tokens.length; i++) {
      seen.add(tokens.slice(i, i + n).join("\u0000"));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}

/** Levenshtein distance (insert, delete, substitute, each cost 1) over Unicode code points. */
function levenshtein(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length];
}

/**
 * Mean over all unordered pairs of candidates of Levenshtein(a, b) / max(|a|, |b|), on the candidates' strings as
 * given, counted in code points (two empty strings: 0). Fewer than two candidates → 0. Range 0..1.
 */
export function meanPairwiseEditDistance(candidates: readonly string[]): number {
  if (candidates.length < 2) return 0;
  const chars = candidates.map((c) => Array.from(c));
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < chars.length; i++) {
    for (let j = i + 1; j < chars.length; j++) {
      const longest = Math.max(chars[i].length, chars[j].length);
      sum += longest === 0 ? 0 : levenshtein(chars[i], chars[j]) / longest;
      pairs++;
    }
  }
  return sum / pairs;
}
