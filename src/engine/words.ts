// What retrieval (retrieval.ts) and the channel (channel.ts) both read: the words of a text, and Python's rounding of
// a score, so that equal scores tie the same way on both sides (training/retrieval.py, training/channel.py).

const INDEX_WORD = /[a-z0-9_]+/g;

/** The words retrieval compares: lower-cased, ASCII letters, digits and "_" (a placeholder ⟨num0⟩ gives num0). */
export function indexWords(text: string): string[] {
  // toLowerCase and Python's lower() agree on every Unicode 14 character (K, the Kelvin sign, lowers to k).
  return text.toLowerCase().match(INDEX_WORD) ?? [];
}

/** np.rint: to the nearest integer, halves to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor; // exact for a float64
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** np.round(x, 9): rint(x * 1e9) / 1e9, not a decimal rounding. */
export function round9(x: number): number {
  return roundHalfEven(x * 1e9) / 1e9;
}

