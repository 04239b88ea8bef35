// The user's literals, and nobody else's: a shown candidate carries no literal that the request did not give. A
// known code's slots the request does not fill, and every literal of a candidate the request does not give, show as
// an editable placeholder in tldr style ({{path}}, {{file}}, {{number}}, {{text}}). This file mirrors
// training/literals.py rule for rule (what a literal is per language, when the request gives one: its docstring);
// testdata/slots/literals.json (written by `/usr/bin/python3 -m training.shared_cases`) proves it in
// literals.test.ts. Python's `\w`, `\s`, `\d` and str.strip() are spelt out as in slots.ts; offsets are UTF-16 here
// (code points in Python) and only ever cut the same string.
import { headerStem, PATH_LIKE } from "./slots";

export const LITERAL_LANGUAGES = ["bash", "python", "cf"] as const;
export type LiteralLanguage = (typeof LITERAL_LANGUAGES)[number];
export type LiteralKind = "text" | "number" | "path" | "file";
/** [start, end, kind] of a literal in a code. */
export type LiteralSpan = [start: number, end: number, kind: LiteralKind];

/** Python's `\w` inside a character class. */
const W = String.raw`\p{L}\p{N}_`;
/** Python's `\s` (= str.isspace()) inside a character class. */
const S = String.raw`\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const PY_END = String.raw`(?=\n?$)`;

/** An editable placeholder, as shown. */
export const EDITABLE = /\{\{[a-z]+\}\}/u;
const EDITABLE_ALL = /\{\{[a-z]+\}\}/gu;
const EDITABLE_WHOLE = /^\{\{[a-z]+\}\}$/u;

/** The placeholder shown for a literal of `kind` the request does not give. */
export function editable(kind: LiteralKind): string {
  return `{{${kind}}}`;
}

const SPACE = new RegExp(`[${S}]`, "u");
const LEADING_SPACE = new RegExp(`^[${S}]+`, "u");
const TRAILING_SPACE = new RegExp(`[${S}]+$`, "u");

/** Python's str.strip() (its whitespace, not JavaScript's). */
function pyStrip(text: string): string {
  return text.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
}

/** slots.ts's FILE_LIKE, also with more than one extension (archive.tar.gz). */
const FILE_SHAPE = new RegExp(
  String.raw`^(?:[${W}*?\-\[\]]*(?:\.[${W}*?\-]+)*\.[A-Za-z][${W}*?\-]*|[${W}.\-]*[*?][${W}.*?\-]*)${PY_END}`,
  "u",
);

/** A string literal that looks like a path or a file name is one (its placeholder says so). */
function textKind(text: string): LiteralKind {
  if (PATH_LIKE.test(text) && !SPACE.test(text)) return "path";
  if (FILE_SHAPE.test(text) && /[A-Za-z*?]/u.test(text)) return "file";
  return "text";
}

// --------------------------------------------------------------------------------------------------------- CF

const CF_COLUMN = new RegExp(String.raw`^[cC][${S}]*\[[${S}]*[0-9]+[${S}]*\]$`, "u");
const CF_NUMBER = String.raw`[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?`;
const CF_NUMBER_WHOLE = new RegExp(`^${CF_NUMBER}$`, "u");
const CF_NAME_BEFORE = new RegExp(String.raw`([A-Za-z_][A-Za-z0-9_]*)[${S}]*$`, "u");
const CF_VISUAL = new Set(["colorscale", "databar", "iconset"]);

function cfLiterals(code: string): LiteralSpan[] {
  const spans: LiteralSpan[] = [];
  const stack: string[] = []; // the function of each open parenthesis, lower case
  let start: number | null = null; // where the current argument began (null: not inside an argument)
  const top = (): string | undefined => stack[stack.length - 1];
  const argument = (a: number, b: number): void => {
    const text = code.slice(a, b);
    const lead = text.length - text.replace(LEADING_SPACE, "").length;
    const t = pyStrip(text);
    const fn = top();
    if (!t || fn === undefined || CF_VISUAL.has(fn) || CF_COLUMN.test(t)) return;
    const at = a + lead;
    const beforePercent = t.endsWith("%") ? t.slice(0, -1).replace(TRAILING_SPACE, "") : null;
    if (beforePercent !== null && CF_NUMBER_WHOLE.test(beforePercent)) spans.push([at, at + beforePercent.length, "number"]);
    else if (CF_NUMBER_WHOLE.test(t)) spans.push([at, at + t.length, "number"]);
    else spans.push([at, at + t.length, "text"]);
  };
  let i = 0;
  while (i < code.length) {
    const ch = code[i] as string;
    if (ch === "(") {
      const m = CF_NAME_BEFORE.exec(code.slice(start ?? 0, i));
      stack.push(m ? (m[1] as string).toLowerCase() : "");
      start = i + 1;
    } else if (ch === "," || ch === ")") {
      if (start !== null) argument(start, i);
      if (ch === ")" && stack.length) stack.pop();
      start = ch === "," ? i + 1 : null;
    } else if ((ch === '"' || ch === "'") && start !== null && pyStrip(code.slice(start, i)) === "") {
      const close = code.indexOf(ch, i + 1);
      if (close > i) {
        const fn = top();
        if (close > i + 1 && fn !== undefined && !CF_VISUAL.has(fn)) spans.push([i + 1, close, "text"]);
        i = close + 1;
        start = null;
        continue;
      }
    }
    i++;
  }
  return spans;
}

// ----------------------------------------------------------------------------------------------------- Python

const PY_TOKEN =
  /#[^\n]*|(?<prefix>[rRbBuUfF]{0,2})(?<quote>'''|"""|'|")|[A-Za-z_][A-Za-z0-9_]*|(?<number>(?:0[xXoObB][0-9a-fA-F_]+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?)[jJ]?)/gu;

function pythonLiterals(code: string): LiteralSpan[] {
  const spans: LiteralSpan[] = [];
  let pos = 0;
  for (;;) {
    PY_TOKEN.lastIndex = pos;
    const m = PY_TOKEN.exec(code);
    if (m === null) return spans;
    const start = m.index;
    const end = start + m[0].length;
    const quote = m.groups?.quote;
    if (quote !== undefined) {
      const begin = end;
      let close: number;
      if (quote.length === 3) {
        close = code.indexOf(quote, begin);
      } else {
        close = begin;
        while (close < code.length && code[close] !== quote && code[close] !== "\n") close += code[close] === "\\" ? 2 : 1;
        if (close >= code.length || code[close] !== quote) close = -1;
      }
      if (close < 0) return spans; // an unclosed string: nothing after it is read
      const prefix = (m.groups?.prefix ?? "").toLowerCase();
      // an f-string with fields is a template of code, not a literal
      if (close > begin && !(prefix.includes("f") && code.slice(begin, close).includes("{"))) {
        spans.push([begin, close, textKind(code.slice(begin, close))]);
      }
      pos = close + quote.length;
      continue;
    }
    if (m.groups?.number !== undefined) spans.push([start, end, "number"]);
    pos = Math.max(end, start + 1);
  }
}

// ------------------------------------------------------------------------------------------------------- Bash

const BASH_TOKEN = new RegExp(
  String.raw`'[^']*'|"(?:\\[\s\S]|[^"\\])*"|[0-9]*(?:>>|>&|<&|<<<|<<|<>|>\||>|<)&?-?[0-9]*|&>>?|(?:\\[^\n]|[^${S}'"|&;()<>\x60\\])+|\\`,
  "gu",
);
const BASH_NUMBER = /^\+?([0-9]+(?:\.[0-9]+)?)[A-Za-z]?$/u;
const GENERIC_PATHS = new Set([
  "/", ".", "..", "~", "./", "../", "~/", "/tmp", "/tmp/", "/dev/null", "/dev/zero", "/dev/random", "/dev/urandom",
  "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/tty",
]);

/** The literal of an unquoted word at offset `at`, if it is one. */
function bashWord(word: string, at: number): LiteralSpan | null {
  if (word.includes("$") || word.includes("`")) return null;
  if (word.startsWith("-")) {
    if (/^-[0-9]+$/u.test(word)) return [at + 1, at + word.length, "number"];
    if (word.startsWith("--") && word.includes("=")) {
      const eq = word.indexOf("=") + 1;
      return word.slice(eq) ? bashWord(word.slice(eq), at + eq) : null;
    }
    return null;
  }
  const m = BASH_NUMBER.exec(word);
  if (m) {
    const digits = m[1] as string;
    const offset = word.indexOf(digits);
    return [at + offset, at + offset + digits.length, "number"];
  }
  if (GENERIC_PATHS.has(word)) return null;
  const kind = textKind(word);
  return kind !== "text" ? [at, at + word.length, kind] : null;
}

function bashLiterals(code: string): LiteralSpan[] {
  const spans: LiteralSpan[] = [];
  for (const m of code.matchAll(BASH_TOKEN)) {
    const token = m[0];
    const at = m.index ?? 0;
    if ((token[0] === "'" || token[0] === '"') && token.length >= 2) {
      if (token.length > 2) {
        const content = token.slice(1, -1);
        if (!GENERIC_PATHS.has(content)) spans.push([at + 1, at + token.length - 1, textKind(content)]);
      }
    } else if (!/[<>&]/u.test(token)) {
      // not a redirection
      const found = bashWord(token, at);
      if (found) spans.push(found);
    }
  }
  return spans;
}

/** [start, end, kind] of every literal of a code, left to right, non-overlapping. */
export function findLiterals(language: LiteralLanguage, code: string): LiteralSpan[] {
  if (language === "cf") return cfLiterals(code);
  if (language === "python") return pythonLiterals(code);
  if (language === "bash") return bashLiterals(code);
  throw new Error(`unknown language ${JSON.stringify(language)}; expected one of ${LITERAL_LANGUAGES.join(", ")}`);
}

// ------------------------------------------------------------------------------------------ given or foreign

const WORDS = /[\p{L}\p{Nl}\p{No}]+|\p{Nd}+/gu;
const DECIMAL = /^\p{Nd}+$/u;
const ASCII_NUMBER = /[0-9]+(?:\.[0-9]+)?/gu;
const THOUSANDS = /(?<![0-9])[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])/gu;
const NUMBER_LITERAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/u;
const NUMBER_WORDS: ReadonlyMap<string, string> = new Map(Object.entries({
  zero: "0", one: "1", two: "2", three: "3", four: "4", five: "5", six: "6", seven: "7",
  eight: "8", nine: "9", ten: "10", eleven: "11", twelve: "12", fifteen: "15", twenty: "20",
  thirty: "30", forty: "40", fifty: "50", hundred: "100", thousand: "1000", million: "1000000",
  first: "1", second: "2", third: "3", fourth: "4", fifth: "5", sixth: "6", seventh: "7",
  eighth: "8", ninth: "9", tenth: "10", once: "1", twice: "2", dozen: "12", half: "0.5",
  double: "2", triple: "3", week: "7", month: "30", year: "365",
}));
const ALWAYS_GIVEN_NUMBERS = ["0", "1"];
/** File extensions a request names by their word ("text files" -> *.txt). */
const EXTENSION_WORDS: ReadonlyMap<string, readonly string[]> = new Map(Object.entries({
  txt: ["text"], py: ["python"], js: ["javascript"], sh: ["shell", "bash", "script"],
  md: ["markdown"], jpg: ["jpeg"], htm: ["html"], pl: ["perl"], rb: ["ruby"],
}));
/** What is not checked inside a literal: variables ($f, ${f}), Python's format fields, the placeholders themselves. */
const UNCHECKED = /\{\{[a-z]+\}\}|\$\{[^}]*\}|\$[A-Za-z0-9_@#?*!-]+|\{[^{}]*\}/gu;

/** A decimal's digits without sign, leading zeros or trailing fractional zeros: "+007.50" -> "7.5". */
export function canonicalNumber(text: string): string {
  let s = text.replace(/^[+-]+/u, "");
  if (s.includes(".")) s = s.replace(/0+$/u, "").replace(/\.+$/u, "");
  s = s.replace(/^0+/u, "");
  return s.startsWith(".") || !s ? "0" + s : s;
}

/** What a request gives (Python's LiteralContext): plain data, so a Prepared that holds it can cross a worker. */
export interface LiteralContext {
  readonly language: LiteralLanguage;
  readonly request: string;
  /** The language's own words, lower case (the tagger's stopwords). */
  readonly languageWords: readonly string[];
}

interface Given {
  lowered: string;
  words: ReadonlySet<string>;
  numbers: ReadonlySet<string>;
  own: ReadonlySet<string>;
}

function given(context: LiteralContext): Given {
  const lowered = context.request.toLowerCase();
  const plain = [...lowered.matchAll(WORDS)].map((m) => m[0]);
  const numbers = new Set<string>(ALWAYS_GIVEN_NUMBERS);
  for (const m of context.request.matchAll(THOUSANDS)) numbers.add(canonicalNumber(m[0].replaceAll(",", "")));
  for (const m of context.request.matchAll(ASCII_NUMBER)) numbers.add(canonicalNumber(m[0]));
  for (const w of plain) {
    const n = NUMBER_WORDS.get(w);
    if (n !== undefined) numbers.add(n);
  }
  return { lowered, words: new Set(plain.map(headerStem)), numbers, own: new Set(context.languageWords) };
}

function gives(context: LiteralContext, g: Given, literal: string, kind: LiteralKind): boolean {
  if (kind === "number" && NUMBER_LITERAL.test(literal)) return g.numbers.has(canonicalNumber(literal));
  const checked = context.language !== "cf" ? literal.replace(UNCHECKED, " ") : literal.replace(EDITABLE_ALL, " ");
  const t = pyStrip(checked).toLowerCase();
  if (!t || g.lowered.includes(t)) return true;
  const useOwn = kind === "text" && context.language !== "cf";
  for (const [w] of t.matchAll(WORDS)) {
    if (DECIMAL.test(w)) {
      if (g.words.has(w) || g.numbers.has(canonicalNumber(w))) continue;
      return false;
    }
    if (w.length === 1 && w >= "a" && w <= "z") continue; // an ASCII letter alone (a sed command, a format letter)
    if (g.words.has(headerStem(w)) || (useOwn && g.own.has(w))) continue;
    if (kind === "file" && (EXTENSION_WORDS.get(w) ?? []).some((a) => g.words.has(headerStem(a)))) continue;
    return false;
  }
  return true;
}

/** The literals of `code` the request does not give. */
export function foreignLiterals(context: LiteralContext, code: string): LiteralSpan[] {
  const g = given(context);
  return findLiterals(context.language, code).filter(
    ([a, b, kind]) => !EDITABLE_WHOLE.test(code.slice(a, b)) && !gives(context, g, code.slice(a, b), kind),
  );
}

/** The code with every literal the request does not give replaced by its editable placeholder. */
export function ownLiterals(context: LiteralContext, code: string): string {
  let out = code;
  for (const [a, b, kind] of foreignLiterals(context, code).reverse()) out = out.slice(0, a) + editable(kind) + out.slice(b);
  return out;
}

/** Whether a code shows an editable placeholder (the app lets the user fill it in). */
export function hasEditable(code: string): boolean {
  return EDITABLE.test(code);
}
