// Live preview of a generated Excel conditional-formatting (CF) rule: which cells of a small table it would format.
// Pure logic (no React); the component is components/CfPreview.tsx. The rule language, its semantics and the
// interpreter are in src/lang/cf.ts -- this module only adapts them for display:
//
//   SAMPLE_TABLE                    a small table the preview starts with (header row + 8 data rows, columns A-E)
//   parsePastedTable(text)          cells pasted from Excel/Sheets (TSV) or a CSV file -> {table} | {error}
//   previewRule(rule, table)        -> {ok: true, highlighted: Set<"r,c">, count, note?} | {ok: false, message}
//   ruleFormula(rule, table)        -> the rule as a spreadsheet formula rule for its range, or why it has none
//                                      (src/lang/cfFormula.ts; "Copy as formula" and "Download .xlsx" use it)
//
// Coordinates: `highlighted` holds keys `${row},${col}` over the rows of the TABLE as given, header included, so
// header = row 0 and the first data row = row 1 (the interpreter's data-row index + 1); col 0 = column A = c[0].
// In spreadsheet terms the key "r,c" is the cell cellAddress(r, c), e.g. "1,2" = C2.
import { parseCfRule, type CfOperand, type CfRule } from "../lang/cfParser";
import { evaluateCfRule, type CfCellInput, type CfTable, type EvaluateOptions } from "../lang/cfInterpreter";
import { cfRuleToFormula, columnName, type CfFormulaResult } from "../lang/cfFormula";

/** The most data rows (below the header) and columns a pasted table may have. */
export const MAX_ROWS = 200;
export const MAX_COLUMNS = 26;
/** Pasted text longer than this is refused before it is split (200 x 26 cells of 100 characters fit). */
const MAX_PASTE_CHARS = 1_000_000;

/**
 * The default table. Values are what the interpreter reads the way Excel would: Sales are numbers (one blank, one
 * exactly 100 so that "greater than 100" and "at least 100" differ), order dates are ISO text that the interpreter
 * reads as Excel date serials, Paid is Yes/No text, and Region repeats (for duplicate/unique rules).
 * `GreaterThan(c[2], 100)` formats C2, C4 and C7; `TextEquals(c[4], 'No')` formats E3, E5 and E8.
 */
export const SAMPLE_TABLE: CfTable = [
  ["Customer", "Region", "Sales", "Order date", "Paid"],
  ["Acme Corp", "North", 120, "2024-01-15", "Yes"],
  ["Birch & Co", "South", 85, "2024-02-03", "No"],
  ["Cobalt Ltd", "East", 240, "2024-02-20", "Yes"],
  ["Delta Inc", "West", 60, "2024-03-01", "No"],
  ["Evergreen", "North", 100, "2024-03-12", "Yes"],
  ["Fjord AS", "South", 310.5, "2024-04-08", "Yes"],
  ["Granite LLC", "East", "", "2024-04-22", "No"],
  ["Harbor Co", "West", 95, "2024-05-05", "Yes"],
];

/** Spreadsheet column letter of a 0-based column (0 -> "A", 26 -> "AA"): the formula export's, one copy. */
export const columnLetter = columnName;

/** A1 address of a cell of the table (row 0 = header = spreadsheet row 1): cellAddress(1, 2) = "C2". */
export function cellAddress(row: number, col: number): string {
  return `${columnLetter(col)}${row + 1}`;
}

/** The key of a table cell in PreviewResult.highlighted. */
export function cellKey(row: number, col: number): string {
  return `${row},${col}`;
}

/** Display text of a cell value. */
export function cellText(value: CfCellInput): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return String(value);
}

// ---------------------------------------------------------------------------------------------------------------------
// Pasted tables

export type PastedTableResult = { table: CfTable } | { error: string };

/**
 * Parse cells pasted from a spreadsheet (tab-separated, what copying a range in Excel or Google Sheets gives) or CSV
 * (comma-separated; "quoted" fields may hold commas, newlines and "" for a quote). Tab-separated when the text has a
 * tab outside quotes, else comma-separated. The first row is the header. Cells stay strings exactly as pasted: the
 * interpreter reads numbers ("1,500", "12%"), dates and blanks from text itself, as Excel reads typed entries.
 * Rows are padded with "" to the widest row. Trailing empty lines and a byte-order mark are dropped.
 */
export function parsePastedTable(text: string): PastedTableResult {
  const src = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (src.trim() === "") return { error: "Nothing to read: paste a header row and at least one row of cells." };
  if (src.length > MAX_PASTE_CHARS)
    return { error: `The pasted text is too long (${src.length.toLocaleString("en-US")} characters); the preview takes at most ${MAX_ROWS} rows.` };
  const delimiter = hasTabOutsideQuotes(src) ? "\t" : ",";
  const rows = splitRecords(src, delimiter);
  // Drop trailing empty lines (a copied range ends with a newline; files often end with several).
  while (rows.length > 0 && rows[rows.length - 1]!.every((cell) => cell === "")) rows.pop();
  if (rows.length < 2) return { error: "The table needs a header row and at least one row of cells below it." };
  const dataRows = rows.length - 1;
  if (dataRows > MAX_ROWS)
    return {
      error: `The table has ${dataRows} rows below the header; the preview takes at most ${MAX_ROWS}.`,
    };
  const width = Math.max(...rows.map((r) => r.length));
  if (width > MAX_COLUMNS)
    return {
      error: `The table has ${width} columns; the preview takes at most ${MAX_COLUMNS} (A to ${columnLetter(MAX_COLUMNS - 1)}).`,
    };
  const table = rows.map((r) => (r.length < width ? [...r, ...Array<string>(width - r.length).fill("")] : r));
  return { table };
}

function hasTabOutsideQuotes(src: string): boolean {
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') i++;
        else quoted = false;
      }
    } else if (ch === "\t") return true;
    else if (ch === '"' && (i === 0 || src[i - 1] === "," || src[i - 1] === "\n")) quoted = true;
  }
  return false;
}

/**
 * RFC 4180-style splitting: a field that starts with a quote runs to the matching quote ("" is a literal quote); a
 * quote elsewhere in a field, or one that is never closed, is literal text (`5" screen`, `"Draft`).
 */
function splitRecords(src: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = src.length;
  while (i <= n) {
    let field = "";
    const start = i;
    let closed = false;
    if (src[i] === '"') {
      let j = i + 1;
      for (; j < n; j++) {
        const ch = src[j]!;
        if (ch === '"') {
          if (src[j + 1] === '"') {
            field += '"';
            j++;
            continue;
          }
          closed = true;
          break;
        }
        field += ch;
      }
      if (closed) {
        i = j + 1;
        // Text after the closing quote up to the delimiter is kept (lenient: `"a"b` reads as ab).
        while (i < n && src[i] !== delimiter && src[i] !== "\n") field += src[i++];
      }
    }
    if (!closed) {
      // Unquoted, or a quote that is never closed: then the quote is text (`"Draft` typed in a cell).
      field = "";
      i = start;
      while (i < n && src[i] !== delimiter && src[i] !== "\n") field += src[i++];
    }
    row.push(field);
    if (i >= n) {
      rows.push(row);
      break;
    }
    if (src[i] === delimiter) {
      i++;
      if (i === n) {
        row.push("");
        rows.push(row);
        break;
      }
      continue;
    }
    // newline
    rows.push(row);
    row = [];
    i++;
    if (i === n) break; // text ends with a newline: no further (empty) record
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------------
// Preview

export type PreviewResult =
  | {
      ok: true;
      /** Keys `${row},${col}` of the formatted cells, rows over the table as given (header = row 0). */
      highlighted: Set<string>;
      count: number;
      /** Something the user should know to read the highlight right (e.g. a rule without a column applies everywhere). */
      note?: string;
    }
  | { ok: false; message: string };

/**
 * Which cells of `table` (header row first) the rule formats, for display. This is runCfRule (parse + evaluate)
 * with the parse kept separate so that failures can be worded for a user. Never throws.
 * `options.today` fixes "today" for date rules (LastMonth, ...); the default is the current date.
 */
export function previewRule(rule: string, table: CfTable, options: EvaluateOptions = {}): PreviewResult {
  if (rule.trim() === "") return { ok: false, message: "There is no rule to preview yet." };
  const parsed = parseCfRule(rule);
  if (!parsed.ok) {
    const { message, position } = parsed.error;
    const at = Math.min(position, rule.length);
    const where = at >= rule.trimEnd().length ? "at the end of the rule" : `at character ${at + 1} (${excerpt(rule, at)})`;
    return { ok: false, message: `This rule could not be read: ${message}, ${where}.` };
  }
  const kind = parsed.rule.kind;
  if (kind === "formula") {
    const hint = suggestForFormula(rule);
    return {
      ok: false,
      message:
        "This is an Excel formula rule. The preview runs the rule forms the model writes, such as GreaterThan(c[2], 100); " +
        "a formula needs a spreadsheet engine and the range it was written for." +
        (hint ? ` Did you mean ${hint}?` : ""),
    };
  }
  if (kind === "officeScript")
    return { ok: false, message: "This is Office Scripts code, not a rule, so there is nothing to preview." };

  let selection;
  try {
    selection = evaluateCfRule(parsed.rule, table, options);
  } catch (e) {
    return { ok: false, message: `The rule could not be run on this table (${e instanceof Error ? e.message : String(e)}).` };
  }
  if (!selection.executable) {
    const missing = /^column c\[(\d+)\] does not exist \(the table has (\d+) columns?\)/.exec(selection.reason);
    if (missing) {
      const col = Number(missing[1]);
      const cols = Number(missing[2]);
      const range = cols === 0 ? "no columns" : cols === 1 ? "only column A" : `only ${cols} columns (A to ${columnLetter(cols - 1)})`;
      return {
        ok: false,
        message: `The rule refers to c[${col}], column ${columnLetter(col)}, but this table has ${range}. Columns count from c[0] = A.`,
      };
    }
    return { ok: false, message: `This rule cannot be previewed: ${selection.reason}.` };
  }
  const highlighted = new Set(selection.cells.map((c) => cellKey(c.row + 1, c.col)));
  const notes: string[] = [];
  if (selection.rowCount === 0) notes.push("The table has no rows below the header, so no cell can match.");
  else if (!namesColumn(parsed.rule) && selection.columnCount > 1)
    notes.push("The rule names no column (c[0] = A, c[1] = B, ...), so it is applied to every cell, as to a whole selected table in Excel.");
  if (usesKind(parsed.rule, "visual"))
    notes.push("Color scales, data bars and icon sets format every number in their range; the preview marks those cells.");
  if (usesKind(parsed.rule, "date")) notes.push("Date rules are relative to today's date.");
  return { ok: true, highlighted, count: highlighted.size, ...(notes.length > 0 ? { note: notes.join(" ") } : {}) };
}

function excerpt(text: string, at: number): string {
  const s = text.slice(at, at + 12);
  return `near "${s}${text.length > at + 12 ? "…" : ""}"`;
}

function children(rule: CfRule): CfRule[] {
  if (rule.kind === "and" || rule.kind === "or") return rule.args;
  if (rule.kind === "not") return [rule.arg];
  return [];
}

function usesKind(rule: CfRule, kind: CfRule["kind"]): boolean {
  return rule.kind === kind || children(rule).some((r) => usesKind(r, kind));
}

/** Whether the rule names a column anywhere (then it applies to the named columns only). */
function namesColumn(rule: CfRule): boolean {
  const operand = (op: CfOperand): boolean => op.kind === "column" || (op.kind === "call" && operand(op.arg));
  switch (rule.kind) {
    case "and":
    case "or":
    case "not":
      return children(rule).some(namesColumn);
    case "compare":
    case "text":
      return operand(rule.subject) || operand(rule.value);
    case "between":
      return operand(rule.subject) || operand(rule.low) || operand(rule.high);
    case "formula":
    case "officeScript":
      return false;
    default:
      return rule.column !== null;
  }
}

const FORMULA_RE = /^=\s*\$?([A-Za-z])\$?\d+\s*(>=|<=|<>|>|<|=)\s*(?:([+-]?\d+(?:\.\d+)?)|"([^"]*)")\s*$/;

/** For a one-comparison formula rule (`=$B2>100`, `=C2="Yes"`), the equivalent rule in the model's language. */
export function suggestForFormula(formula: string): string | null {
  const m = FORMULA_RE.exec(formula.trim());
  if (!m) return null;
  const col = m[1]!.toUpperCase().charCodeAt(0) - 65;
  const op = m[2]!;
  if (m[4] !== undefined) {
    const text = m[4];
    if (op === "=") return `TextEquals(c[${col}], '${text}')`;
    if (op === "<>") return `NOT(TextEquals(c[${col}], '${text}'))`;
    return null;
  }
  const name = { ">": "GreaterThan", ">=": "GreaterThanEqual", "<": "LessThan", "<=": "LessThanEqual", "=": "Equals", "<>": "NotEquals" }[op]!;
  return `${name}(c[${col}], ${m[3]})`;
}

/** The rule as a formula rule for the range it applies to on `table` ("Copy as formula"), or why it has none. */
export function ruleFormula(rule: string, table: CfTable): CfFormulaResult {
  const parsed = parseCfRule(rule);
  if (!parsed.ok) return { ok: false, reason: "the rule could not be read" };
  return cfRuleToFormula(parsed.rule, table);
}
