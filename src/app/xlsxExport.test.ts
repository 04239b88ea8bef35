// "Download .xlsx" (xlsxExport.ts), read back: the workbook ExcelJS wrote is opened again with ExcelJS, and its table
// holds the preview's values (numbers as numbers, dates as dates, errors as errors), its conditional format is on the
// rule's range with the rule's formula (or the native colour scale, data bar, icon set), and that formula, evaluated
// on the values read back by a formula engine (tests/cfFormulaEngine.ts), formats exactly the cells the preview
// highlights.
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { formattedCells, type EngineCell } from "../../tests/cfFormulaEngine";
import { columnName, cfRuleToFormula } from "../lang/cfFormula";
import { evaluateCfRule, type CfTable } from "../lang/cfInterpreter";
import { parseCfRule } from "../lang/cfParser";
import { SAMPLE_TABLE, previewRule } from "./cfPreview";
import { buildCfWorkbook, MATCH_FILL_ARGB } from "./xlsxExport";

interface ReadBack {
  values: EngineCell[][];
  numFmts: (string | undefined)[][];
  ref: string;
  rule: ExcelJS.ConditionalFormattingRule;
  about: string[][];
}

/** A cell value as read: a date-formatted number comes back as a Date (midnight UTC of that day) -> its serial. */
function engineValue(value: ExcelJS.CellValue): EngineCell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime() / 86_400_000 + 25_569;
  if (typeof value === "object" && "error" in value) return { error: String(value.error) };
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  throw new Error(`unexpected cell value ${JSON.stringify(value)}`);
}

async function readBack(bytes: Uint8Array, rows: number, cols: number): Promise<ReadBack> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const sheet = book.getWorksheet("Table");
  if (!sheet) throw new Error("no sheet Table");
  const values: EngineCell[][] = [];
  const numFmts: (string | undefined)[][] = [];
  for (let r = 1; r <= rows; r++) {
    values.push([]);
    numFmts.push([]);
    for (let c = 1; c <= cols; c++) {
      const cell = sheet.getCell(r, c);
      values[r - 1]!.push(engineValue(cell.value));
      numFmts[r - 1]!.push(cell.numFmt || undefined);
    }
  }
  const formats = (sheet as unknown as { conditionalFormattings: ExcelJS.ConditionalFormattingOptions[] }).conditionalFormattings;
  expect(formats).toHaveLength(1);
  const about = book.getWorksheet("Rule");
  const aboutRows: string[][] = [];
  about?.eachRow((row) => aboutRows.push([String(row.getCell(1).value), String(row.getCell(2).value)]));
  return { values, numFmts, ref: formats[0]!.ref, rule: formats[0]!.rules[0]!, about: aboutRows };
}

function previewCells(rule: string, table: CfTable): string[] {
  const parsed = parseCfRule(rule);
  if (!parsed.ok) throw new Error(rule);
  const selection = evaluateCfRule(parsed.rule, table);
  if (!selection.executable) throw new Error(selection.reason);
  return selection.cells.map((c) => `${columnName(c.col)}${c.row + 2}`);
}

const PEOPLE: CfTable = [
  ["Name", "Age", "Score", "Joined", "Share"],
  ["Ann", "34", "88.5", "2023-05-01", "12%"],
  ["bob", "", "91", "2023-06-15", "30%"],
  ["Cid", "28", "#N/A", "2024-01-09", "8%"],
  ["Dee", "41", "77", "", "50%"],
  ["Eve", "34", "91", "2022-12-31", "0%"],
];

describe("Download .xlsx, read back", () => {
  it.each([
    ["GreaterThan(c[2], 100)", SAMPLE_TABLE],
    ["Between(c[2], 90, 150)", SAMPLE_TABLE],
    ["TextEquals(c[4], No)", SAMPLE_TABLE],
    ["top(c[2], 3)", SAMPLE_TABLE],
    ["belowAverage(c[2])", SAMPLE_TABLE],
    ["Duplicates(c[1])", SAMPLE_TABLE],
    ["Blanks(c[2])", SAMPLE_TABLE],
    ["NOT(TextEquals(c[4], Yes))", SAMPLE_TABLE],
    ["AND(TextEquals(c[4], Yes), GreaterThan(c[2], 100))", SAMPLE_TABLE],
    ["GreaterThan(c[3], 45340)", SAMPLE_TABLE],
    ["GreaterThan(c[1], 30)", PEOPLE],
    ["Errors(c[2])", PEOPLE],
    ["NOT(GreaterThan(c[2], 80))", PEOPLE],
    ["Duplicates(c[1])", PEOPLE],
    ["GreaterThan(c[4], 0.1)", PEOPLE],
    ["TextStartsWith(c[0], b)", PEOPLE],
    ["Blanks()", PEOPLE],
  ] as [string, CfTable][])("%s", async (rule, table) => {
    const built = await buildCfWorkbook(rule, table);
    if (!built.ok) throw new Error(built.reason);
    const rows = table.length;
    const cols = Math.max(...table.map((r) => r.length));
    const back = await readBack(built.bytes, rows, cols);

    // the conditional format: the formula of Copy as formula, on its range, with a fill
    const parsed = parseCfRule(rule);
    if (!parsed.ok) throw new Error(rule);
    const copied = cfRuleToFormula(parsed.rule, table);
    if (!copied.ok) throw new Error(copied.reason);
    expect(back.ref).toBe(copied.ranges.join(" "));
    expect(back.rule.type).toBe("expression");
    const formulae = (back.rule as ExcelJS.ExpressionRuleType).formulae ?? [];
    expect(`=${formulae[0]}`).toBe(copied.formula);
    expect(JSON.stringify((back.rule as ExcelJS.ExpressionRuleType).style)).toContain(MATCH_FILL_ARGB);

    // the table's values: header text, numbers as numbers (dates as their serials), blanks empty, errors as errors
    expect(back.values[0]).toEqual(table[0]!.map((v) => (v === "" ? null : String(v))));
    const cellsBack = formattedCells(back.values, copied.formula, copied.ranges);
    expect(cellsBack).toEqual(previewCells(rule, table));
    const preview = previewRule(rule, table);
    if (!preview.ok) throw new Error(preview.message);
    expect(cellsBack).toHaveLength(preview.count);

    expect(back.about[0]).toEqual(["Rule", rule]);
    expect(back.about[2]).toEqual(["Applies to", copied.ranges.join(", ")]);
  });

  it("writes the sample table's values with their types and formats", async () => {
    const built = await buildCfWorkbook("GreaterThan(c[2], 100)", SAMPLE_TABLE);
    if (!built.ok) throw new Error(built.reason);
    const back = await readBack(built.bytes, SAMPLE_TABLE.length, 5);
    expect(back.values[1]).toEqual(["Acme Corp", "North", 120, 45306, "Yes"]); // 2024-01-15 = serial 45306
    expect(back.values[7]).toEqual(["Granite LLC", "East", null, 45404, "No"]);
    expect(back.numFmts[1]![3]).toBe("yyyy-mm-dd");
    const people = await buildCfWorkbook("GreaterThan(c[1], 30)", PEOPLE);
    if (!people.ok) throw new Error(people.reason);
    const p = await readBack(people.bytes, PEOPLE.length, 5);
    expect(p.values[3]![2]).toEqual({ error: "#N/A" });
    expect(p.values[1]![4]).toBeCloseTo(0.12);
    expect(p.numFmts[1]![4]).toBe("0.##%");
  });

  it("a colour scale, data bar or icon set is written as the spreadsheet's own rule on its range", async () => {
    for (const [rule, type] of [
      ["ColorScale(c[2])", "colorScale"],
      ["DataBar(c[2])", "dataBar"],
      ["IconSet(c[2])", "iconSet"],
    ] as const) {
      const built = await buildCfWorkbook(rule, SAMPLE_TABLE);
      if (!built.ok) throw new Error(built.reason);
      expect(built.formula).toBeNull();
      const back = await readBack(built.bytes, SAMPLE_TABLE.length, 5);
      expect(back.ref).toBe("C2:C9");
      expect(back.rule.type).toBe(type);
    }
  });

  it("a rule that has no formula gives no file, with the reason", async () => {
    expect(await buildCfWorkbook("TextContains(c[3], 2024)", SAMPLE_TABLE)).toMatchObject({ ok: false, reason: /date/ });
    expect(await buildCfWorkbook("GreaterThan(c[9], 1)", SAMPLE_TABLE)).toMatchObject({ ok: false, reason: /c\[9\]/ });
    expect(await buildCfWorkbook("GreaterThan(", SAMPLE_TABLE)).toMatchObject({ ok: false, reason: /could not be read/ });
  });
});
