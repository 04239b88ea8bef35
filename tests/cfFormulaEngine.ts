// A spreadsheet for the tests of "Copy as formula" and "Download .xlsx": a conditional-format formula rule evaluated
// on every cell of its range by a formula engine (HyperFormula, GPL-3.0, a devDependency used by tests only, never in
// the app), the way Excel applies it: the formula is written for the range's top-left cell and its relative references
// move with each cell (`$C2` keeps column C, `A2` becomes B3 one row down and one column right). Used by
// src/lang/cfFormula.test.ts, src/app/xlsxExport.test.ts and e2e/insights.spec.ts.
//
// Why HyperFormula: of the engines on npm, the permissive ones were tried first and read these formulas wrong
// (fast-formula-parser 1.0.19: SEARCH("co","Acme Corp") is #VALUE!, COUNTIF counts blanks and text for "<100" and
// compares text case-sensitively, no LARGE/MAX; hot-formula-parser 4.0.0: "b"="B" is FALSE, no ISERROR). HyperFormula
// follows Excel on every function used here; its one difference, TRUE and FALSE as functions only (TRUE()), is
// bridged by two named expressions.
import { HyperFormula, type CellValue } from "hyperformula";

/** A cell's value as the engine takes it: numbers (dates as serials), text, booleans, null for blank, an error code. */
export type EngineCell = number | string | boolean | null | { error: string };

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

function columnLetters(n: number): string {
  let out = "";
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) out = String.fromCharCode(65 + ((k - 1) % 26)) + out;
  return out;
}

/** `C2` -> {row: 2, col: 3} (1-based). */
export function parseAddress(address: string): { row: number; col: number } {
  const m = /^([A-Z]{1,3})(\d+)$/.exec(address);
  if (!m) throw new Error(`not an A1 address: ${address}`);
  return { row: Number(m[2]), col: columnNumber(m[1]!) };
}

/** Moves the relative parts of every reference by (rows, cols); `$` parts stay; text in quotes is left alone. */
export function shiftFormula(formula: string, rows: number, cols: number): string {
  return formula
    .split(/("(?:[^"]|"")*")/)
    .map((piece, i) =>
      i % 2 === 1
        ? piece
        : piece.replace(/(?<![A-Za-z0-9_.])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![A-Za-z0-9_(])/g, (_, colAbs: string, col: string, rowAbs: string, row: string) => {
            const c = colAbs ? col : columnLetters(columnNumber(col) + cols);
            const r = rowAbs ? row : String(Number(row) + rows);
            return `${colAbs}${c}${rowAbs}${r}`;
          }),
    )
    .join("");
}

/** Every cell of the ranges ("C2:C9") that the formula rule formats, as A1 addresses, row by row. */
export function formattedCells(sheet: readonly (readonly EngineCell[])[], formula: string, ranges: readonly string[]): string[] {
  const width = Math.max(1, ...sheet.map((row) => row.length));
  const rows: (string | number | boolean | null)[][] = sheet.map((row) =>
    Array.from({ length: width }, (_, c) => {
      const v = row[c];
      if (v === undefined || v === null) return null;
      if (typeof v === "object") return `=${ERROR_FORMULA[v.error] ?? "NA()"}`;
      // text that the engine would read as a formula or a number is entered as text
      return typeof v === "string" && /^[=+\-\d.'#]/.test(v) ? `'${v}` : v;
    }),
  );
  const hf = HyperFormula.buildFromArray(rows, { licenseKey: "gpl-v3" });
  try {
    hf.addNamedExpression("TRUE", "=TRUE()");
    hf.addNamedExpression("FALSE", "=FALSE()");
    const areas = ranges.map((range) => {
      const [from, to] = range.split(":").map(parseAddress);
      return { from: from!, to: to ?? from! };
    });
    const anchor = areas[0]!.from;
    const body = formula.replace(/^=/, "");
    const cells: { row: number; col: number }[] = [];
    for (const { from, to } of areas) for (let r = from.row; r <= to.row; r++) for (let c = from.col; c <= to.col; c++) cells.push({ row: r, col: c });
    cells.sort((a, b) => a.row - b.row || a.col - b.col);
    // each cell's formula goes into a scratch cell right of the table (its references are absolute after shifting)
    const scratch = width + 5;
    const sheetId = 0;
    cells.forEach(({ row, col }, i) => {
      hf.setCellContents({ sheet: sheetId, row: i, col: scratch }, [[`=${shiftFormula(body, row - anchor.row, col - anchor.col)}`]]);
    });
    const out: string[] = [];
    cells.forEach(({ row, col }, i) => {
      const result: CellValue = hf.getCellValue({ sheet: sheetId, row: i, col: scratch });
      // a conditional format applies where the formula is TRUE or a non-zero number; an error formats nothing
      if (result === true || (typeof result === "number" && result !== 0)) out.push(`${columnLetters(col)}${row}`);
    });
    return out;
  } finally {
    hf.destroy();
  }
}

/** Formulas that give each error value (a cell holding an error is entered as one). */
const ERROR_FORMULA: Record<string, string> = {
  "#N/A": "NA()",
  "#DIV/0!": "1/0",
  "#VALUE!": "VALUE(\"x\")",
  "#NUM!": "SQRT(-1)",
  "#REF!": "INDEX(A1:A1,2)",
  "#NAME?": "NO_SUCH_NAME()",
  "#NULL!": "NA()",
};
