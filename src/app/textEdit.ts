// The smallest edit between two texts: the editor applies only the part of the code a denoising step changed,
// so Monaco keeps the rest of its rendering (no flicker) and the cursor and undo history make sense.

/** The one range of `before` that differs from `after` (common prefix and suffix left alone), and its new text. */
export function changedRange(before: string, after: string): { start: number; end: number; text: string } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, end: before.length - tail, text: after.slice(start, after.length - tail) };
}
