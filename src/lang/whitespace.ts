// Exact match's whitespace rule (docs/predictions-format.md), shared by every language and the metric suite.

/** Python's whitespace (str.isspace): the characters `" ".join(code.split())` splits on. Not JavaScript's \s, which
 * adds U+FEFF and leaves out U+001C..U+001F. */
const PYTHON_WHITESPACE = /[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Runs of whitespace become one space, both ends trimmed: the Python side's `" ".join(code.split())`. */
export function normalizeWhitespace(code: string): string {
  return code.split(PYTHON_WHITESPACE).filter(Boolean).join(" ");
}
