// The score a final candidate shows: its share of the ranking's own weight among the candidates shown beside it in
// its group, so the scores of a group add up to 1 and fall in rank order (the ranking sorts each group by that
// weight). training/scores.py shown_scores is the same function; testdata/scores/cases.json holds both to it.
//
// The weight is what the ranking sorts by, as a positive number: exp(−denoising loss), exp(the noisy channel's
// score), the similarity of the known request (retrieval order) or the samples' vote share. A two-part ranking
// (known codes first, then the model's samples) sorts each part by its own key, so each part is its own group: a
// sample's weight is never compared with a known code's, as the ranking never compares them.

/** Each weight divided by the sum of the weights of its group (0 where that sum is 0: nothing of it was scored). */
export function shownScores(weights: readonly number[], groups: readonly string[]): number[] {
  if (weights.length !== groups.length) throw new Error("shownScores: one group per weight");
  const totals = new Map<string, number>();
  weights.forEach((w, i) => {
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`shownScores: weight ${w} is not a finite number ≥ 0`);
    const group = groups[i] as string;
    totals.set(group, (totals.get(group) ?? 0) + w);
  });
  return weights.map((w, i) => {
    const total = totals.get(groups[i] as string) as number;
    return total > 0 ? w / total : 0;
  });
}
