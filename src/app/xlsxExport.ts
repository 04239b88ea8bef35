// "Download .xlsx": the CF preview's table as a workbook with the rule applied as real conditional formatting, written
// by ExcelJS (MIT), which is loaded only when a user asks for the file (a chunk of its own, never in the main one).
//
//   buildCfWorkbook(rule, table) -> {ok: true, bytes, formula?, ranges} | {ok: false, reason}
//   downloadCfWorkbook(rule, table, fileName) -> the same, and the browser saves the file
//
// Sheet "Table": the table as the interpreter reads it (src/lang/cfFormula.ts sheetCells: numbers as numbers, dates as
// dates, percentages as percentages, error values as errors), header in row 1, and on the rule's range either the
// formula rule of "Copy as formula" (the same formula, so the two never disagree) or, for colour scales, data bars and
// icon sets, the native rule of that kind. Sheet "Rule": the rule as written, the formula and the range, so the file
// says where its formatting comes from. A rule that has no formula gives no file, with the reason.
import type { Workbook as WorkbookType, Worksheet } from "exceljs";
import { cfRuleToFormula, columnName, sheetCells, type SheetCell } from "../lang/cfFormula";
import { evaluateCfRule, type CfTable } from "../lang/cfInterpreter";
import { parseCfRule, type CfRule } from "../lang/cfParser";

export type CfWorkbookResult =
  | {
      ok: true;
      bytes: Uint8Array;
      /** The formula rule written on the range; null for a colour scale, data bar or icon set. */
      formula: string | null;
      ranges: string[];
    }
  | { ok: false; reason: string };

/** The fill the formula rule gives matching cells (Excel's "Light red fill with dark red text"). */
export const MATCH_FILL_ARGB = "FFFFC7CE";
export const MATCH_FONT_ARGB = "FF9C0006";

const NUMBER_FORMATS: Record<Extract<SheetCell, { kind: "number" }>["format"], string | null> = {
  general: null,
  date: "yyyy-mm-dd",
  datetime: "yyyy-mm-dd hh:mm",
  percent: "0.##%",
  thousands: "#,##0.##",
};

type ExcelModule = typeof import("exceljs");

let excel: Promise<ExcelModule> | null = null;
/** ExcelJS, loaded the first time a workbook is made (its CommonJS build in Node, its browser build on the page). */
function loadExcel(): Promise<ExcelModule> {
  excel ??= import("exceljs").then((m) => ((m as { default?: ExcelModule }).default ?? m) as ExcelModule);
  return excel;
}

function writeTable(sheet: Worksheet, cells: SheetCell[][]): void {
  cells.forEach((row, r) => {
    row.forEach((cell, c) => {
      const target = sheet.getCell(r + 1, c + 1);
      switch (cell.kind) {
        case "blank":
          return;
        case "number": {
          const format = NUMBER_FORMATS[cell.format];
          // a date is written as its serial number with a date format: exactly the day the preview reads
          target.value = cell.value;
          if (format) target.numFmt = format;
          return;
        }
        case "text":
        case "boolean":
          target.value = cell.value;
          return;
        case "error":
          target.value = { error: cell.value };
          return;
      }
    });
  });
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: "frozen", ySplit: 1 }];
  cells[0]?.forEach((_, c) => {
    const longest = Math.max(...cells.map((row) => textLength(row[c])));
    sheet.getColumn(c + 1).width = Math.min(40, Math.max(8, longest + 2));
  });
}

function textLength(cell: SheetCell | undefined): number {
  if (!cell || cell.kind === "blank") return 0;
  return cell.kind === "number" && cell.format !== "general" ? 12 : String(cell.value).length;
}

/** A colour scale, data bar or icon set as the native rule of that kind. */
function visualRule(style: Extract<CfRule, { kind: "visual" }>["style"]) {
  switch (style) {
    case "ColorScale":
      return {
        type: "colorScale" as const,
        priority: 1,
        cfvo: [{ type: "min" as const }, { type: "percentile" as const, value: 50 }, { type: "max" as const }],
        color: [{ argb: "FFF8696B" }, { argb: "FFFFEB84" }, { argb: "FF63BE7B" }],
      };
    case "DataBar":
      return {
        type: "dataBar" as const,
        priority: 1,
        minLength: 0,
        maxLength: 100,
        cfvo: [{ type: "min" as const }, { type: "max" as const }],
        color: { argb: "FF638EC6" },
      };
    case "IconSet":
      return {
        type: "iconSet" as const,
        priority: 1,
        iconSet: "3TrafficLights1" as const,
        cfvo: [
          { type: "percent" as const, value: 0 },
          { type: "percent" as const, value: 33 },
          { type: "percent" as const, value: 67 },
        ],
      };
  }
}

/** The A1 ranges of runs of adjacent columns over the data rows: [1, 3, 4] -> B2:B9, D2:E9. */
function columnRuns(columns: readonly number[], lastRow: number): string[] {
  const out: string[] = [];
  let start = -1;
  columns.forEach((c, i) => {
    if (start < 0) start = c;
    if (columns[i + 1] !== c + 1) {
      out.push(`${columnName(start)}2:${columnName(c)}${lastRow}`);
      start = -1;
    }
  });
  return out;
}

/** The workbook's bytes: the table with the rule as conditional formatting, or why there is none. */
export async function buildCfWorkbook(ruleText: string, table: CfTable): Promise<CfWorkbookResult> {
  const parsed = parseCfRule(ruleText);
  if (!parsed.ok) return { ok: false, reason: `the rule could not be read (${parsed.error.message})` };
  const rule = parsed.rule;
  let formula: string | null = null;
  let ranges: string[];
  let style: Extract<CfRule, { kind: "visual" }>["style"] | null = null;
  if (rule.kind === "visual") {
    const selection = evaluateCfRule(rule, table);
    if (!selection.executable) return { ok: false, reason: selection.reason };
    if (selection.rowCount === 0) return { ok: false, reason: "the table has no rows below its header" };
    ranges = columnRuns(selection.columns, selection.rowCount + 1);
    style = rule.style;
  } else {
    const result = cfRuleToFormula(rule, table);
    if (!result.ok) return { ok: false, reason: result.reason };
    formula = result.formula;
    ranges = result.ranges;
  }

  const { Workbook } = await loadExcel();
  const book: WorkbookType = new Workbook();
  book.creator = "CodeFusion in the browser";
  const sheet = book.addWorksheet("Table");
  writeTable(sheet, sheetCells(table));
  sheet.addConditionalFormatting({
    ref: ranges.join(" "),
    rules: [
      style !== null
        ? visualRule(style)
        : {
            type: "expression",
            priority: 1,
            formulae: [formula!.replace(/^=/, "")],
            style: {
              fill: { type: "pattern", pattern: "solid", bgColor: { argb: MATCH_FILL_ARGB } },
              font: { color: { argb: MATCH_FONT_ARGB } },
            },
          },
    ],
  });
  const about = book.addWorksheet("Rule");
  about.addRows([
    ["Rule", ruleText],
    ["Conditional formatting", formula ?? `${style} (the spreadsheet's own rule)`],
    ["Applies to", ranges.join(", ")],
    ["Made by", "CodeFusion in the browser: the rule the model wrote, applied to the preview's table"],
  ]);
  about.getColumn(1).font = { bold: true };
  about.getColumn(1).width = 24;
  about.getColumn(2).width = 80;
  const buffer = await book.xlsx.writeBuffer();
  return { ok: true, bytes: new Uint8Array(buffer as ArrayBuffer), formula, ranges };
}

export const XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** Builds the workbook and has the browser save it; returns what was built (or why nothing was). */
export async function downloadCfWorkbook(ruleText: string, table: CfTable, fileName = "codefusion-cf-rule.xlsx"): Promise<CfWorkbookResult> {
  const result = await buildCfWorkbook(ruleText, table);
  if (!result.ok) return result;
  const url = URL.createObjectURL(new Blob([result.bytes as BlobPart], { type: XLSX_MIME }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return result;
}
