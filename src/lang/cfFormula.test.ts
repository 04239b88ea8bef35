// "Copy as formula" (cfFormula.ts): every rule kind the interpreter runs, turned into a formula rule and evaluated by
// a formula engine (tests/cfFormulaEngine.ts: fast-formula-parser, each cell of the range with its references moved
// as a spreadsheet moves them), formats exactly the cells the interpreter formats -- on the app's sample table and on
// tables with text, blanks, errors, dates and several numeric columns. And the rules that cannot be formulas say why.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { formattedCells, type EngineCell } from "../../tests/cfFormulaEngine";
import { SAMPLE_TABLE } from "../app/cfPreview";
import { evaluateCfRule, type CfTable } from "./cfInterpreter";
import { cfRuleToFormula, columnName, sheetCells, type SheetCell } from "./cfFormula";
import { parseCfRule } from "./cfParser";

function engineCell(cell: SheetCell): EngineCell {
  switch (cell.kind) {
    case "blank":
      return null;
    case "error":
      return { error: cell.value };
    default:
      return cell.value;
  }
}

function interpreterCells(rule: string, table: CfTable): string[] {
  const parsed = parseCfRule(rule);
  if (!parsed.ok) throw new Error(`${rule}: ${parsed.error.message}`);
  const selection = evaluateCfRule(parsed.rule, table);
  if (!selection.executable) throw new Error(`${rule}: ${selection.reason}`);
  return selection.cells.map((c) => `${columnName(c.col)}${c.row + 2}`);
}

function formulaOf(rule: string, table: CfTable) {
  const parsed = parseCfRule(rule);
  if (!parsed.ok) throw new Error(`${rule}: ${parsed.error.message}`);
  return cfRuleToFormula(parsed.rule, table);
}

/** The cells the formula rule formats in a spreadsheet holding the table. */
function spreadsheetCells(rule: string, table: CfTable): string[] {
  const result = formulaOf(rule, table);
  if (!result.ok) throw new Error(`${rule}: refused: ${result.reason}`);
  return formattedCells(sheetCells(table).map((row) => row.map(engineCell)), result.formula, result.ranges);
}

const MIXED: CfTable = [
  ["Item", "Qty", "Note", "Code"],
  ["Apple", "12", "ok", "A-1"],
  ["banana", "-3", "", "B-22"],
  ["Cherry", "", "needs review", "A-3"],
  ["Date", "7.5", "Review later", "#N/A"],
  ["Elder", "12", "fine", "C-4"],
  ["fig", "abc", "review", "A-1"],
];

// "today" is Wednesday 2024-03-13 (set below): its week is Sunday 10 to Saturday 16 March
const DATES: CfTable = [
  ["Task", "Due", "Done"],
  ["a", "2024-03-12", "Yes"],
  ["b", "2024-03-13", "No"],
  ["c", "2024-03-14", "No"],
  ["d", "2024-03-07", "Yes"],
  ["e", "2024-03-05", "No"],
  ["f", "2024-02-20", "Yes"],
  ["g", "2024-04-02", "No"],
  ["h", "", "No"],
  ["i", "n/a", "Yes"],
  ["j", "2024-03-17", "Yes"],
];

const NUMBERS: CfTable = [
  ["Plan", "Actual", "Low", "High"],
  ["100", "120", "90", "110"],
  ["80", "75", "70", "90"],
  ["50", "50", "60", "40"],
  ["", "10", "5", "15"],
  ["30", "x", "1", "2"],
  ["200", "250", "260", "240"],
];

const CASES: [string, string, CfTable][] = [
  // comparisons, on the sample table (Sales has a blank and exactly 100)
  ["sample", "GreaterThan(c[2], 100)", SAMPLE_TABLE],
  ["sample", "GreaterThanEqual(c[2], 100)", SAMPLE_TABLE],
  ["sample", "LessThan(c[2], 100)", SAMPLE_TABLE],
  ["sample", "LessThanEqual(c[2], 100)", SAMPLE_TABLE],
  ["sample", "Equals(c[2], 100)", SAMPLE_TABLE],
  ["sample", "NotEquals(c[2], 100)", SAMPLE_TABLE],
  ["sample", "Between(c[2], 90, 150)", SAMPLE_TABLE],
  ["sample", "Between(c[2], 150, 90)", SAMPLE_TABLE],
  ["sample", "AND(GreaterThan(c[2], 10), LessThan(c[2], 200))", SAMPLE_TABLE],
  ["sample", "GreaterThan(100)", SAMPLE_TABLE],
  ["sample", "Equals(c[4], 'No')", SAMPLE_TABLE],
  ["sample", "NotEquals(c[4], 'No')", SAMPLE_TABLE],
  ["sample", "Equals(c[2], '')", SAMPLE_TABLE],
  ["sample", "NotEquals(c[2], \"\")", SAMPLE_TABLE],
  ["sample", "GreaterThan(c[1], 'M')", SAMPLE_TABLE],
  ["sample", "Between(c[0], 'B', 'E')", SAMPLE_TABLE],
  // text rules
  ["sample", "TextEquals(c[4], No)", SAMPLE_TABLE],
  ["sample", "TextContains(c[0], co)", SAMPLE_TABLE],
  ["sample", "TextStartsWith(c[1], no)", SAMPLE_TABLE],
  ["sample", "TextEndsWith(c[0], Inc)", SAMPLE_TABLE],
  ["sample", "TextContains(c[0], &)", SAMPLE_TABLE],
  ["sample", "TextContains(c[2], 0)", SAMPLE_TABLE],
  ["sample", "GreaterThan(LEN(c[0]), 9)", SAMPLE_TABLE],
  ["sample", "TextEquals(TRIM(c[1]), east)", SAMPLE_TABLE],
  // statistics per column, negations, blanks, whole table
  ["sample", "top(c[2], 3)", SAMPLE_TABLE],
  ["sample", "bottom(c[2], 2)", SAMPLE_TABLE],
  ["sample", "Top(c[2], 20)", SAMPLE_TABLE],
  ["sample", "TopPercent(c[2], 30)", SAMPLE_TABLE],
  ["sample", "BottomPercent(c[2], 50)", SAMPLE_TABLE],
  ["sample", "aboveAverage(c[2])", SAMPLE_TABLE],
  ["sample", "belowAverage(c[2])", SAMPLE_TABLE],
  ["sample", "Duplicates(c[1])", SAMPLE_TABLE],
  ["sample", "Unique(c[4])", SAMPLE_TABLE],
  ["sample", "Blanks(c[2])", SAMPLE_TABLE],
  ["sample", "NoBlanks(c[2])", SAMPLE_TABLE],
  ["sample", "Blanks()", SAMPLE_TABLE],
  ["sample", "NOT(GreaterThan(c[2], 100))", SAMPLE_TABLE],
  ["sample", "NOT(TextEquals(c[4], Yes))", SAMPLE_TABLE],
  ["sample", "OR(TextEquals(c[1], North), GreaterThan(c[2], 200))", SAMPLE_TABLE],
  ["sample", "AND(TextEquals(c[4], Yes), GreaterThan(c[2], 100))", SAMPLE_TABLE],
  ["sample", "AND(GreaterThan(c[2], 90), TextEquals(c[4], Yes), NOT(TextEquals(c[1], North)))", SAMPLE_TABLE],
  ["sample", "LastMonth(c[3])", SAMPLE_TABLE],
  ["sample", "AND()", SAMPLE_TABLE],
  ["sample", "OR()", SAMPLE_TABLE],
  // text, blanks, an error value, numbers as text
  ["mixed", "GreaterThan(c[1], 5)", MIXED],
  ["mixed", "LessThan(c[1], 0)", MIXED],
  ["mixed", "NotEquals(c[1], 12)", MIXED],
  ["mixed", "Equals(c[1], '12')", MIXED],
  ["mixed", "TextContains(c[2], review)", MIXED],
  ["mixed", "NOT(TextContains(c[3], A))", MIXED],
  ["mixed", "TextStartsWith(c[3], A-)", MIXED],
  ["mixed", "TextEquals(c[0], apple)", MIXED],
  ["mixed", "Errors(c[3])", MIXED],
  ["mixed", "NoErrors(c[3])", MIXED],
  ["mixed", "Errors()", MIXED],
  ["mixed", "Blanks()", MIXED],
  ["mixed", "TextContains(e)", MIXED],
  ["mixed", "NOT(TextContains(a))", MIXED],
  ["mixed", "NOT(Blanks(c[2]))", MIXED],
  ["mixed", "Duplicates(c[1])", MIXED],
  ["mixed", "Unique(c[1])", MIXED],
  ["mixed", "top(c[1], 2)", MIXED],
  ["mixed", "aboveAverage(c[1])", MIXED],
  ["mixed", "OR(GreaterThan(c[1], 10), TextEquals(c[3], A-1))", MIXED],
  ["mixed", "NOT(GreaterThan(c[1], 10))", MIXED],
  ["mixed", "GreaterThan(LEN(c[0]), 5)", MIXED],
  ["mixed", "GreaterThan(ABS(c[1]), 5)", MIXED],
  ["mixed", "GreaterThan(c[0], 'c')", MIXED],
  // dates relative to today
  ["dates", "Yesterday(c[1])", DATES],
  ["dates", "Today(c[1])", DATES],
  ["dates", "Tomorrow(c[1])", DATES],
  ["dates", "Last7Days(c[1])", DATES],
  ["dates", "LastWeek(c[1])", DATES],
  ["dates", "ThisWeek(c[1])", DATES],
  ["dates", "NextWeek(c[1])", DATES],
  ["dates", "LastMonth(c[1])", DATES],
  ["dates", "ThisMonth(c[1])", DATES],
  ["dates", "NextMonth(c[1])", DATES],
  ["dates", "AND(ThisMonth(c[1]), TextEquals(c[2], No))", DATES],
  ["dates", "NOT(ThisWeek(c[1]))", DATES],
  // a number against a date column, a range between a number and a date
  ["sample", "GreaterThan(c[2], c[3])", SAMPLE_TABLE],
  ["sample", "LessThan(c[3], c[2])", SAMPLE_TABLE],
  ["sample", "Between(c[2], c[3], 100)", SAMPLE_TABLE],
  ["sample", "Equals(c[4], c[1])", SAMPLE_TABLE],
  // several numeric columns: one column against another, ranges between columns, whole-table statistics
  ["numbers", "GreaterThan(c[1], c[0])", NUMBERS],
  ["numbers", "LessThanEqual(c[1], c[0])", NUMBERS],
  ["numbers", "Equals(c[1], c[0])", NUMBERS],
  ["numbers", "NotEquals(c[1], c[0])", NUMBERS],
  ["numbers", "Between(c[1], c[2], c[3])", NUMBERS],
  ["numbers", "Between(c[0], c[2], 100)", NUMBERS],
  ["numbers", "top(2)", NUMBERS],
  ["numbers", "bottom(1)", NUMBERS],
  ["numbers", "aboveAverage()", NUMBERS],
  ["numbers", "Duplicates()", NUMBERS],
  ["numbers", "AND(GreaterThan(c[0], 40), GreaterThan(c[1], c[0]))", NUMBERS],
  ["numbers", "GreaterThan(50)", NUMBERS],
];

describe("Copy as formula: the formula formats exactly the interpreter's cells", () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(2024, 2, 13, 12, 0, 0));
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it.each(CASES)("%s: %s", (_, rule, table) => {
    const expected = interpreterCells(rule, table);
    expect(spreadsheetCells(rule, table), `${rule} -> ${(formulaOf(rule, table) as { formula: string }).formula}`).toEqual(expected);
  });

  it("every rule kind the interpreter runs is covered (and every date period)", () => {
    const kinds = new Set<string>();
    const walk = (r: ReturnType<typeof parseCfRule>): void => {
      if (!r.ok) return;
      const visit = (x: typeof r.rule): void => {
        kinds.add(x.kind === "compare" ? `compare:${x.op}` : x.kind === "text" ? `text:${x.op}` : x.kind === "date" ? `date:${x.period}` : x.kind);
        if (x.kind === "and" || x.kind === "or") x.args.forEach(visit);
        if (x.kind === "not") visit(x.arg);
      };
      visit(r.rule);
    };
    for (const [, rule] of CASES) walk(parseCfRule(rule));
    for (const kind of [
      "and", "or", "not", "between", "rank", "average", "duplicate", "blanks", "errors",
      ...["gt", "ge", "lt", "le", "eq", "ne"].map((op) => `compare:${op}`),
      ...["contains", "equals", "startsWith", "endsWith"].map((op) => `text:${op}`),
      ...["yesterday", "today", "tomorrow", "last7Days", "lastWeek", "thisWeek", "nextWeek", "lastMonth", "thisMonth", "nextMonth"].map((p) => `date:${p}`),
    ])
      expect(kinds.has(kind), kind).toBe(true);
  });
});

describe("the formula as a user copies it", () => {
  it("is written for the range's top-left cell, and says the range", () => {
    expect(formulaOf("Between(c[2], 10, 20)", SAMPLE_TABLE)).toEqual({ ok: true, formula: "=AND(ISNUMBER($C2),$C2>=10,$C2<=20)", ranges: ["C2:C9"], anchor: "C2" });
    expect(formulaOf("GreaterThan(c[2], 100)", SAMPLE_TABLE)).toMatchObject({ formula: "=AND(ISNUMBER($C2),$C2>100)", ranges: ["C2:C9"] });
    expect(formulaOf("TextEquals(c[4], No)", SAMPLE_TABLE)).toMatchObject({ formula: '=$E2&""="No"', ranges: ["E2:E9"] });
    expect(formulaOf("TextContains(a*b)", MIXED)).toMatchObject({ formula: '=ISNUMBER(SEARCH("a~*b",A2))', ranges: ["A2:D7"], anchor: "A2" });
    expect(formulaOf("top(c[2], 3)", SAMPLE_TABLE)).toMatchObject({ formula: '=AND(ISNUMBER($C2),COUNTIF($C$2:$C$9,">"&$C2)<3)' });
    expect(formulaOf("top(3)", SAMPLE_TABLE)).toMatchObject({ formula: '=AND(ISNUMBER(A2),COUNTIF(A$2:A$9,">"&A2)<3)' });
  });

  it("columns apart give one range per run of columns", () => {
    expect(formulaOf("AND(GreaterThan(c[0], 40), GreaterThan(c[2], 5), GreaterThan(c[3], 5))", NUMBERS)).toMatchObject({ ranges: ["A2:A7", "C2:D7"], anchor: "A2" });
  });

  it("wraps a comparison in IFERROR only under NOT or OR, where an error value must read as false", () => {
    expect(formulaOf("NOT(GreaterThan(c[2], 100))", SAMPLE_TABLE)).toMatchObject({ formula: "=NOT(IFERROR(AND(ISNUMBER($C2),$C2>100),FALSE))" });
  });
});

describe("a rule that cannot be a formula says so", () => {
  const refused = (rule: string, table: CfTable): string => {
    const r = formulaOf(rule, table);
    if (r.ok) throw new Error(`${rule} gave ${r.formula}`);
    return r.reason;
  };
  it.each([
    ["ColorScale(c[2])", SAMPLE_TABLE, /colour scale is not a formula rule/],
    ["DataBar(c[2])", SAMPLE_TABLE, /data bar/],
    ["IconSet(c[2])", SAMPLE_TABLE, /icon set/],
    ["$A2=$A3", SAMPLE_TABLE, /Excel formula rule/],
    // the dates are serial numbers in a spreadsheet: a text rule over the whole sample table would read them so
    ["TextContains(o)", SAMPLE_TABLE, /D2 \("2024-01-15"\)/],
    // the dates are serial numbers in a spreadsheet: their text is not the preview's
    ["TextContains(c[3], 2024-02)", SAMPLE_TABLE, /D2 \("2024-01-15"\).*date/],
    // Sales are plain numbers: a date rule over the whole table cannot tell them from dates
    ["ThisMonth()", SAMPLE_TABLE, /cannot tell a date from a number/],
    ["Duplicates(c[0])", [["A"], ["a*"], ["b"]], /pattern/],
    ["Errors(c[0])", [["A"], ["#ERR"], ["1"]], /#ERR/],
    ["top(c[1], 2)", MIXED.map((r) => [r[0]!, r[3]!]), /error value/],
    ["GreaterThan(c[7], 9)", SAMPLE_TABLE, /c\[7\] does not exist/],
    ["GreaterThan(LEN(c[0]), c[2])", SAMPLE_TABLE, /function of a cell/],
    ["GreaterThan(c[2], 9)", [["A", "B", "C"]], /no rows/],
  ] as [string, CfTable, RegExp][])("%s", (rule, table, reason) => {
    expect(refused(rule, table)).toMatch(reason);
  });

  it("controls: a comparison on a date column, a date rule on a date column are formulas", () => {
    expect(formulaOf("GreaterThan(c[3], 45000)", SAMPLE_TABLE).ok).toBe(true);
    expect(formulaOf("ThisMonth(c[3])", SAMPLE_TABLE).ok).toBe(true);
  });

  it("text rules on numbers written as a spreadsheet shows them are formulas (12, -3, 7.5)", () => {
    expect(formulaOf("TextContains(c[1], 2)", MIXED).ok).toBe(true);
    expect(formulaOf("TextContains(c[0], 5)", [["A"], ["1,500"]])).toMatchObject({ ok: false, reason: /1,500/ });
  });
});
