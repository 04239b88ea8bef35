// Parser for the CodeFusion conditional-formatting (CF) rule language. See cf.ts for the language overview, the counts
// of every form in the data and the semantics. The parser never throws: bad input gives {ok: false, error}.
//
// Arguments of the text functions are mostly *unquoted* text that may hold spaces, commas, unicode and even unbalanced
// parentheses (`TextEquals(City, Country)`, `TextEquals(Y(SH))`, `TextContains(()`, `TextContains(Yes-adhoc(if needed)`),
// so the parser backtracks: a raw-text argument may end at any later `)`, the balanced one first, and the first reading
// that consumes the whole input wins.

/** A value a comparison reads or compares with. `cell` is the cell being formatted (rules without a column reference). */
export type CfOperand =
  | { kind: "cell" }
  | { kind: "column"; index: number }
  | { kind: "number"; value: number; text: string }
  | { kind: "text"; value: string; quoted: boolean }
  | { kind: "call"; fn: CfValueFunction; arg: CfOperand };

export type CfValueFunction = "LEN" | "ABS" | "TRIM" | "UPPER" | "LOWER";
export type CfCompareOp = "gt" | "ge" | "lt" | "le" | "eq" | "ne";
export type CfTextOp = "contains" | "equals" | "startsWith" | "endsWith";
export type CfVisual = "ColorScale" | "DataBar" | "IconSet";
export type CfDatePeriod =
  | "yesterday"
  | "today"
  | "tomorrow"
  | "last7Days"
  | "lastWeek"
  | "thisWeek"
  | "nextWeek"
  | "lastMonth"
  | "thisMonth"
  | "nextMonth";

/** The subject of a rule: the current cell, or a column `c[k]` (0-based), possibly wrapped in LEN(...) etc. */
export type CfSubject = CfOperand;

export type CfRule =
  | { kind: "and" | "or"; args: CfRule[] }
  | { kind: "not"; arg: CfRule }
  | { kind: "compare"; op: CfCompareOp; subject: CfSubject; value: CfOperand }
  | { kind: "between"; subject: CfSubject; low: CfOperand; high: CfOperand }
  | { kind: "text"; op: CfTextOp; subject: CfSubject; value: CfOperand }
  | { kind: "rank"; direction: "top" | "bottom"; column: number | null; count: number; percent: boolean }
  | { kind: "average"; above: boolean; column: number | null }
  | { kind: "duplicate"; unique: boolean; column: number | null }
  | { kind: "blanks"; blank: boolean; column: number | null }
  | { kind: "errors"; error: boolean; column: number | null }
  | { kind: "visual"; style: CfVisual; column: number | null; options: string }
  | { kind: "date"; period: CfDatePeriod; column: number | null }
  /** An Excel formula rule (`$A2=$A3`, `SUMPRODUCT(...)>1`): recognised, kept as text, not executable. */
  | { kind: "formula"; text: string }
  /** Office Scripts object-model code (`...getRange("C24:C72").addConditionalFormat(...)`): not executable. */
  | { kind: "officeScript"; text: string };

export interface CfParseError {
  message: string;
  /** 0-based offset into the input (UTF-16 code units) where parsing failed. */
  position: number;
}

export type ParseResult = { ok: true; rule: CfRule } | { ok: false; error: CfParseError };

// ---------------------------------------------------------------------------------------------------------------------
// Function table. Names are matched case-insensitively (the data has `top` and `Top`, `NOT` and `Not`, ...).

type Signature =
  | { sig: "logic"; kind: "and" | "or" | "not" }
  | { sig: "compare"; op: CfCompareOp }
  | { sig: "between" }
  | { sig: "text"; op: CfTextOp }
  | { sig: "rank"; direction: "top" | "bottom"; percent: boolean }
  | { sig: "average"; above: boolean }
  | { sig: "duplicate"; unique: boolean }
  | { sig: "blanks"; blank: boolean }
  | { sig: "errors"; error: boolean }
  | { sig: "visual"; style: CfVisual }
  | { sig: "date"; period: CfDatePeriod };

const FUNCTIONS: Record<string, Signature> = {};
function define(names: string[], signature: Signature): void {
  for (const name of names) FUNCTIONS[name.toLowerCase()] = signature;
}
define(["AND"], { sig: "logic", kind: "and" });
define(["OR"], { sig: "logic", kind: "or" });
define(["NOT"], { sig: "logic", kind: "not" });
define(["GreaterThan"], { sig: "compare", op: "gt" });
define(["GreaterThanEqual", "GreaterThanEquals", "GreaterThanOrEqual"], { sig: "compare", op: "ge" });
define(["LessThan"], { sig: "compare", op: "lt" });
define(["LessThanEqual", "LessThanEquals", "LessThanOrEqual"], { sig: "compare", op: "le" });
define(["Equals", "Equal"], { sig: "compare", op: "eq" });
define(["NotEquals", "NotEqual"], { sig: "compare", op: "ne" });
define(["Between"], { sig: "between" });
define(["TextContains"], { sig: "text", op: "contains" });
define(["TextEquals"], { sig: "text", op: "equals" });
define(["TextStartsWith", "StartsWith"], { sig: "text", op: "startsWith" });
define(["TextEndsWith", "EndsWith"], { sig: "text", op: "endsWith" });
define(["top"], { sig: "rank", direction: "top", percent: false });
define(["bottom"], { sig: "rank", direction: "bottom", percent: false });
define(["TopPercent"], { sig: "rank", direction: "top", percent: true });
define(["BottomPercent"], { sig: "rank", direction: "bottom", percent: true });
define(["aboveAverage"], { sig: "average", above: true });
define(["belowAverage"], { sig: "average", above: false });
define(["Duplicate", "Duplicates"], { sig: "duplicate", unique: false });
define(["Unique", "Uniques"], { sig: "duplicate", unique: true });
define(["Blanks"], { sig: "blanks", blank: true });
define(["NoBlanks", "NotBlanks"], { sig: "blanks", blank: false });
define(["Errors"], { sig: "errors", error: true });
define(["NoErrors", "NotErrors"], { sig: "errors", error: false });
define(["ColorScale"], { sig: "visual", style: "ColorScale" });
define(["DataBar"], { sig: "visual", style: "DataBar" });
define(["IconSet"], { sig: "visual", style: "IconSet" });
define(["Yesterday"], { sig: "date", period: "yesterday" });
define(["Today"], { sig: "date", period: "today" });
define(["Tomorrow"], { sig: "date", period: "tomorrow" });
define(["Last7Days"], { sig: "date", period: "last7Days" });
define(["LastWeek"], { sig: "date", period: "lastWeek" });
define(["ThisWeek"], { sig: "date", period: "thisWeek" });
define(["NextWeek"], { sig: "date", period: "nextWeek" });
define(["LastMonth"], { sig: "date", period: "lastMonth" });
define(["ThisMonth"], { sig: "date", period: "thisMonth" });
define(["NextMonth"], { sig: "date", period: "nextMonth" });

const VALUE_FUNCTIONS: Record<string, CfValueFunction> = {
  len: "LEN",
  abs: "ABS",
  trim: "TRIM",
  upper: "UPPER",
  lower: "LOWER",
};

/** Canonical spelling of every rule function the parser accepts (for docs and tests). */
export const CF_FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS);

/** Default N of `top()` / `Top(c[k])` without a count: Excel's "Top 10 Items". */
export const DEFAULT_RANK_COUNT = 10;

// ---------------------------------------------------------------------------------------------------------------------

const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*/;
const OFFICE_SCRIPT_RE = /ExcelScript\.|selectedSheet\.|conditionalFormatting\.|\.getRange\(|addConditionalFormat\(/;
/** An anchored A1-style reference, which the rule language never has: `$A2`, `E$4`, `$D$4:$D$8`, `$Sheet1!I2`. */
const A1_REF_RE = /\$[A-Za-z]{1,3}\$?\d+|[A-Za-z]{1,3}\$\d+|![A-Za-z]{1,3}\d+/;
const MAX_STEPS = 200_000;

interface Parsed<T> {
  value: T;
  end: number;
}

class Failure {
  position = -1;
  message = "";
  note(position: number, message: string): void {
    // Report the failure that got furthest into the input (the usual PEG heuristic).
    if (position > this.position) {
      this.position = position;
      this.message = message;
    }
  }
}

class TooComplex extends Error {}

class Parser {
  private steps = 0;
  readonly failure = new Failure();
  constructor(private readonly src: string) {}

  private tick(): void {
    if (++this.steps > MAX_STEPS) throw new TooComplex();
  }

  private ws(pos: number): number {
    while (pos < this.src.length && /\s/.test(this.src[pos]!)) pos++;
    return pos;
  }

  private expect(pos: number, char: string): number | null {
    const p = this.ws(pos);
    if (this.src[p] === char) return p + 1;
    this.failure.note(p, p >= this.src.length ? `expected '${char}' but the input ended` : `expected '${char}'`);
    return null;
  }

  /** All readings of a rule starting at pos, preferred first. */
  *rule(pos: number): Generator<Parsed<CfRule>> {
    this.tick();
    const start = this.ws(pos);
    const ident = IDENT_RE.exec(this.src.slice(start));
    if (!ident) {
      this.failure.note(start, start >= this.src.length ? "expected a rule but the input ended" : "expected a rule name");
      return;
    }
    const name = ident[0];
    const signature = FUNCTIONS[name.toLowerCase()];
    if (!signature) {
      this.failure.note(start, `unknown function '${name}'`);
      return;
    }
    const open = this.expect(start + name.length, "(");
    if (open === null) return;
    yield* this.args(signature, open);
  }

  private *args(s: Signature, pos: number): Generator<Parsed<CfRule>> {
    switch (s.sig) {
      case "logic": {
        if (s.kind !== "not") {
          // AND() / OR() with no rule: vacuously true / false (a pretraining snippet has `OR(TextEquals(0),OR())`).
          const p = this.ws(pos);
          if (this.src[p] === ")") yield { value: { kind: s.kind, args: [] }, end: p + 1 };
        }
        for (const list of this.ruleList(pos)) {
          if (s.kind === "not") {
            if (list.value.length !== 1) {
              this.failure.note(pos, "NOT takes exactly one rule");
              continue;
            }
            yield { value: { kind: "not", arg: list.value[0]! }, end: list.end };
          } else {
            yield { value: { kind: s.kind, args: list.value }, end: list.end };
          }
        }
        return;
      }
      case "compare":
        for (const subj of this.optionalSubject(pos))
          for (const value of this.operand(subj.end, "value"))
            for (const end of this.close(value.end))
              yield { value: { kind: "compare", op: s.op, subject: subj.value, value: value.value }, end };
        return;
      case "between":
        for (const subj of this.optionalSubject(pos))
          for (const low of this.operand(subj.end, "bound")) {
            const comma = this.expect(low.end, ",");
            if (comma === null) continue;
            for (const high of this.operand(comma, "bound"))
              for (const end of this.close(high.end))
                yield { value: { kind: "between", subject: subj.value, low: low.value, high: high.value }, end };
          }
        return;
      case "text":
        for (const subj of this.optionalSubject(pos))
          for (const value of this.operand(subj.end, "text"))
            for (const end of this.close(value.end))
              yield { value: { kind: "text", op: s.op, subject: subj.value, value: value.value }, end };
        return;
      case "rank": {
        for (const col of this.optionalColumn(pos, true)) {
          const countPos = this.ws(col.end);
          const num = NUMBER_RE.exec(this.src.slice(countPos));
          if (num) {
            let end = countPos + num[0].length;
            let percent = s.percent;
            const afterNum = this.ws(end);
            if (this.src[afterNum] === "%") {
              percent = true;
              end = afterNum + 1;
            }
            const count = Number(num[0]);
            if (count < 0) {
              this.failure.note(countPos, "the count of top/bottom must not be negative");
              continue;
            }
            for (const close of this.close(end))
              yield { value: { kind: "rank", direction: s.direction, column: col.value, count, percent }, end: close };
          } else if (col.value === null || col.hadComma === false) {
            // top() / Top(c[2]) without a count: Excel's default (10 items, or 10 percent).
            for (const close of this.close(col.end))
              yield {
                value: { kind: "rank", direction: s.direction, column: col.value, count: DEFAULT_RANK_COUNT, percent: s.percent },
                end: close,
              };
          } else {
            this.failure.note(countPos, "expected the number of items");
          }
        }
        return;
      }
      case "average":
      case "duplicate":
      case "blanks":
      case "errors":
      case "date":
        for (const col of this.optionalColumn(pos, false))
          for (const end of this.close(col.end)) {
            const column = col.value;
            const value: CfRule =
              s.sig === "average"
                ? { kind: "average", above: s.above, column }
                : s.sig === "duplicate"
                  ? { kind: "duplicate", unique: s.unique, column }
                  : s.sig === "blanks"
                    ? { kind: "blanks", blank: s.blank, column }
                    : s.sig === "errors"
                      ? { kind: "errors", error: s.error, column }
                      : { kind: "date", period: s.period, column };
            yield { value, end };
          }
        return;
      case "visual":
        // ColorScale(), ColorScale(c[2]) and, leniently, extra style options (colours...) that do not change which cells
        // are formatted: ColorScale(c[2], red, green).
        for (const col of this.optionalColumn(pos, true)) {
          if (col.value !== null && !col.hadComma) {
            for (const end of this.close(col.end))
              yield { value: { kind: "visual", style: s.style, column: col.value, options: "" }, end };
            continue;
          }
          for (const raw of this.rawText(col.end, col.value !== null))
            for (const end of this.close(raw.end))
              yield { value: { kind: "visual", style: s.style, column: col.value, options: raw.value.trim() }, end };
        }
        return;
    }
  }

  /** rule (',' rule)* */
  private *ruleList(pos: number): Generator<Parsed<CfRule[]>> {
    for (const first of this.rule(pos)) {
      const p = this.ws(first.end);
      if (this.src[p] === ")") yield { value: [first.value], end: p + 1 };
      else this.failure.note(p, "expected ',' or ')'");
      if (this.src[p] === ",")
        for (const rest of this.ruleList(p + 1)) yield { value: [first.value, ...rest.value], end: rest.end };
    }
  }

  private *close(pos: number): Generator<number> {
    const end = this.expect(pos, ")");
    if (end !== null) yield end;
  }

  /** An optional leading subject `c[k]` / `LEN(c[k])` followed by a comma; else the current cell. */
  private *optionalSubject(pos: number): Generator<Parsed<CfSubject>> {
    for (const subj of this.columnExpr(pos)) {
      const comma = this.expect(subj.end, ",");
      if (comma !== null) yield { value: subj.value, end: comma };
    }
    yield { value: { kind: "cell" }, end: pos };
  }

  /** An optional `c[k]`, with or without a following comma (allowComma), else no column. */
  private *optionalColumn(
    pos: number,
    allowComma: boolean,
  ): Generator<{ value: number | null; end: number; hadComma: boolean }> {
    const col = this.column(pos);
    if (col) {
      const p = this.ws(col.end);
      if (allowComma && this.src[p] === ",") yield { value: col.value, end: p + 1, hadComma: true };
      yield { value: col.value, end: col.end, hadComma: false };
    }
    yield { value: null, end: pos, hadComma: false };
  }

  /** `c[k]` (0-based column index). */
  private column(pos: number): Parsed<number> | null {
    const p = this.ws(pos);
    const m = /^[cC]\s*\[\s*(\d+)\s*\]/.exec(this.src.slice(p));
    if (!m) return null;
    return { value: Number(m[1]), end: p + m[0].length };
  }

  /** c[k] or a value function of one: LEN(c[0]), UPPER(TRIM(c[1])). */
  private *columnExpr(pos: number): Generator<Parsed<CfOperand>> {
    const col = this.column(pos);
    if (col) {
      yield { value: { kind: "column", index: col.value }, end: col.end };
      return;
    }
    const p = this.ws(pos);
    const ident = IDENT_RE.exec(this.src.slice(p));
    const fn = ident ? VALUE_FUNCTIONS[ident[0].toLowerCase()] : undefined;
    if (!ident || !fn) return;
    const open = this.expect(p + ident[0].length, "(");
    if (open === null) return;
    for (const inner of this.columnExpr(open))
      for (const end of this.close(inner.end)) yield { value: { kind: "call", fn, arg: inner.value }, end };
  }

  /**
   * A value argument. "value": number, quoted text, column expression, else raw text up to a ')'.
   * "bound" (Between): the same but raw text may not hold ',' or ')'. "text": quoted text, column expression, else raw
   * text (a number is text here: TextEquals(0) compares the text "0").
   */
  private *operand(pos: number, mode: "value" | "bound" | "text"): Generator<Parsed<CfOperand>> {
    const p = this.ws(pos);
    const quote = this.src[p];
    if (quote === '"' || quote === "'") {
      const closeQuote = this.src.indexOf(quote, p + 1);
      if (closeQuote > p) yield { value: { kind: "text", value: this.src.slice(p + 1, closeQuote), quoted: true }, end: closeQuote + 1 };
    }
    if (mode !== "text") {
      const num = NUMBER_RE.exec(this.src.slice(p));
      if (num) yield { value: { kind: "number", value: Number(num[0]), text: num[0] }, end: p + num[0].length };
    }
    yield* this.columnExpr(p);
    if (mode === "bound") {
      const m = /^[^,()]+/.exec(this.src.slice(p));
      if (m && m[0].trim() !== "") yield { value: { kind: "text", value: m[0].trim(), quoted: false }, end: p + m[0].length };
      else this.failure.note(p, "expected a number");
      return;
    }
    // Raw text keeps its spaces, except the ones right after a separating comma (`TextContains(c[1], foo)`).
    const rawStart = pos > 0 && this.src.slice(0, pos).trimEnd().endsWith(",") ? p : pos;
    for (const raw of this.rawText(rawStart, false)) {
      const value = raw.value;
      const t = value.trim();
      const pct = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%$/.exec(t);
      if (mode === "value" && t !== "" && NUMBER_RE.exec(t)?.[0] === t)
        yield { value: { kind: "number", value: Number(t), text: t }, end: raw.end };
      else if (mode === "value" && pct) yield { value: { kind: "number", value: Number(pct[1]) / 100, text: t }, end: raw.end };
      else yield { value: { kind: "text", value, quoted: false }, end: raw.end };
    }
  }

  /**
   * Raw text from pos up to (not including) a ')' that closes the call: first the ')' at parenthesis depth 0, then every
   * other ')' in order (so unbalanced text like `(` or `Yes-adhoc(if needed` is readable too).
   */
  private *rawText(pos: number, skipLeadingSpace: boolean): Generator<Parsed<string>> {
    const start = skipLeadingSpace ? this.ws(pos) : pos;
    // Raw text may leave a '(' open but never holds an unmatched ')': the candidates are the ')' up to and including the
    // first one at depth 0 (otherwise `AND(GreaterThan(1),Bar(2))` would read as GreaterThan of the text "1),Bar(2").
    const candidates: number[] = [];
    let depth = 0;
    let balanced = -1;
    for (let i = start; i < this.src.length && balanced < 0; i++) {
      const ch = this.src[i];
      if (ch === "(") depth++;
      else if (ch === ")") {
        if (depth === 0) balanced = i;
        else {
          depth--;
          candidates.push(i);
        }
      }
    }
    const order = balanced >= 0 ? [balanced, ...candidates.reverse()] : candidates.reverse();
    if (order.length === 0) this.failure.note(this.src.length, "expected ')' but the input ended");
    for (const end of order) {
      this.tick();
      yield { value: this.src.slice(start, end), end };
    }
  }
}

function isBalanced(text: string): { ok: true } | { ok: false; position: number } {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"') quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")") {
      depth--;
      if (depth < 0) return { ok: false, position: i };
    }
  }
  return depth === 0 && quote === null ? { ok: true } : { ok: false, position: text.length };
}

/** Parse one rule. Never throws. */
export function parseCfRule(text: string): ParseResult {
  if (typeof text !== "string") return { ok: false, error: { message: "the rule is not a string", position: 0 } };
  if (text.trim() === "") return { ok: false, error: { message: "the rule is empty", position: 0 } };

  if (OFFICE_SCRIPT_RE.test(text)) return { ok: true, rule: { kind: "officeScript", text } };

  const parser = new Parser(text);
  try {
    for (const reading of parser.rule(0)) {
      const rest = text.slice(reading.end);
      if (rest.trim() === "") return { ok: true, rule: reading.value };
      parser.failure.note(reading.end + rest.length - rest.trimStart().length, "unexpected text after the rule");
    }
  } catch (e) {
    if (!(e instanceof TooComplex)) throw e;
    return { ok: false, error: { message: "the rule is too complex to parse", position: 0 } };
  }

  // Not in the rule language: an Excel formula rule (with A1 references) is recognised but kept opaque.
  const body = text.trim().replace(/^=/, "");
  if (text.trim().startsWith("=") || A1_REF_RE.test(body)) {
    const balance = isBalanced(body);
    if (balance.ok) return { ok: true, rule: { kind: "formula", text: text.trim() } };
    const offset = text.indexOf(body);
    return {
      ok: false,
      error: {
        message: balance.position >= body.length ? "unbalanced parentheses: missing ')'" : "unbalanced parentheses: unexpected ')'",
        position: Math.min(text.length, offset + balance.position),
      },
    };
  }
  const failure = parser.failure;
  return {
    ok: false,
    error: { message: failure.message || "not a rule", position: Math.max(0, Math.min(failure.position, text.length)) },
  };
}

/** The rule as canonical text (used for display and tests; quoted values keep their quotes). */
export function formatCfRule(rule: CfRule): string {
  const col = (c: number | null): string => (c === null ? "" : `c[${c}]`);
  const withCol = (c: number | null, rest: string): string => [col(c), rest].filter((s) => s !== "").join(", ");
  switch (rule.kind) {
    case "and":
    case "or":
      return `${rule.kind.toUpperCase()}(${rule.args.map(formatCfRule).join(", ")})`;
    case "not":
      return `NOT(${formatCfRule(rule.arg)})`;
    case "compare": {
      const name = { gt: "GreaterThan", ge: "GreaterThanEqual", lt: "LessThan", le: "LessThanEqual", eq: "Equals", ne: "NotEquals" }[
        rule.op
      ];
      return `${name}(${subjectPrefix(rule.subject)}${formatOperand(rule.value)})`;
    }
    case "between":
      return `Between(${subjectPrefix(rule.subject)}${formatOperand(rule.low)}, ${formatOperand(rule.high)})`;
    case "text": {
      const name = { contains: "TextContains", equals: "TextEquals", startsWith: "TextStartsWith", endsWith: "TextEndsWith" }[rule.op];
      return `${name}(${subjectPrefix(rule.subject)}${formatOperand(rule.value)})`;
    }
    case "rank":
      return `${rule.direction}(${withCol(rule.column, `${rule.count}${rule.percent ? "%" : ""}`)})`;
    case "average":
      return `${rule.above ? "aboveAverage" : "belowAverage"}(${col(rule.column)})`;
    case "duplicate":
      return `${rule.unique ? "Unique" : "Duplicate"}(${col(rule.column)})`;
    case "blanks":
      return `${rule.blank ? "Blanks" : "NoBlanks"}(${col(rule.column)})`;
    case "errors":
      return `${rule.error ? "Errors" : "NoErrors"}(${col(rule.column)})`;
    case "visual":
      return `${rule.style}(${withCol(rule.column, rule.options)})`;
    case "date":
      return `${rule.period[0]!.toUpperCase()}${rule.period.slice(1)}(${col(rule.column)})`;
    case "formula":
    case "officeScript":
      return rule.text;
  }
}

function subjectPrefix(subject: CfSubject): string {
  return subject.kind === "cell" ? "" : `${formatOperand(subject)}, `;
}

function formatOperand(op: CfOperand): string {
  switch (op.kind) {
    case "cell":
      return "cell";
    case "column":
      return `c[${op.index}]`;
    case "number":
      return op.text;
    case "text":
      return op.quoted ? `'${op.value}'` : op.value;
    case "call":
      return `${op.fn}(${formatOperand(op.arg)})`;
  }
}
