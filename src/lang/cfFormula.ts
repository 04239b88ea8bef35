// A CF rule of the model's language (cfParser.ts) as a spreadsheet formula rule ("Use a formula to determine which
// cells to format"), which Excel, Google Sheets and LibreOffice all accept, for the range the rule applies to on a
// given table; and that table as spreadsheet cells (typed as the interpreter reads them), for the .xlsx download.
//
//   sheetCells(table)            -> the table as typed cells: header row 1, data from row 2, column A = c[0]
//   cfRuleToFormula(rule, table) -> {ok: true, formula: "=AND(ISNUMBER($C2),$C2>100)", ranges: ["C2:C9"], anchor: "C2"}
//                                 | {ok: false, reason}
//
// The formula selects exactly the cells the interpreter (cfInterpreter.ts) selects on that table; where it could not,
// it is refused with the reason, never given wrong. What that takes, since a spreadsheet's formulas are not the
// interpreter's semantics (cf.ts SEMANTICS):
//  - References: a rule's column c[k] is `$K2` (column fixed, row relative), the formatted cell of a rule without
//    columns is the relative `A2`; both are written for the range's top-left cell (the anchor, always row 2), as the
//    formula box expects. Per-column statistics read `$K$2:$K$9`, or `A$2:A$9` (the formatted cell's column).
//  - Numbers compare only with numbers (`AND(ISNUMBER($C2),$C2>100)`): a spreadsheet counts a blank as 0 and text as
//    greater than any number, the interpreter never. Text compares as text (`$E2&""="no"`, case-insensitive as both
//    are); a comparison with "" is ISBLANK.
//  - Text rules: SEARCH with its wildcards escaped (contains), LEFT/RIGHT (starts/ends with), `&""` (equals).
//  - An error value makes a spreadsheet formula an error (the cell is not formatted), where the interpreter's
//    comparison is false: the same at the top of the rule or under AND, the opposite under NOT or OR, so there each
//    comparison is wrapped in IFERROR(…,FALSE).
//  - Refused on a table where the spreadsheet would see other values than the interpreter: text rules on numbers
//    whose spreadsheet text differs from the cell as written (dates, 50%, 1,500, 007); date rules on a range that
//    also holds plain numbers (a spreadsheet cannot tell a date from a number); top/bottom, averages and duplicates
//    over a column with an error value (COUNTIF and AVERAGE stop at it); duplicates of text that COUNTIF
//    reads as a pattern (*, ?, ~, or a leading <, >, =); an error the interpreter knows that a spreadsheet has not
//    (#ERR, #SPILL! …).
//  - Refused always: colour scales, data bars and icon sets (not formula rules: the .xlsx download writes them as
//    what they are), Excel formula rules and Office Scripts code (the anchor they were written for is unknown), a
//    comparison of a function of a cell (LEN, TRIM …) with another column.
import { buildTableModel, evaluateCfRule, type CfTable } from "./cfInterpreter";
import type { CfCompareOp, CfDatePeriod, CfOperand, CfRule } from "./cfParser";

/** A cell as a spreadsheet holds it. Dates are serial numbers with a date format, percentages numbers with "0%". */
export type SheetCell =
  | { kind: "blank" }
  | { kind: "number"; value: number; format: "general" | "date" | "datetime" | "percent" | "thousands" }
  | { kind: "text"; value: string }
  | { kind: "boolean"; value: boolean }
  | { kind: "error"; value: ExcelError };

/** The error values a workbook can hold (the interpreter knows more: #SPILL!, #CALC!, the data's #ERR …). */
export const EXCEL_ERRORS = ["#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"] as const;
export type ExcelError = (typeof EXCEL_ERRORS)[number];

export type CfFormulaResult =
  | {
      ok: true;
      /** The formula rule, with its leading "=", for the anchor cell. */
      formula: string;
      /** The areas the rule applies to, A1 ranges over the data rows ("C2:C9"; several when columns are apart). */
      ranges: string[];
      /** The top-left cell of the first range: the cell the formula is written for. */
      anchor: string;
    }
  | { ok: false; reason: string };

/** Spreadsheet column letter of a 0-based column: 0 -> "A", 25 -> "Z", 26 -> "AA". */
export function columnName(col: number): string {
  let n = col + 1;
  let out = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    out = String.fromCharCode(65 + r) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

type Model = ReturnType<typeof buildTableModel>;

/** The table as spreadsheet cells, header first (as text), every row as wide as the widest. */
export function sheetCells(table: CfTable): SheetCell[][] {
  const model = buildTableModel(table);
  const header = table[0] ?? [];
  const out: SheetCell[][] = [
    Array.from({ length: model.cols }, (_, c): SheetCell => {
      const v = header[c];
      const text = v === null || v === undefined ? "" : String(v);
      return text === "" ? { kind: "blank" } : { kind: "text", value: text };
    }),
  ];
  for (let r = 0; r < model.rows; r++) {
    out.push(Array.from({ length: model.cols }, (_, c) => dataCell(model, table, r, c)));
  }
  return out;
}

function dataCell(model: Model, table: CfTable, row: number, col: number): SheetCell {
  const raw = table[row + 1]?.[col];
  const v = model.cell(row, col);
  if (typeof raw === "boolean") return { kind: "boolean", value: raw };
  if (v.blank) return { kind: "blank" };
  if (v.error) {
    const code = v.text.trim().toUpperCase();
    const known = EXCEL_ERRORS.find((e) => e === code);
    return known ? { kind: "error", value: known } : { kind: "text", value: v.text };
  }
  if (v.num !== null) {
    const t = v.text.trim();
    const format = v.date ? (Number.isInteger(v.num) ? "date" : "datetime") : t.endsWith("%") ? "percent" : t.includes(",") ? "thousands" : "general";
    return { kind: "number", value: v.num, format };
  }
  return { kind: "text", value: v.text };
}

/** Whether the interpreter reads the cell as an error that a spreadsheet holds as text (#ERR, #SPILL! …). */
function isForeignError(model: Model, row: number, col: number): boolean {
  const v = model.cell(row, col);
  return v.error && !EXCEL_ERRORS.some((e) => e === v.text.trim().toUpperCase());
}

class Refused extends Error {}

interface Context {
  model: Model;
  /** Data rows: spreadsheet rows 2 .. last. */
  last: number;
  /** The columns of the range (the formatted cell of a rule without columns is any of them). */
  columns: number[];
  /** Column of the anchor (the formatted cell's reference is written for it). */
  anchorCol: number;
}

/** A comparison's formula, and whether it can evaluate to an error (then NOT and OR need IFERROR around it). */
interface Part {
  expr: string;
  mayError: boolean;
}

const OPS: Record<CfCompareOp, string> = { gt: ">", ge: ">=", lt: "<", le: "<=", eq: "=", ne: "<>" };

function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

function numberLiteral(n: number): string {
  return Number.isFinite(n) ? String(n).replace("e+", "E+").replace("e-", "E-") : "0";
}

/** The columns an operand reads: its own, or every column of the range for the formatted cell. */
function operandColumns(op: CfOperand, ctx: Context): number[] {
  switch (op.kind) {
    case "cell":
      return ctx.columns;
    case "column":
      return [op.index];
    case "call":
      return operandColumns(op.arg, ctx);
    default:
      return [];
  }
}

/** The reference of a cell operand: `$C2`, or the relative `A2` of the formatted cell. */
function cellRef(op: CfOperand, ctx: Context): string {
  if (op.kind === "column") return `$${columnName(op.index)}2`;
  if (op.kind === "cell") return `${columnName(ctx.anchorCol)}2`;
  throw new Refused("internal: not a cell");
}

/** The column range a per-column statistic reads: `$C$2:$C$9`, or `A$2:A$9` for the formatted cell's column. */
function columnRange(column: number | null, ctx: Context): string {
  if (column !== null) {
    const c = columnName(column);
    return `$${c}$2:$${c}$${ctx.last}`;
  }
  const c = columnName(ctx.anchorCol);
  return `${c}$2:${c}$${ctx.last}`;
}

function statColumns(column: number | null, ctx: Context): number[] {
  return column !== null ? [column] : ctx.columns;
}

/** Whether a spreadsheet reads the cell as the same text as the interpreter (`12`, `310.5`: yes; a date, 50%, 1,500, 007: no). */
function sheetTextMatches(model: Model, row: number, col: number): boolean {
  const v = model.cell(row, col);
  if (v.num === null || v.error) return true;
  return !v.date && String(v.num) === v.text.trim() && v.text === v.text.trim();
}

function requireSheetText(cols: number[], ctx: Context, what: string): void {
  for (const col of cols) {
    for (let row = 0; row < ctx.model.rows; row++) {
      if (!sheetTextMatches(ctx.model, row, col)) {
        const v = ctx.model.cell(row, col);
        throw new Refused(
          `${what} reads the text of ${columnName(col)}${row + 2} ("${v.text.trim()}"), which a spreadsheet holds as the ` +
            `${v.date ? "date" : "number"} ${v.num} and reads as "${v.num}"`,
        );
      }
    }
  }
}

function requireNoErrors(cols: number[], ctx: Context, what: string): void {
  for (const col of cols) {
    for (let row = 0; row < ctx.model.rows; row++) {
      if (ctx.model.cell(row, col).error)
        throw new Refused(`${what} over column ${columnName(col)}, which holds an error value (${columnName(col)}${row + 2}): the spreadsheet's function stops at it, the preview skips it`);
    }
  }
}

function requireOnlyDates(cols: number[], ctx: Context): void {
  for (const col of cols) {
    for (let row = 0; row < ctx.model.rows; row++) {
      const v = ctx.model.cell(row, col);
      if (v.num !== null && !v.date && !v.error)
        throw new Refused(
          `a date rule on column ${columnName(col)}, which holds the number ${v.text.trim()} (${columnName(col)}${row + 2}): a spreadsheet cannot tell a date from a number`,
        );
    }
  }
}

/** The value of an operand as text for the text rules: the cell, TRIM(cell), LEN(cell) …; UPPER/LOWER change nothing
 *  for comparisons that ignore case. */
function textView(op: CfOperand, ctx: Context): string {
  switch (op.kind) {
    case "cell":
    case "column":
      return cellRef(op, ctx);
    case "number":
      return quote(op.text);
    case "text":
      return quote(op.value);
    case "call": {
      const inner = textView(op.arg, ctx);
      switch (op.fn) {
        case "LEN":
          return `LEN(${inner})`;
        case "TRIM":
          return `TRIM(${inner})`;
        case "UPPER":
        case "LOWER":
          return inner;
        case "ABS":
          return `IF(ISNUMBER(${inner}),ABS(${inner}),NA())`;
      }
    }
  }
}

/** A subject of a numeric comparison: the expression and the condition that it is a number. TRIM/UPPER/LOWER keep a
 *  number a number (as in the interpreter); LEN is always one; ABS needs a number. */
function numberView(op: CfOperand, ctx: Context): { expr: string; isNumber: string | null } {
  if (op.kind === "call") {
    const inner = numberView(op.arg, ctx);
    switch (op.fn) {
      case "LEN":
        return { expr: `LEN(${textView(op.arg, ctx)})`, isNumber: null };
      case "ABS":
        return { expr: `ABS(${inner.expr})`, isNumber: inner.isNumber };
      default:
        return inner;
    }
  }
  const ref = cellRef(op, ctx);
  return { expr: ref, isNumber: `ISNUMBER(${ref})` };
}

/** Whether any cell of the columns is text (not a number, date, blank or error). */
function holdsText(cols: number[], ctx: Context): boolean {
  return cols.some((col) => {
    for (let row = 0; row < ctx.model.rows; row++) {
      const v = ctx.model.cell(row, col);
      if (v.num === null && !v.blank && !v.error) return true;
    }
    return false;
  });
}

function textRuleColumns(op: CfOperand, ctx: Context, what: string): void {
  requireSheetText(operandColumns(op, ctx), ctx, what);
}

function compare(op: CfCompareOp, subject: CfOperand, value: CfOperand, ctx: Context): Part {
  const sym = OPS[op];
  if (value.kind === "number") {
    const n = numberLiteral(value.value);
    const s = numberView(subject, ctx);
    if (s.isNumber === null) return { expr: `${s.expr}${sym}${n}`, mayError: true };
    // "not equal" holds for text and blanks too, never for an error (IF reads the cell only when it is a number)
    if (op === "ne" && subject.kind !== "call") return { expr: `IF(${s.isNumber},${s.expr}<>${n},NOT(ISERROR(${s.expr})))`, mayError: false };
    return { expr: `AND(${s.isNumber},${s.expr}${sym}${n})`, mayError: true };
  }
  if (value.kind === "text") {
    if (value.value === "") {
      if (subject.kind === "call" && subject.fn === "LEN") return { expr: op === "ne" ? "NOT(ISERROR(" + textView(subject, ctx) + "))" : "FALSE", mayError: false };
      const ref = numberView(subject, ctx).expr;
      if (op === "eq") return { expr: `ISBLANK(${ref})`, mayError: false };
      if (op === "ne") return { expr: `AND(NOT(ISBLANK(${ref})),NOT(ISERROR(${ref})))`, mayError: false };
      return { expr: "FALSE", mayError: false };
    }
    textRuleColumns(subject, ctx, "a comparison with text");
    const t = quote(value.value);
    if (op === "eq" || op === "ne") {
      const x = textView(subject, ctx);
      return { expr: `${x}&""${sym}${t}`, mayError: true };
    }
    if (subject.kind === "call" && (subject.fn === "LEN" || subject.fn === "ABS")) return { expr: "FALSE", mayError: false };
    const x = textView(subject, ctx);
    const ref = numberView(subject, ctx).expr;
    return { expr: `AND(ISTEXT(${ref}),${x}${sym}${t})`, mayError: true };
  }
  // a column (or a function of one) as the value: the general form of the interpreter's comparison
  if (subject.kind === "call" || value.kind === "call") throw new Refused("a comparison of a function of a cell (LEN, TRIM …) with another column has no formula here");
  // a number's text is read only where it meets text (`X&""=Y`): then it must be the text the preview reads
  if (holdsText(operandColumns(value, ctx), ctx)) textRuleColumns(subject, ctx, "a comparison with a column of text");
  const x = cellRef(subject, ctx);
  const y = cellRef(value, ctx);
  const ifNumber = `IF(ISNUMBER(${x}),${x}${sym}${y},${op === "ne" ? "TRUE" : "FALSE"})`;
  const ifBlank = op === "eq" ? `ISBLANK(${x})` : op === "ne" ? `NOT(ISBLANK(${x}))` : "FALSE";
  const ifText = `IF(OR(ISNUMBER(${x}),ISBLANK(${x})),${op === "eq" || op === "ne" ? `${x}&""${sym}${y}` : "FALSE"},${x}${sym}${y})`;
  return {
    expr: `IF(OR(ISERROR(${x}),ISERROR(${y})),FALSE,IF(ISNUMBER(${y}),${ifNumber},IF(ISBLANK(${y}),${ifBlank},${ifText})))`,
    mayError: false,
  };
}

function between(subject: CfOperand, low: CfOperand, high: CfOperand, ctx: Context): Part {
  const literal = (op: CfOperand): boolean => op.kind === "number" || op.kind === "text";
  if (literal(low) && literal(high)) {
    if (low.kind === "number" && high.kind === "number") {
      const [min, max] = low.value <= high.value ? [low.value, high.value] : [high.value, low.value];
      const s = numberView(subject, ctx);
      const range = `${s.expr}>=${numberLiteral(min)},${s.expr}<=${numberLiteral(max)}`;
      return { expr: s.isNumber === null ? `AND(${range})` : `AND(${s.isNumber},${range})`, mayError: true };
    }
    if (low.kind === "text" && high.kind === "text") {
      if (subject.kind === "call" && (subject.fn === "LEN" || subject.fn === "ABS")) return { expr: "FALSE", mayError: false };
      textRuleColumns(subject, ctx, "a text range");
      const [min, max] = low.value.toLowerCase() <= high.value.toLowerCase() ? [low.value, high.value] : [high.value, low.value];
      const x = textView(subject, ctx);
      return { expr: `AND(ISTEXT(${numberView(subject, ctx).expr}),${x}>=${quote(min)},${x}<=${quote(max)})`, mayError: true };
    }
    return { expr: "FALSE", mayError: false }; // a number and a text bound: nothing is between them
  }
  // numbers compare as numbers and text as text (ISTEXT): no number is read as text here
  if (subject.kind === "call" || low.kind === "call" || high.kind === "call") throw new Refused("a range between columns of a function of a cell (LEN, TRIM …) has no formula here");
  const x = cellRef(subject, ctx);
  const view = (op: CfOperand): string => (op.kind === "number" ? numberLiteral(op.value) : op.kind === "text" ? quote(op.value) : cellRef(op, ctx));
  const [l, h] = [view(low), view(high)];
  const numbers = `AND(ISNUMBER(${x}),ISNUMBER(${l}),ISNUMBER(${h})),AND(${x}>=IF(${l}<=${h},${l},${h}),${x}<=IF(${l}<=${h},${h},${l}))`;
  const texts = `AND(ISTEXT(${x}),ISTEXT(${l}),ISTEXT(${h})),AND(${x}>=IF(${l}<=${h},${l},${h}),${x}<=IF(${l}<=${h},${h},${l}))`;
  return { expr: `IF(OR(ISERROR(${x}),ISERROR(${l}),ISERROR(${h})),FALSE,IF(${numbers},IF(${texts},FALSE)))`, mayError: false };
}

/** Escapes SEARCH's wildcards (* ? ~) so that the text is looked for as written. */
function searchText(text: string): string {
  return text.replace(/[~*?]/g, (ch) => `~${ch}`);
}

function textRule(op: "contains" | "equals" | "startsWith" | "endsWith", subject: CfOperand, value: CfOperand, ctx: Context): Part {
  textRuleColumns(subject, ctx, "a text rule");
  const x = textView(subject, ctx);
  if (value.kind === "number" || value.kind === "text") {
    const t = value.kind === "number" ? value.text : value.value;
    if (t === "" && op !== "equals") return { expr: `NOT(ISERROR(${x}))`, mayError: false };
    switch (op) {
      case "contains":
        return { expr: `ISNUMBER(SEARCH(${quote(searchText(t))},${x}))`, mayError: false };
      case "startsWith":
        return { expr: `LEFT(${x},${t.length})=${quote(t)}`, mayError: true };
      case "endsWith":
        return { expr: `RIGHT(${x},${t.length})=${quote(t)}`, mayError: true };
      case "equals":
        return { expr: `${x}&""=${quote(t)}`, mayError: true };
    }
  }
  textRuleColumns(value, ctx, "a text rule");
  const y = `${textView(value, ctx)}&""`;
  switch (op) {
    case "contains":
      return { expr: `ISNUMBER(FIND(LOWER(${y}),LOWER(${x}&"")))`, mayError: true };
    case "startsWith":
      return { expr: `LEFT(${x}&"",LEN(${y}))=${y}`, mayError: true };
    case "endsWith":
      return { expr: `RIGHT(${x}&"",LEN(${y}))=${y}`, mayError: true };
    case "equals":
      return { expr: `${x}&""=${y}`, mayError: true };
  }
}

function datePart(period: CfDatePeriod, x: string): string {
  const day = `INT(${x})`;
  const offset = (n: number): string => (n === 0 ? "" : n > 0 ? `+${n}` : `${n}`);
  switch (period) {
    case "yesterday":
      return `${day}=TODAY()-1`;
    case "today":
      return `${day}=TODAY()`;
    case "tomorrow":
      return `${day}=TODAY()+1`;
    case "last7Days":
      return `AND(${day}>=TODAY()-6,${day}<=TODAY())`;
    case "lastWeek":
    case "thisWeek":
    case "nextWeek": {
      // weeks start on Sunday, as Excel's (WEEKDAY: Sunday = 1)
      const shift = period === "lastWeek" ? -7 : period === "thisWeek" ? 0 : 7;
      const start = `TODAY()-WEEKDAY(TODAY())`;
      return `AND(${day}>=${start}${offset(1 + shift)},${day}<=${start}${offset(7 + shift)})`;
    }
    case "lastMonth":
    case "thisMonth":
    case "nextMonth": {
      const shift = period === "lastMonth" ? -1 : period === "thisMonth" ? 0 : 1;
      return `YEAR(${x})*12+MONTH(${x})=YEAR(TODAY())*12+MONTH(TODAY())${offset(shift)}`;
    }
  }
}

function subjectOf(column: number | null): CfOperand {
  return column === null ? { kind: "cell" } : { kind: "column", index: column };
}

function atom(rule: CfRule, ctx: Context): Part {
  switch (rule.kind) {
    case "compare":
      return compare(rule.op, rule.subject, rule.value, ctx);
    case "between":
      return between(rule.subject, rule.low, rule.high, ctx);
    case "text":
      return textRule(rule.op, rule.subject, rule.value, ctx);
    case "rank": {
      requireNoErrors(statColumns(rule.column, ctx), ctx, `${rule.direction === "top" ? "Top" : "Bottom"} N`);
      // in the top N (ties with the N-th value included) = fewer than N numbers of the column are greater; N past
      // the count selects every number, as the interpreter does
      const x = cellRef(subjectOf(rule.column), ctx);
      const range = columnRange(rule.column, ctx);
      const wanted = rule.percent ? (rule.count > 0 ? `MAX(1,INT(COUNT(${range})*${numberLiteral(rule.count)}/100))` : null) : Math.floor(rule.count) > 0 ? String(Math.floor(rule.count)) : null;
      if (wanted === null) return { expr: "FALSE", mayError: false };
      return { expr: `AND(ISNUMBER(${x}),COUNTIF(${range},"${rule.direction === "top" ? ">" : "<"}"&${x})<${wanted})`, mayError: true };
    }
    case "average": {
      requireNoErrors(statColumns(rule.column, ctx), ctx, "An average");
      const x = cellRef(subjectOf(rule.column), ctx);
      return { expr: `AND(ISNUMBER(${x}),${x}${rule.above ? ">" : "<"}AVERAGE(${columnRange(rule.column, ctx)}))`, mayError: true };
    }
    case "duplicate": {
      const cols = statColumns(rule.column, ctx);
      requireNoErrors(cols, ctx, rule.unique ? "Unique values" : "Duplicates");
      for (const col of cols) {
        for (let row = 0; row < ctx.model.rows; row++) {
          const v = ctx.model.cell(row, col);
          if (v.num === null && !v.blank && /[*?~]|^[<>=]/.test(v.text))
            throw new Refused(`COUNTIF would read the text of ${columnName(col)}${row + 2} ("${v.text}") as a pattern, not as the value to count`);
        }
      }
      const x = cellRef(subjectOf(rule.column), ctx);
      return { expr: `AND(NOT(ISBLANK(${x})),COUNTIF(${columnRange(rule.column, ctx)},${x})${rule.unique ? "=1" : ">1"})`, mayError: true };
    }
    case "blanks": {
      const x = cellRef(subjectOf(rule.column), ctx);
      return { expr: rule.blank ? `ISBLANK(${x})` : `NOT(ISBLANK(${x}))`, mayError: false };
    }
    case "errors": {
      const x = cellRef(subjectOf(rule.column), ctx);
      return { expr: rule.error ? `ISERROR(${x})` : `NOT(ISERROR(${x}))`, mayError: false };
    }
    case "date": {
      requireOnlyDates(statColumns(rule.column, ctx), ctx);
      const x = cellRef(subjectOf(rule.column), ctx);
      const period = datePart(rule.period, x);
      // AND(ISNUMBER(x),AND(a,b)) -> AND(ISNUMBER(x),a,b)
      const conditions = period.startsWith("AND(") ? period.slice(4, -1) : period;
      return { expr: `AND(ISNUMBER(${x}),${conditions})`, mayError: true };
    }
    case "visual":
      throw new Refused(
        `a ${rule.style === "ColorScale" ? "colour scale" : rule.style === "DataBar" ? "data bar" : "icon set"} is not a formula rule: use the spreadsheet's own ${rule.style === "ColorScale" ? "Color Scales" : rule.style === "DataBar" ? "Data Bars" : "Icon Sets"} (the .xlsx download has it)`,
      );
    case "formula":
      throw new Refused("this is already an Excel formula, written for a range the rule does not say");
    case "officeScript":
      throw new Refused("this is Office Scripts code, not a rule");
    case "and":
    case "or":
    case "not":
      throw new Refused("internal: not an atom");
  }
}

/** The rule's formula; `guarded`: under NOT or OR, where an error must read as false. */
function compile(rule: CfRule, ctx: Context, guarded: boolean): string {
  switch (rule.kind) {
    case "and":
      return rule.args.length === 0 ? "TRUE" : rule.args.length === 1 ? compile(rule.args[0]!, ctx, guarded) : `AND(${rule.args.map((r) => compile(r, ctx, guarded)).join(",")})`;
    case "or":
      return rule.args.length === 0 ? "FALSE" : rule.args.length === 1 ? compile(rule.args[0]!, ctx, guarded) : `OR(${rule.args.map((r) => compile(r, ctx, true)).join(",")})`;
    case "not":
      return `NOT(${compile(rule.arg, ctx, true)})`;
    default: {
      const part = atom(rule, ctx);
      return guarded && part.mayError ? `IFERROR(${part.expr},FALSE)` : part.expr;
    }
  }
}

/** Contiguous runs of sorted columns: [1, 3, 4] -> [[1], [3, 4]]. */
function runs(columns: readonly number[]): number[][] {
  const out: number[][] = [];
  for (const c of columns) {
    const last = out[out.length - 1];
    if (last && last[last.length - 1] === c - 1) last.push(c);
    else out.push([c]);
  }
  return out;
}

/** The rule as a formula rule on `table` (header row 1, data from row 2, column A = c[0]), or why it cannot be one. */
export function cfRuleToFormula(rule: CfRule, table: CfTable): CfFormulaResult {
  const selection = evaluateCfRule(rule, table);
  if (!selection.executable) return { ok: false, reason: selection.reason };
  if (selection.rowCount === 0) return { ok: false, reason: "the table has no rows below its header" };
  const model = buildTableModel(table);
  const ctx: Context = { model, last: selection.rowCount + 1, columns: selection.columns, anchorCol: selection.columns[0] ?? 0 };
  try {
    for (let col = 0; col < model.cols; col++) {
      for (let row = 0; row < model.rows; row++) {
        if (isForeignError(model, row, col))
          throw new Refused(`${columnName(col)}${row + 2} holds "${model.cell(row, col).text.trim()}", an error for the preview but text for a spreadsheet`);
      }
    }
    const formula = `=${compile(rule, ctx, false)}`;
    const ranges = runs(selection.columns).map((run) => {
      const [first, last] = [columnName(run[0]!), columnName(run[run.length - 1]!)];
      return `${first}2:${last}${ctx.last}`;
    });
    return { ok: true, formula, ranges, anchor: `${columnName(ctx.anchorCol)}2` };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, reason: e.message };
    throw e;
  }
}
