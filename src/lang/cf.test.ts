// CF rule language: parser, interpreter and execution match (src/lang/cf*.ts). Hand-made cases for every function
// (including near misses that must NOT match), parse errors with positions, and checks over every rule of the CodeFusion
// CF data: train and test items (on their own tables, or the probe when a table has no data rows) and the distinct
// pretraining snippets (on the probe).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evaluateCfRule, formatCfRule, parseCfRule, runCfRule, type CfCellInput, type CfTable } from "./cf";
import { cfExecutionMatch, probeTable } from "./cfExecutionMatch";
import { cfFormCounts } from "./cfInventory";

function readData(relativeToRoot: string): string {
  return readFileSync(fileURLToPath(new URL(`../../${relativeToRoot}`, import.meta.url)), "utf8");
}

interface Item {
  ID: number;
  "NL Utterance": string;
  Code: string;
  Data: CfCellInput[][];
  Labels: number[];
}
const bench = JSON.parse(readData("data/codefusion/benchmarks/CFRuleBenchmarks.json")) as { train: Item[]; test: Item[] };
const snippetLines = readData("data/codefusion/pretraining/ConditionalFormattingSnippets.txt")
  .split("\n")
  .filter((line, i, all) => !(line === "" && i === all.length - 1));
const snippets = [...new Set(snippetLines)];

/** A one-column table (header "V") over the values. */
function column(values: CfCellInput[]): CfTable {
  return [["V"], ...values.map((v) => [v])];
}

/** Selected rows of a one-column table; throws when the rule does not parse or execute. */
function rows(rule: string, values: CfCellInput[], today?: Date): number[] {
  const sel = runCfRule(rule, column(values), today ? { today } : {});
  if (!sel.executable) throw new Error(`${rule}: ${sel.reason}`);
  return sel.cells.map((c) => c.row);
}

/** Selected cells as "row,col" strings. */
function cells(rule: string, table: CfTable): string[] {
  const sel = runCfRule(rule, table);
  if (!sel.executable) throw new Error(`${rule}: ${sel.reason}`);
  return sel.cells.map((c) => `${c.row},${c.col}`);
}

const matches = (gold: string, predicted: string, table: CfTable): boolean => cfExecutionMatch(gold, predicted, table).match;

const MIXED: CfCellInput[] = [1, "5", 10, "x", "", "#N/A", "  ", 5.5, -3, "0", true];

describe("parser", () => {
  it("reads unquoted text with spaces, commas, parentheses and unicode", () => {
    const value = (text: string): string => {
      const p = parseCfRule(text);
      if (!p.ok || p.rule.kind !== "text" || p.rule.value.kind !== "text") throw new Error(text);
      return p.rule.value.value;
    };
    expect(value("TextContains(Mon Jun 15)")).toBe("Mon Jun 15");
    expect(value("TextEquals(City, Country)")).toBe("City, Country");
    expect(value("TextEquals(Y(SH))")).toBe("Y(SH)");
    expect(value("TextEquals( ())")).toBe(" ()");
    expect(value("TextContains(()")).toBe("(");
    expect(value("TextContains(Yes-adhoc(if needed)")).toBe("Yes-adhoc(if needed");
    expect(value("TextContains(f'k{kk foHkkx jktLFkku)")).toBe("f'k{kk foHkkx jktLFkku");
    expect(value("TextContains(経済)")).toBe("経済");
    expect(value('TextEquals("")')).toBe("");
    expect(value("TextContains('ster')")).toBe("ster");
    expect(value('TextContains(c[3], "Worldwide")')).toBe("Worldwide");
  });

  it("reads nested rules, column forms and counts", () => {
    const show = (text: string): string => {
      const p = parseCfRule(text);
      if (!p.ok) throw new Error(`${text}: ${p.error.message}`);
      return formatCfRule(p.rule);
    };
    expect(show("OR(Equals(1), Equals(2))")).toBe("OR(Equals(1), Equals(2))");
    expect(show("AND(GreaterThanEqual(25),LessThan(50))")).toBe("AND(GreaterThanEqual(25), LessThan(50))");
    expect(show("NOT(TextContains(適))")).toBe("NOT(TextContains(適))");
    expect(show("OR(TextContains(Bull), TextContains(Bear))")).toBe("OR(TextContains(Bull), TextContains(Bear))");
    expect(show("top(10%)")).toBe("top(10%)");
    expect(show("Top(c[1], 2)")).toBe("top(c[1], 2)");
    expect(show("Bottom(c[1])")).toBe("bottom(c[1], 10)");
    expect(show("TopPercent(c[1], 20)")).toBe("top(c[1], 20%)");
    expect(show("GreaterThanEquals(3)")).toBe("GreaterThanEqual(3)");
    expect(show("Not(Equals(c[2], 0))")).toBe("NOT(Equals(c[2], 0))");
    expect(show("GreaterThan(LEN(c[0]), 6)")).toBe("GreaterThan(LEN(c[0]), 6)");
    expect(show("GreaterThan(c[2], c[1])")).toBe("GreaterThan(c[2], c[1])");
    expect(show("Between(c[0], 9, 18)")).toBe("Between(c[0], 9, 18)");
    expect(show("Between(2, 2E+36)")).toBe("Between(2, 2E+36)");
    expect(show("AND(NOT(TextEquals(\"\")),OR(TextEquals(0),TextEquals(0)))")).toBe(
      "AND(NOT(TextEquals('')), OR(TextEquals(0), TextEquals(0)))",
    );
    expect(show("ColorScale(c[2])")).toBe("ColorScale(c[2])");
    expect(show("LastMonth(c[0])")).toBe("LastMonth(c[0])");
    expect(show("Equals(No Answer)")).toBe("Equals(No Answer)");
  });

  it("recognises formula rules and object-model code without executing them", () => {
    for (const text of ["$A2=$A3", "SUMPRODUCT(($D4<=$E$4:$E$8)*($E4>=$D$4:$D$8))>1", "=A$1>5"]) {
      const p = parseCfRule(text);
      expect(p.ok && p.rule.kind).toBe("formula");
      const sel = runCfRule(text, column([1, 2]));
      expect(sel.executable).toBe(false);
    }
    const script = bench.train.find((it) => it.Code.includes("ExcelScript"))!.Code;
    const p = parseCfRule(script);
    expect(p.ok && p.rule.kind).toBe("officeScript");
    expect(runCfRule(script, column([1])).executable).toBe(false);
  });

  it("reports errors with a position and never throws", () => {
    const error = (text: string): { message: string; position: number } => {
      const p = parseCfRule(text);
      if (p.ok) throw new Error(`expected an error for ${text}`);
      return p.error;
    };
    expect(error("")).toEqual({ message: "the rule is empty", position: 0 });
    expect(error("--").position).toBe(0);
    expect(error("Foo(1)")).toEqual({ message: "unknown function 'Foo'", position: 0 });
    expect(error("AND(GreaterThan(1),Bar(2))")).toEqual({ message: "unknown function 'Bar'", position: 19 });
    expect(error("GreaterThan(5) x")).toEqual({ message: "unexpected text after the rule", position: 15 });
    expect(error("GreaterThan(5").position).toBe(13);
    expect(error("TextContains").position).toBe(12);
    expect(error("NOT(GreaterThan(1), LessThan(2))").message).toMatch(/NOT|'\)'/);
    expect(error("Between(1)").position).toBeGreaterThanOrEqual(9);
    expect(error("top(c[1], )").position).toBe(10);
    const unbalanced = error("if(NOT(isBlank($Sheet1!I2), make green, make red)");
    expect(unbalanced.message).toMatch(/missing '\)'/);
    expect(unbalanced.position).toBe(49);
    // Random junk from the language's own characters never throws.
    const alphabet = ["AND(", "OR(", "NOT(", "TextContains(", "Between(", "top(", "c[1]", ",", ")", "(", "'", '"', "5", "%", " ", "x", "$A2"];
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]).join("");
      const p = parseCfRule(text);
      if (!p.ok) expect(p.error.position).toBeGreaterThanOrEqual(0);
      else expect(() => runCfRule(text, column(MIXED))).not.toThrow();
    }
  });
});

describe("interpreter: comparisons", () => {
  it("compares numbers (numeric strings included); text, blanks, errors and booleans never compare with a number", () => {
    expect(rows("GreaterThan(4)", MIXED)).toEqual([1, 2, 7]);
    expect(rows("GreaterThanEqual(5)", MIXED)).toEqual([1, 2, 7]);
    expect(rows("GreaterThan(5)", MIXED)).toEqual([2, 7]);
    expect(rows("LessThan(1)", MIXED)).toEqual([8, 9]);
    expect(rows("LessThanEqual(1)", MIXED)).toEqual([0, 8, 9]);
    expect(rows("Equals(5)", MIXED)).toEqual([1]);
    expect(rows("Equals(0)", MIXED)).toEqual([9]);
    // NotEquals = NOT Equals, errors aside: text, blanks and booleans are "not equal to 5".
    expect(rows("NotEquals(5)", MIXED)).toEqual([0, 2, 3, 4, 6, 7, 8, 9, 10]);
    expect(rows("GreaterThan(1.5e1)", [15, 15.0001, "1.6E1"])).toEqual([1, 2]);
    expect(rows("LessThan(-90)", [-90, -90.5, "-100", "-"])).toEqual([1, 2]);
    expect(rows("GreaterThan(50%)", [0.5, "60%", 0.75, 50])).toEqual([1, 2, 3]);
    expect(rows("GreaterThan(1000)", ["1,500", "999", "1,000"])).toEqual([0]);
  });

  it("compares text case-insensitively; Equals(\"\") selects blanks", () => {
    expect(rows("Equals(Yes)", ["yes", "YES", "Yes!", "", 1])).toEqual([0, 1]);
    expect(rows('Equals("")', ["", "  ", "a", 0])).toEqual([0, 1]);
    expect(rows("Equals(TRUE)", [true, false, "true", "TRUE "])).toEqual([0, 2]);
    expect(rows("Equals('5')", [5, "5", "05"])).toEqual([0, 1]);
  });

  it("Between is inclusive and order-insensitive", () => {
    const values = [14.99, 15, 50, 85, 85.01, "20", "abc", ""];
    expect(rows("Between(15,85)", values)).toEqual([1, 2, 3, 5]);
    expect(rows("Between(85, 15)", values)).toEqual([1, 2, 3, 5]);
    expect(rows("NOT(Between(15,85))", values)).toEqual([0, 4, 6, 7]);
    expect(rows("Between(-0.5,0.5)", [-0.5, 0, 0.5, 0.51, -1])).toEqual([0, 1, 2]);
  });

  it("compares a column with another column of the same row, and LEN(...)", () => {
    const table: CfTable = [
      ["Product", "Date 1", "Date 2"],
      ["A", "6/01/2020", "24/01/2020"],
      ["B", "28/01/2020", "26/01/2020"],
      ["C", "14/01/2020", "14/01/2020"],
    ];
    // d/m/yyyy is inferred per column (24/01 cannot be m/d); dates compare as dates, not as text.
    expect(cells("GreaterThan(c[2], c[1])", table)).toEqual(["0,2"]);
    expect(cells("LessThan(c[2], c[1])", table)).toEqual(["1,2"]);
    const cities = column(["Tel Aviv", "Haifa", "Jerusalem", ""]);
    expect(cells("GreaterThan(LEN(c[0]), 6)", cities)).toEqual(["0,0", "2,0"]);
  });
});

describe("interpreter: text functions", () => {
  const values: CfCellInput[] = ["Error found", "ERROR", "no error", "Err", 404, "", "#N/A", "In Progress"];
  it("TextContains / TextEquals / TextStartsWith / TextEndsWith are case-insensitive", () => {
    expect(rows("TextContains(error)", values)).toEqual([0, 1, 2]);
    expect(rows("TextContains(Error)", values)).toEqual([0, 1, 2]);
    expect(rows("TextEquals(error)", values)).toEqual([1]);
    expect(rows("TextEquals(in progress)", values)).toEqual([7]);
    expect(rows("TextStartsWith(err)", values)).toEqual([0, 1, 3]);
    expect(rows("StartsWith(c[0], 'ERR')", values)).toEqual([0, 1, 3]);
    expect(rows("TextEndsWith(ror)", values)).toEqual([1, 2]);
    expect(rows("EndsWith(c[0], 'ROR')", values)).toEqual([1, 2]);
    expect(rows("TextContains(0)", values)).toEqual([4]);
    expect(rows("TextEquals(404)", values)).toEqual([4]);
    expect(rows("NOT(TextContains(error))", values)).toEqual([3, 4, 5, 6, 7]);
    expect(rows("TextContains(+)", ["a+b", "+", "-"])).toEqual([0, 1]);
    expect(rows("TextContains(经济)", ["中国经济", "经", "经济学"])).toEqual([0, 2]);
    expect(rows("TextEquals(City, Country)", ["City, Country", "City"])).toEqual([0]);
  });
});

describe("interpreter: statistics (per column)", () => {
  const numbers: CfCellInput[] = [5, "10", 7, 10, "x", "", 1, -2, 3, 8];
  it("top / bottom count with ties, over the numeric cells only", () => {
    expect(rows("top(1)", numbers)).toEqual([1, 3]);
    expect(rows("top(2)", numbers)).toEqual([1, 3]);
    expect(rows("top(3)", numbers)).toEqual([1, 3, 9]);
    expect(rows("Top(c[0], 3)", numbers)).toEqual([1, 3, 9]);
    expect(rows("bottom(2)", numbers)).toEqual([6, 7]);
    expect(rows("Bottom(1)", numbers)).toEqual([7]);
    expect(rows("top(100)", numbers)).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
    expect(rows("top()", numbers)).toEqual([0, 1, 2, 3, 6, 7, 8, 9]);
  });
  it("top / bottom percent: floor(n * p / 100) items, at least one", () => {
    // 8 numeric cells: 10% -> 1 item (ties: both 10s), 25% -> 2 items, 50% -> 4 items.
    expect(rows("top(10%)", numbers)).toEqual([1, 3]);
    expect(rows("TopPercent(c[0], 10)", numbers)).toEqual([1, 3]);
    expect(rows("bottom(25%)", numbers)).toEqual([6, 7]);
    expect(rows("BottomPercent(c[0], 50)", numbers)).toEqual([0, 6, 7, 8]);
    expect(rows("top(0%)", numbers)).toEqual([]);
  });
  it("above / below average are strict and ignore text and blanks", () => {
    // mean of 5,10,7,10,1,-2,3,8 = 5.25
    expect(rows("aboveAverage()", numbers)).toEqual([1, 2, 3, 9]);
    expect(rows("AboveAverage(c[0])", numbers)).toEqual([1, 2, 3, 9]);
    expect(rows("belowAverage()", numbers)).toEqual([0, 6, 7, 8]);
    expect(rows("BelowAverage(c[0])", [2, 2, 2])).toEqual([]);
  });
  it("Duplicate / Duplicates / Unique are case-insensitive, numeric strings equal numbers, blanks and errors skipped", () => {
    const values: CfCellInput[] = ["Apple", "apple", 1, "1", "1.0", "pear", "", "", "#N/A", "#N/A"];
    expect(rows("Duplicate()", values)).toEqual([0, 1, 2, 3, 4]);
    expect(rows("Duplicates(c[0])", values)).toEqual([0, 1, 2, 3, 4]);
    expect(rows("Unique()", values)).toEqual([5]);
    expect(rows("NOT(Duplicates(c[0]))", values)).toEqual([5, 6, 7, 8, 9]);
  });
  it("statistics are computed per column when the rule names none", () => {
    const table: CfTable = [
      ["A", "B"],
      [1, 100],
      [2, 200],
      [3, 300],
    ];
    expect(cells("top(1)", table)).toEqual(["2,0", "2,1"]);
    expect(cells("aboveAverage()", table)).toEqual(["2,0", "2,1"]);
    expect(cells("Top(c[1], 1)", table)).toEqual(["2,1"]);
  });
});

describe("interpreter: cell kinds and visual rules", () => {
  it("Blanks / NoBlanks (whitespace-only is blank), Errors / NoErrors", () => {
    const values: CfCellInput[] = ["", "  ", "a", 0, null, "#DIV/0!", "#ERR", "#n/a", "#hashtag"];
    expect(rows("Blanks()", values)).toEqual([0, 1, 4]);
    expect(rows("NoBlanks()", values)).toEqual([2, 3, 5, 6, 7, 8]);
    expect(rows("NOT(Blanks())", values)).toEqual([2, 3, 5, 6, 7, 8]);
    expect(rows("Errors()", values)).toEqual([5, 6, 7]);
    expect(rows("NoErrors()", values)).toEqual([0, 1, 2, 3, 4, 8]);
    expect(rows("OR(LessThan(0), Blanks())", [-1, "", 1, "a"])).toEqual([0, 1]);
  });
  it("ColorScale / DataBar / IconSet format every numeric cell (dates included), nothing else", () => {
    const values: CfCellInput[] = [1, "2.5", "", "text", "#N/A", true, "2022-01-05"];
    for (const rule of ["ColorScale()", "DataBar()", "IconSet()", "ColorScale(c[0])", "DataBar(c[0], green)"])
      expect(rows(rule, values)).toEqual([0, 1, 6]);
  });
  it("date-occurring rules use the given today", () => {
    const today = new Date(2023, 0, 10);
    const values: CfCellInput[] = ["2022-12-06", "2022-11-30", "2023-01-01", "12/31/2022", "x", 44900];
    expect(rows("LastMonth(c[0])", values, today)).toEqual([0, 3]);
    expect(rows("ThisMonth()", values, today)).toEqual([2]);
    expect(rows("Last7Days()", ["2023-01-04", "2023-01-03", "2023-01-10", "2023-01-11"], today)).toEqual([0, 2]);
  });
  it("AND / OR / NOT combine per cell", () => {
    const values: CfCellInput[] = [24, 25, 49.9, 50, "30", "x"];
    expect(rows("AND(GreaterThanEqual(25),LessThan(50))", values)).toEqual([1, 2, 4]);
    expect(rows("OR(Equals(24), Equals(50))", values)).toEqual([0, 3]);
    expect(rows("NOT(AND(GreaterThanEqual(25),LessThan(50)))", values)).toEqual([0, 3, 5]);
    expect(rows("AND(GreaterThan(0))", values)).toEqual([0, 1, 2, 3, 4]);
    // Empty combinators (one pretraining snippet has `OR(TextEquals(0),OR())`): AND() holds, OR() does not.
    expect(rows("OR(Equals(24),OR())", values)).toEqual([0]);
    expect(rows("AND(Equals(24),AND())", values)).toEqual([0]);
  });
  it("a rule naming columns applies to those columns; multi-column conditions hold per row", () => {
    const table: CfTable = [
      ["Product", "Sold", "In Stock", "Delivery"],
      ["a", 1, 5, "Worldwide"],
      ["b", 2, 0, "Worldwide"],
      ["c", 3, 7, "Local"],
    ];
    expect(cells("AND(GreaterThan(c[2], 0), TextEquals(c[3], 'Worldwide'))", table)).toEqual(["0,2", "0,3"]);
    expect(cells("GreaterThan(0)", table)).toEqual(["0,1", "0,2", "1,1", "2,1", "2,2"]);
    const sel = runCfRule("Duplicates(c[4])", table);
    expect(sel.executable).toBe(false);
    if (!sel.executable) expect(sel.reason).toMatch(/c\[4\] does not exist/);
  });
  it("never selects the header and reports the table shape", () => {
    const sel = runCfRule("TextEquals(Value)", [["Value"], ["Value"], ["x"]]);
    expect(sel).toEqual({ executable: true, cells: [{ row: 0, col: 0 }], columns: [0], rowCount: 2, columnCount: 1 });
    const parsed = parseCfRule("TextEquals(Value)");
    expect(parsed.ok && evaluateCfRule(parsed.rule, [["Value"]])).toMatchObject({ executable: true, cells: [] });
  });
});

describe("execution match", () => {
  const table = column([10, 25, 50, 85, "Apple", "apple", "", "#N/A", 50, "In Progress", "2015"]);
  it("matches rules that select the same cells and rejects near misses", () => {
    expect(matches("GreaterThan(25)", "GreaterThan(25)", table)).toBe(true);
    expect(matches("GreaterThan(25)", "GreaterThanEqual(26)", table)).toBe(true); // same cells here
    expect(matches("GreaterThan(25)", "GreaterThanEqual(25)", table)).toBe(false); // one cell more
    expect(matches("GreaterThan(25)", "GreaterThan(50)", table)).toBe(false);
    expect(matches("LessThan(25)", "LessThanEqual(25)", table)).toBe(false);
    expect(matches("Equals(50)", "NotEquals(50)", table)).toBe(false);
    expect(matches("Between(25,85)", "Between(85,25)", table)).toBe(true); // bounds in either order
    expect(matches("Between(25,85)", "Between(26,85)", table)).toBe(false);
    expect(matches("Between(25,85)", "AND(GreaterThanEqual(25),LessThanEqual(85))", table)).toBe(true);
    expect(matches("TextEquals(apple)", "TextEquals(APPLE)", table)).toBe(true); // Excel is case-insensitive
    expect(matches("TextEquals(apple)", "TextContains(apple)", table)).toBe(true);
    expect(matches("TextEquals(In Progress)", "TextContains(Progress)", table)).toBe(true);
    expect(matches("TextEquals(Progress)", "TextContains(Progress)", table)).toBe(false);
    expect(matches("TextStartsWith(In)", "TextEndsWith(In)", table)).toBe(false);
    expect(matches("top(1)", "top(2)", table)).toBe(false); // "2015" (a numeric string), then 85
    expect(matches("top(3)", "top(4)", table)).toBe(true); // the two 50s tie for 3rd
    expect(matches("top(1)", "bottom(1)", table)).toBe(false);
    expect(matches("top(4)", "top(5)", table)).toBe(false);
    expect(matches("aboveAverage()", "belowAverage()", table)).toBe(false);
    expect(matches("Duplicate()", "Duplicates()", table)).toBe(true);
    expect(matches("Duplicate()", "Unique()", table)).toBe(false);
    expect(matches("Blanks()", 'Equals("")', table)).toBe(true);
    expect(matches("Blanks()", "NoBlanks()", table)).toBe(false);
    expect(matches("Errors()", "TextEquals(#N/A)", table)).toBe(false); // text functions never select errors
    expect(matches("ColorScale()", "DataBar()", table)).toBe(true);
    expect(matches("IconSet()", "GreaterThan(-1e300)", table)).toBe(true);
    expect(matches("OR(Equals(10), Equals(25))", "OR(Equals(25), Equals(10))", table)).toBe(true);
    expect(matches("OR(Equals(10), Equals(25))", "AND(Equals(10), Equals(25))", table)).toBe(false);
    expect(matches("NOT(TextContains(apple))", "TextContains(apple)", table)).toBe(false);
  });
  it("a rule that does not parse never matches, not even itself", () => {
    expect(cfExecutionMatch("--", "--", table)).toMatchObject({ match: false });
    expect(cfExecutionMatch("GreaterThan(5", "GreaterThan(5)", table).reason).toMatch(/gold does not parse/);
    expect(cfExecutionMatch("GreaterThan(5)", "GreaterThan(5", table).reason).toMatch(/prediction does not parse/);
    expect(cfExecutionMatch("$A2=$A3", "$A2=$A3", table).reason).toMatch(/not executable/);
    expect(cfExecutionMatch("GreaterThan(5)", "", table).match).toBe(false);
  });
  it("uses the probe table for header-only tables, built from both rules' literals", () => {
    const header: CfTable = [["Index", "Value", "Point"]];
    const probe = (g: string, p: string): boolean => {
      const r = cfExecutionMatch(g, p, header);
      expect(r.usedProbe).toBe(true);
      return r.match;
    };
    expect(cfExecutionMatch("GreaterThan(1)", "GreaterThan(1)", table).usedProbe).toBe(false);
    expect(probe("Between(15,85)", "Between(15,85)")).toBe(true);
    expect(probe("Between(15,85)", "Between(85,15)")).toBe(true);
    expect(probe("Between(15,85)", "Between(15,86)")).toBe(false);
    expect(probe("GreaterThan(90)", "GreaterThanEqual(90)")).toBe(false);
    expect(probe("GreaterThan(100)", "GreaterThan(101)")).toBe(false);
    expect(probe("TextEquals(France)", "TextEquals(Asian)")).toBe(false);
    expect(probe("TextEquals(True)", "TextEquals(TRUE)")).toBe(true);
    expect(probe("TextEquals(True)", "TextContains(True)")).toBe(false);
    expect(probe("TextContains(Mon Jun 15)", "TextContains(mon jun 15)")).toBe(true);
    expect(probe("OR(Equals(1), Equals(2))", "Between(1,2)")).toBe(false);
    expect(probe("Top(1)", "Bottom(1)")).toBe(false);
    expect(probe("Duplicates()", "Duplicate()")).toBe(true);
    expect(probe("Blanks()", "NoBlanks()")).toBe(false);
    expect(probe("DataBar()", "ColorScale()")).toBe(true);
    // Symmetric: the probe does not depend on which rule is the gold.
    for (const [a, b] of [
      ["GreaterThan(3)", "LessThan(5)"],
      ["TextContains(US)", "TextEquals(us)"],
      ["top(1)", "GreaterThan(999)"],
    ])
      expect(cfExecutionMatch(a!, b!, header).match).toBe(cfExecutionMatch(b!, a!, header).match);
    // The probe covers the kinds of cells the brief asks for.
    const t = probeTable(["V"], []);
    const flat = t.slice(1).map((r) => r[0]);
    for (const v of [0, -5, -0.5, "", "#N/A", "2022-11-15", "Apple", "apple", true]) expect(flat).toContain(v);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// The data.

const TODAY = new Date(2023, 0, 15);

function tableOf(item: { Data: CfCellInput[][] }, rule: Parameters<typeof probeTable>[1][number]): CfTable {
  return item.Data.length > 1 ? item.Data : probeTable(item.Data[0] ?? [], [rule]);
}

/** Run every rule; returns the executed share and the non-executable forms with counts. */
function coverage(items: { Code: string; Data: CfCellInput[][] }[]): { share: number; failures: Map<string, number> } {
  let executed = 0;
  const failures = new Map<string, number>();
  const fail = (why: string): void => void failures.set(why, (failures.get(why) ?? 0) + 1);
  for (const item of items) {
    const parsed = parseCfRule(item.Code);
    if (!parsed.ok) {
      fail(`parse error: ${parsed.error.message}`);
      continue;
    }
    const sel = evaluateCfRule(parsed.rule, tableOf(item, parsed.rule), { today: TODAY });
    if (sel.executable) executed++;
    else fail(`not executable: ${sel.reason}`);
  }
  return { share: executed / items.length, failures };
}

describe("CodeFusion CF data", () => {
  const files: [string, { Code: string; Data: CfCellInput[][] }[]][] = [
    ["train", bench.train],
    ["test", bench.test],
    ["snippets (distinct)", snippets.map((Code) => ({ Code, Data: [] }))],
  ];

  it("has the expected sizes", () => {
    expect(bench.train.length).toBe(712);
    expect(bench.test.length).toBe(178);
    expect(snippetLines.length).toBe(226_468);
    expect(snippets.length).toBe(3_498);
  });

  it("lists every form with counts", () => {
    for (const [name, items] of [...files, ["snippets (all lines)", snippetLines.map((Code) => ({ Code, Data: [] }))] as const]) {
      const counts = cfFormCounts(items.map((it) => it.Code));
      console.log(`${name} (${items.length} rules): ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")}`);
    }
  });

  it("executes at least 95% of the rules of every file", () => {
    for (const [name, items] of files) {
      const { share, failures } = coverage(items);
      console.log(`${name}: executed ${(share * 100).toFixed(2)}% of ${items.length}; not executed:`, Object.fromEntries(failures));
      expect(share).toBeGreaterThanOrEqual(0.95);
    }
    // Every rule of the pretraining snippets executes.
    expect(coverage(files[2]![1]).share).toBe(1);
  });

  it("every executable rule matches itself (own table, or the probe)", () => {
    for (const [, items] of files)
      for (const item of items) {
        const parsed = parseCfRule(item.Code);
        if (!parsed.ok) continue;
        const executable = evaluateCfRule(parsed.rule, tableOf(item, parsed.rule), { today: TODAY }).executable;
        const result = cfExecutionMatch(item.Code, item.Code, item.Data, { today: TODAY });
        expect(result.usedProbe).toBe(item.Data.length <= 1);
        if (result.match !== executable) throw new Error(`${item.Code}: ${result.reason}`);
      }
  });

  it("gold-as-prediction matches on every test item whose gold parses and executes", () => {
    let parseable = 0;
    let matched = 0;
    let probe = 0;
    const notExecutable: number[] = [];
    const unparseable: number[] = [];
    for (const item of bench.test) {
      const result = cfExecutionMatch(item.Code, item.Code, item.Data, { today: TODAY });
      if (!parseCfRule(item.Code).ok) {
        unparseable.push(item.ID);
        continue;
      }
      parseable++;
      if (result.match) matched++;
      else notExecutable.push(item.ID);
      if (result.usedProbe) probe++;
    }
    console.log(
      `test gold-as-prediction: ${matched}/${parseable} parseable golds match (${probe} on the probe); ` +
        `parseable but not executable: ${notExecutable.join(", ")}; unparseable: ${unparseable.join(", ")}`,
    );
    // 782 NOT(Duplicates(c[2])) names a column its 2-column table lacks; 796 and 828 are Excel formulas.
    expect(notExecutable).toEqual([782, 796, 828]);
    expect(unparseable).toEqual([730, 736, 740]);
    expect(matched).toBe(parseable - notExecutable.length);
    // 60 test tables have no data rows; 3 of those items (730, 736, 740) have a gold that does not parse.
    expect(bench.test.filter((it) => it.Data.length <= 1).length).toBe(60);
    expect(probe).toBe(57);
  });
});
