// Interpreter for parsed CF rules: which data cells of a table a rule formats. Semantics are documented in cf.ts.
import type { CfCompareOp, CfDatePeriod, CfOperand, CfRule } from "./cfParser";

export type CfCellInput = string | number | boolean | null | undefined;
/** Header row first, then the data rows (the CodeFusion `Data` field). */
export type CfTable = readonly (readonly CfCellInput[])[];

/** A selected data cell. `row` is 0-based over the DATA rows (the header is never selected): table row = row + 1. */
export interface CellRef {
  row: number;
  col: number;
}

export type CellSelection =
  | {
      executable: true;
      /** Selected cells in row-major order. */
      cells: CellRef[];
      /** The columns the rule applies to (its range): the columns it names with c[k], else every column. */
      columns: number[];
      rowCount: number;
      columnCount: number;
    }
  | { executable: false; reason: string };

export interface EvaluateOptions {
  /** "Today" for the date-occurring rules (LastMonth, ...). Default: the current date. */
  today?: Date;
}

/** A normalised cell (or literal value). `num` is set for numbers, numeric strings and dates (as Excel serials). */
interface Value {
  text: string;
  num: number | null;
  blank: boolean;
  error: boolean;
  date: boolean;
}

const EXCEL_ERRORS = new Set([
  "#NULL!",
  "#DIV/0!",
  "#VALUE!",
  "#REF!",
  "#NAME?",
  "#NUM!",
  "#N/A",
  "#GETTING_DATA",
  "#SPILL!",
  "#CALC!",
  "#FIELD!",
  "#BLOCKED!",
  "#CONNECT!",
  "#BUSY!",
  "#UNKNOWN!",
  "#ERROR!",
  // Not an Excel error value, but the CodeFusion test tables use it for one (ID 815, `Errors(c[1])`).
  "#ERR",
]);

const NUMERIC_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const THOUSANDS_RE = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/;
const PERCENT_RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*%$/;
const ISO_DATE_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const SLASH_DATE_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** Excel's serial day number of a calendar date (1900 date system; serial 25569 = 1970-01-01). */
export function excelSerial(year: number, month1: number, day: number): number {
  return Date.UTC(year, month1 - 1, day) / 86_400_000 + 25_569;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Parse a number the way Excel reads a typed entry: 12, -0.5, 1e3, 1,234.5, 50% (= 0.5). */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (NUMERIC_RE.test(t)) return Number(t);
  if (THOUSANDS_RE.test(t)) return Number(t.replace(/,/g, ""));
  const pct = PERCENT_RE.exec(t);
  if (pct) return Number(pct[1]) / 100;
  return null;
}

function makeValue(raw: CfCellInput, slashOrder: "dmy" | "mdy"): Value {
  if (raw === null || raw === undefined) return { text: "", num: null, blank: true, error: false, date: false };
  if (typeof raw === "number")
    return Number.isFinite(raw)
      ? { text: String(raw), num: raw, blank: false, error: false, date: false }
      : { text: "#NUM!", num: null, blank: false, error: true, date: false };
  if (typeof raw === "boolean") return { text: raw ? "TRUE" : "FALSE", num: null, blank: false, error: false, date: false };
  const text = String(raw);
  const t = text.trim();
  if (t === "") return { text, num: null, blank: true, error: false, date: false };
  if (EXCEL_ERRORS.has(t.toUpperCase())) return { text, num: null, blank: false, error: true, date: false };
  const num = parseNumber(t);
  if (num !== null) return { text, num, blank: false, error: false, date: false };
  const iso = ISO_DATE_RE.exec(t);
  if (iso) {
    const [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    if (validDate(y, m, d)) {
      const time = (Number(iso[4] ?? 0) * 3600 + Number(iso[5] ?? 0) * 60 + Number(iso[6] ?? 0)) / 86_400;
      return { text, num: excelSerial(y, m, d) + time, blank: false, error: false, date: true };
    }
  }
  const slash = SLASH_DATE_RE.exec(t);
  if (slash) {
    const [a, b, y] = [Number(slash[1]), Number(slash[2]), Number(slash[3])];
    const [d, m] = slashOrder === "dmy" ? [a, b] : [b, a];
    if (validDate(y, m, d)) return { text, num: excelSerial(y, m, d), blank: false, error: false, date: true };
  }
  return { text, num: null, blank: false, error: false, date: false };
}

interface TableModel {
  rows: number;
  cols: number;
  cell(row: number, col: number): Value;
}

/** Normalise a table: the header row is dropped; short rows are padded with blanks. */
export function buildTableModel(table: CfTable): TableModel {
  const header = table[0] ?? [];
  const data = table.slice(1);
  const cols = Math.max(header.length, ...data.map((r) => r.length), 0);
  // d/m/yyyy versus m/d/yyyy is decided per column: d/m/y when some cell's first field is over 12, else m/d/y (Excel
  // en-US). The data has `24/01/2020`-style columns (test ID 795).
  const orders: ("dmy" | "mdy")[] = [];
  for (let c = 0; c < cols; c++) {
    let dmy = false;
    for (const r of data) {
      const m = typeof r[c] === "string" ? SLASH_DATE_RE.exec((r[c] as string).trim()) : null;
      if (m && Number(m[1]) > 12) dmy = true;
    }
    orders.push(dmy ? "dmy" : "mdy");
  }
  const values = data.map((r) => Array.from({ length: cols }, (_, c) => makeValue(r[c], orders[c]!)));
  return { rows: data.length, cols, cell: (row, col) => values[row]![col]! };
}

// ---------------------------------------------------------------------------------------------------------------------

class NotExecutable extends Error {}

type Predicate = (row: number, col: number) => boolean;

function literal(op: CfOperand): Value | null {
  if (op.kind === "number") return { text: op.text, num: op.value, blank: false, error: false, date: false };
  if (op.kind === "text") {
    // A date typed into a rule (LessThan(c[3], 2024-02-01)) is a date, as Excel reads it, so it compares with the
    // date cells; only the unambiguous ISO form (a slash date's order depends on the table's locale).
    const iso = ISO_DATE_RE.exec(op.value.trim());
    if (iso && !iso[4]) {
      const [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
      if (validDate(y, m, d)) return { text: op.value, num: excelSerial(y, m, d), blank: false, error: false, date: true };
    }
    return { text: op.value, num: null, blank: op.value === "", error: false, date: false };
  }
  return null;
}

function approxEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}

function compareNumbers(a: number, b: number, op: CfCompareOp): boolean {
  const eq = approxEqual(a, b);
  switch (op) {
    case "eq":
      return eq;
    case "ne":
      return !eq;
    case "gt":
      return a > b && !eq;
    case "ge":
      return a > b || eq;
    case "lt":
      return a < b && !eq;
    case "le":
      return a < b || eq;
  }
}

function compareTexts(a: string, b: string, op: CfCompareOp): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  switch (op) {
    case "eq":
      return x === y;
    case "ne":
      return x !== y;
    case "gt":
      return x > y;
    case "ge":
      return x >= y;
    case "lt":
      return x < y;
    case "le":
      return x <= y;
  }
}

/** "Cell value <op> ref". See cf.ts: numbers compare numerically, text case-insensitively, never a number with text. */
function compareValues(a: Value, b: Value, op: CfCompareOp): boolean {
  if (a.error || b.error) return false;
  if (b.num !== null) {
    if (a.num !== null) return compareNumbers(a.num, b.num, op);
    return op === "ne";
  }
  // b is text
  if (b.blank) {
    if (op === "eq") return a.blank;
    if (op === "ne") return !a.blank;
    return false;
  }
  if (a.num !== null || a.blank) {
    // A number is never equal to text, except that a numeric-looking cell equals the same quoted digits ('5').
    if (op === "eq" || op === "ne") return (a.text.trim().toLowerCase() === b.text.toLowerCase()) === (op === "eq");
    return false;
  }
  return compareTexts(a.text, b.text, op);
}

function between(a: Value, lo: Value, hi: Value): boolean {
  if (a.error || lo.error || hi.error) return false;
  if (a.num !== null && lo.num !== null && hi.num !== null) {
    const [min, max] = lo.num <= hi.num ? [lo.num, hi.num] : [hi.num, lo.num];
    return compareNumbers(a.num, min, "ge") && compareNumbers(a.num, max, "le");
  }
  if (a.num === null && !a.blank && lo.num === null && hi.num === null) {
    const [min, max] = lo.text.toLowerCase() <= hi.text.toLowerCase() ? [lo.text, hi.text] : [hi.text, lo.text];
    return compareTexts(a.text, min, "ge") && compareTexts(a.text, max, "le");
  }
  return false;
}

function weekStart(serial: number): number {
  // Excel weeks start on Sunday; serial 1 (1900-01-01 in Excel's calendar, 1899-12-31 here) is a Sunday.
  const dow = (((serial - 1) % 7) + 7) % 7;
  return serial - dow;
}

function monthIndex(serial: number): number {
  const d = new Date((serial - 25_569) * 86_400_000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function inPeriod(serial: number, today: number, period: CfDatePeriod): boolean {
  const s = Math.floor(serial);
  switch (period) {
    case "yesterday":
      return s === today - 1;
    case "today":
      return s === today;
    case "tomorrow":
      return s === today + 1;
    case "last7Days":
      return s >= today - 6 && s <= today;
    case "lastWeek":
    case "thisWeek":
    case "nextWeek": {
      const shift = period === "lastWeek" ? -7 : period === "thisWeek" ? 0 : 7;
      const start = weekStart(today) + shift;
      return s >= start && s <= start + 6;
    }
    case "lastMonth":
    case "thisMonth":
    case "nextMonth": {
      const shift = period === "lastMonth" ? -1 : period === "thisMonth" ? 0 : 1;
      return monthIndex(s) === monthIndex(today) + shift;
    }
  }
}

/**
 * The column indices a rule names, in order of appearance. With `subjectsOnly`, only the columns it formats (its
 * range): the reference columns (the c[1] in GreaterThan(c[2], c[1])) are left out.
 */
function namedColumns(rule: CfRule, subjectsOnly: boolean): number[] {
  const out: number[] = [];
  const operand = (op: CfOperand): void => {
    if (op.kind === "column") out.push(op.index);
    else if (op.kind === "call") operand(op.arg);
  };
  const walk = (r: CfRule): void => {
    switch (r.kind) {
      case "and":
      case "or":
        r.args.forEach(walk);
        return;
      case "not":
        walk(r.arg);
        return;
      case "compare":
      case "text":
        (subjectsOnly ? [r.subject] : [r.subject, r.value]).forEach(operand);
        return;
      case "between":
        (subjectsOnly ? [r.subject] : [r.subject, r.low, r.high]).forEach(operand);
        return;
      case "formula":
      case "officeScript":
        return;
      default:
        if (r.column !== null) out.push(r.column);
    }
  };
  walk(rule);
  return out;
}

/** Columns the rule names as its subject (its range), sorted and distinct. */
export function subjectColumns(rule: CfRule): number[] {
  return [...new Set(namedColumns(rule, true))].sort((a, b) => a - b);
}

function compile(rule: CfRule, model: TableModel, today: number): Predicate {
  const operandValue = (op: CfOperand, row: number, col: number): Value => {
    switch (op.kind) {
      case "cell":
        return model.cell(row, col);
      case "column":
        return model.cell(row, op.index);
      case "number":
      case "text":
        return literal(op)!;
      case "call": {
        const v = operandValue(op.arg, row, col);
        if (v.error) return v;
        switch (op.fn) {
          case "LEN": {
            const n = v.text.length;
            return { text: String(n), num: n, blank: false, error: false, date: false };
          }
          case "ABS":
            return v.num === null ? { ...v, error: true } : { ...v, num: Math.abs(v.num), text: String(Math.abs(v.num)) };
          case "TRIM":
            return { ...v, text: v.text.trim().replace(/ +/g, " ") };
          case "UPPER":
            return { ...v, text: v.text.toUpperCase() };
          case "LOWER":
            return { ...v, text: v.text.toLowerCase() };
        }
      }
    }
  };

  /** A per-column statistic: the set of selected rows of the rule's column (its own, or the cell's column). */
  const perColumn = (column: number | null, select: (col: number) => Set<number>): Predicate => {
    const cache = new Map<number, Set<number>>();
    return (row, col) => {
      const c = column ?? col;
      let rows = cache.get(c);
      if (!rows) cache.set(c, (rows = select(c)));
      return rows.has(row);
    };
  };
  const numericRows = (col: number): { row: number; num: number }[] => {
    const out: { row: number; num: number }[] = [];
    for (let row = 0; row < model.rows; row++) {
      const v = model.cell(row, col);
      if (v.num !== null && !v.error) out.push({ row, num: v.num });
    }
    return out;
  };
  const cellOf = (column: number | null, row: number, col: number): Value => model.cell(row, column ?? col);

  switch (rule.kind) {
    case "and": {
      const parts = rule.args.map((r) => compile(r, model, today));
      return (row, col) => parts.every((p) => p(row, col));
    }
    case "or": {
      const parts = rule.args.map((r) => compile(r, model, today));
      return (row, col) => parts.some((p) => p(row, col));
    }
    case "not": {
      const inner = compile(rule.arg, model, today);
      return (row, col) => !inner(row, col);
    }
    case "compare":
      return (row, col) => compareValues(operandValue(rule.subject, row, col), operandValue(rule.value, row, col), rule.op);
    case "between":
      return (row, col) =>
        between(operandValue(rule.subject, row, col), operandValue(rule.low, row, col), operandValue(rule.high, row, col));
    case "text":
      return (row, col) => {
        const a = operandValue(rule.subject, row, col);
        const b = operandValue(rule.value, row, col);
        if (a.error || b.error) return false;
        const x = a.text.toLowerCase();
        const y = b.text.toLowerCase();
        switch (rule.op) {
          case "contains":
            return x.includes(y);
          case "equals":
            return x === y;
          case "startsWith":
            return x.startsWith(y);
          case "endsWith":
            return x.endsWith(y);
        }
      };
    case "rank":
      return perColumn(rule.column, (col) => {
        const nums = numericRows(col);
        const n = nums.length;
        const wanted = rule.percent ? (rule.count > 0 ? Math.max(1, Math.floor((n * rule.count) / 100)) : 0) : Math.floor(rule.count);
        if (wanted <= 0 || n === 0) return new Set();
        const sorted = nums.map((x) => x.num).sort((a, b) => (rule.direction === "top" ? b - a : a - b));
        const threshold = sorted[Math.min(wanted, n) - 1]!;
        // Ties with the N-th value are all selected, as in Excel.
        return new Set(
          nums.filter((x) => (rule.direction === "top" ? x.num >= threshold : x.num <= threshold)).map((x) => x.row),
        );
      });
    case "average":
      return perColumn(rule.column, (col) => {
        const nums = numericRows(col);
        if (nums.length === 0) return new Set();
        const mean = nums.reduce((s, x) => s + x.num, 0) / nums.length;
        return new Set(nums.filter((x) => compareNumbers(x.num, mean, rule.above ? "gt" : "lt")).map((x) => x.row));
      });
    case "duplicate":
      return perColumn(rule.column, (col) => {
        const keys: (string | null)[] = [];
        const counts = new Map<string, number>();
        for (let row = 0; row < model.rows; row++) {
          const v = model.cell(row, col);
          const key = v.blank || v.error ? null : v.num !== null ? `n:${v.num}` : `t:${v.text.toLowerCase()}`;
          keys.push(key);
          if (key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        const out = new Set<number>();
        keys.forEach((key, row) => {
          if (key !== null && (counts.get(key)! > 1) !== rule.unique) out.add(row);
        });
        return out;
      });
    case "blanks":
      return (row, col) => {
        const v = cellOf(rule.column, row, col);
        return v.blank === rule.blank;
      };
    case "errors":
      return (row, col) => cellOf(rule.column, row, col).error === rule.error;
    case "visual":
      return (row, col) => cellOf(rule.column, row, col).num !== null;
    case "date":
      return (row, col) => {
        const v = cellOf(rule.column, row, col);
        return v.date && v.num !== null && inPeriod(v.num, today, rule.period);
      };
    case "formula":
      throw new NotExecutable(
        "Excel formula rule: needs a formula engine and the anchor cell of the range it was written for, which the data does not give",
      );
    case "officeScript":
      throw new NotExecutable("Office Scripts object-model code (an extraction artefact), not a rule: it needs a workbook");
  }
}

/** Which data cells of `table` the rule formats. Never throws; non-executable rules say why. */
export function evaluateCfRule(rule: CfRule, table: CfTable, options: EvaluateOptions = {}): CellSelection {
  const model = buildTableModel(table);
  const missing = namedColumns(rule, false).filter((c) => c >= model.cols);
  if (missing.length > 0)
    return {
      executable: false,
      reason: `column c[${missing[0]}] does not exist (the table has ${model.cols} column${model.cols === 1 ? "" : "s"})`,
    };
  const now = options.today ?? new Date();
  const today = excelSerial(now.getFullYear(), now.getMonth() + 1, now.getDate());
  let predicate: Predicate;
  try {
    predicate = compile(rule, model, today);
  } catch (e) {
    if (e instanceof NotExecutable) return { executable: false, reason: e.message };
    throw e;
  }
  const named = subjectColumns(rule);
  const columns = named.length > 0 ? named : Array.from({ length: model.cols }, (_, c) => c);
  const cells: CellRef[] = [];
  for (let row = 0; row < model.rows; row++) for (const col of columns) if (predicate(row, col)) cells.push({ row, col });
  return { executable: true, cells, columns, rowCount: model.rows, columnCount: model.cols };
}
