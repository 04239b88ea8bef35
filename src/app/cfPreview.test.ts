import { describe, expect, it } from "vitest";
import {
  MAX_COLUMNS,
  MAX_ROWS,
  SAMPLE_TABLE,
  cellAddress,
  cellText,
  columnLetter,
  parsePastedTable,
  previewRule,
  ruleFormula,
  suggestForFormula,
  type PreviewResult,
} from "./cfPreview";
import type { CfTable } from "../lang/cfInterpreter";

/** The highlighted cells as sorted A1 addresses, for readable expectations. */
function addresses(result: PreviewResult): string[] {
  if (!result.ok) throw new Error(`expected ok, got: ${result.message}`);
  return [...result.highlighted]
    .map((key) => {
      const [r, c] = key.split(",").map(Number);
      return cellAddress(r!, c!);
    })
    .sort();
}

function table(result: ReturnType<typeof parsePastedTable>): CfTable {
  if ("error" in result) throw new Error(`expected a table, got: ${result.error}`);
  return result.table;
}

function errorOf(result: ReturnType<typeof parsePastedTable>): string {
  if (!("error" in result)) throw new Error(`expected an error, got a table of ${result.table.length} rows`);
  return result.error;
}

function messageOf(result: PreviewResult): string {
  if (result.ok) throw new Error(`expected ok:false, got ${result.count} cells`);
  return result.message;
}

describe("SAMPLE_TABLE", () => {
  it("has a header and 8 data rows of 5 columns", () => {
    expect(SAMPLE_TABLE).toHaveLength(9);
    for (const row of SAMPLE_TABLE) expect(row).toHaveLength(5);
    expect(SAMPLE_TABLE[0]).toEqual(["Customer", "Region", "Sales", "Order date", "Paid"]);
  });
});

describe("addresses", () => {
  it("letters and A1 addresses", () => {
    expect(columnLetter(0)).toBe("A");
    expect(columnLetter(4)).toBe("E");
    expect(columnLetter(25)).toBe("Z");
    expect(columnLetter(26)).toBe("AA");
    expect(cellAddress(0, 0)).toBe("A1");
    expect(cellAddress(1, 2)).toBe("C2");
    expect(cellText(null)).toBe("");
    expect(cellText(true)).toBe("TRUE");
    expect(cellText(310.5)).toBe("310.5");
  });
});

describe("previewRule on SAMPLE_TABLE", () => {
  // Sales (column C): row 2 = 120, 3 = 85, 4 = 240, 5 = 60, 6 = 100, 7 = 310.5, 8 = blank, 9 = 95.
  it("Sales > 100 highlights C2, C4 and C7 only (100 itself and the blank do not match)", () => {
    const result = previewRule("GreaterThan(c[2], 100)", SAMPLE_TABLE);
    expect(addresses(result)).toEqual(["C2", "C4", "C7"]);
    expect(result.ok && result.count).toBe(3);
    expect(result.ok && [...result.highlighted].sort()).toEqual(["1,2", "3,2", "6,2"]);
    expect(result.ok && result.note).toBeUndefined();
  });

  it("Sales >= 100 adds C6", () => {
    expect(addresses(previewRule("GreaterThanEqual(c[2], 100)", SAMPLE_TABLE))).toEqual(["C2", "C4", "C6", "C7"]);
  });

  it("Paid = No highlights E3, E5 and E8", () => {
    expect(addresses(previewRule("TextEquals(c[4], 'No')", SAMPLE_TABLE))).toEqual(["E3", "E5", "E8"]);
  });

  it("a condition on two columns highlights both named columns of the rows where it holds", () => {
    const result = previewRule("AND(GreaterThan(c[2], 100), TextEquals(c[4], 'Yes'))", SAMPLE_TABLE);
    expect(addresses(result)).toEqual(["C2", "C4", "C7", "E2", "E4", "E7"]);
    expect(result.ok && result.count).toBe(6);
  });

  it("top 2 sales, the blank sales cell, and this-month dates", () => {
    expect(addresses(previewRule("Top(c[2], 2)", SAMPLE_TABLE))).toEqual(["C4", "C7"]);
    expect(addresses(previewRule("Blanks(c[2])", SAMPLE_TABLE))).toEqual(["C8"]);
    const lastMonth = previewRule("LastMonth(c[3])", SAMPLE_TABLE, { today: new Date(2024, 4, 20) });
    expect(addresses(lastMonth)).toEqual(["D7", "D8"]);
    expect(lastMonth.ok && lastMonth.note).toMatch(/today/);
  });

  it("a rule without a column applies to every cell and says so", () => {
    const result = previewRule("TextContains(north)", SAMPLE_TABLE);
    expect(addresses(result)).toEqual(["B2", "B6"]);
    expect(result.ok && result.note).toMatch(/every cell/);
  });

  it("a rule that matches nothing gives count 0", () => {
    const result = previewRule("GreaterThan(c[2], 1000)", SAMPLE_TABLE);
    expect(result.ok).toBe(true);
    expect(result.ok && result.count).toBe(0);
    expect(result.ok && result.highlighted.size).toBe(0);
  });

  it("never highlights the header row", () => {
    const result = previewRule("TextContains(e)", SAMPLE_TABLE);
    expect(result.ok).toBe(true);
    expect(addresses(result).some((a) => /^[A-Z]1$/.test(a))).toBe(false);
    expect(addresses(result)).toContain("A2"); // "Acme Corp"
  });
});

describe("previewRule failures", () => {
  it("a broken rule gives ok:false with a readable message", () => {
    const message = messageOf(previewRule("GreaterThan(c[2], 100", SAMPLE_TABLE));
    expect(message).toMatch(/could not be read/);
    expect(message).toMatch(/end of the rule/);
    expect(messageOf(previewRule("Foo(1)", SAMPLE_TABLE))).toMatch(/unknown function 'Foo'.*character 1/);
  });

  it("an empty rule", () => {
    expect(messageOf(previewRule("   ", SAMPLE_TABLE))).toMatch(/no rule/);
  });

  it("an Excel formula explains why and suggests the rule form", () => {
    const message = messageOf(previewRule("=$C2>100", SAMPLE_TABLE));
    expect(message).toMatch(/Excel formula/);
    expect(message).toContain("Did you mean GreaterThan(c[2], 100)?");
    expect(messageOf(previewRule("=AND($C2>100,$E2=\"Yes\")", SAMPLE_TABLE))).not.toMatch(/Did you mean/);
  });

  it("a column the table lacks is named as a spreadsheet column", () => {
    const message = messageOf(previewRule("GreaterThan(c[7], 1)", SAMPLE_TABLE));
    expect(message).toContain("c[7], column H");
    expect(message).toContain("A to E");
  });

  it("formula suggestions", () => {
    expect(suggestForFormula("=$B2>100")).toBe("GreaterThan(c[1], 100)");
    expect(suggestForFormula("=B2<=-2.5")).toBe("LessThanEqual(c[1], -2.5)");
    expect(suggestForFormula('=$E2="Yes"')).toBe("TextEquals(c[4], 'Yes')");
    expect(suggestForFormula('=$E2<>"Yes"')).toBe("NOT(TextEquals(c[4], 'Yes'))");
    expect(suggestForFormula("=$A2=$A3")).toBeNull();
  });
});

describe("parsePastedTable", () => {
  it("reads TSV as copied from a spreadsheet, trailing newline and CRLF included", () => {
    const t = table(parsePastedTable("Name\tSales\r\nAcme\t120\r\nBirch\t85\r\n"));
    expect(t).toEqual([
      ["Name", "Sales"],
      ["Acme", "120"],
      ["Birch", "85"],
    ]);
    expect(addresses(previewRule("GreaterThan(c[1], 100)", t))).toEqual(["B2"]);
  });

  it("keeps commas inside TSV cells", () => {
    const t = table(parsePastedTable("Name\tNote\nAcme\tlate, unpaid\n"));
    expect(t).toEqual([
      ["Name", "Note"],
      ["Acme", "late, unpaid"],
    ]);
  });

  it("reads CSV with quoted commas, doubled quotes and a quoted newline", () => {
    const csv = 'Name,City,Sales\n"Smith, John","New York, NY",1500\n"Say ""hi""",Boston,"1,200"\n"Two\nlines",,7\n\n\n';
    const t = table(parsePastedTable(csv));
    expect(t).toEqual([
      ["Name", "City", "Sales"],
      ["Smith, John", "New York, NY", "1500"],
      ['Say "hi"', "Boston", "1,200"],
      ["Two\nlines", "", "7"],
    ]);
    // "1,200" is a number to the interpreter, as in Excel.
    expect(addresses(previewRule("GreaterThan(c[2], 1000)", t))).toEqual(["C2", "C3"]);
  });

  it("a quote inside a TSV cell is literal text; quoted TSV cells may hold tabs", () => {
    const t = table(parsePastedTable('Item\tSize\nTV\t55" screen\n"a\tb"\tx\n'));
    expect(t).toEqual([
      ["Item", "Size"],
      ["TV", '55" screen'],
      ["a\tb", "x"],
    ]);
  });

  it("reads a quote that is never closed as text", () => {
    expect(table(parsePastedTable('A,B\n"open,1\n2,3'))).toEqual([
      ["A", "B"],
      ['"open', "1"],
      ["2", "3"],
    ]);
  });

  it("pads short rows with blanks", () => {
    const t = table(parsePastedTable("A,B,C\n1\n2,3\n"));
    expect(t).toEqual([
      ["A", "B", "C"],
      ["1", "", ""],
      ["2", "3", ""],
    ]);
  });

  it("refuses empty text and a header without rows", () => {
    expect(errorOf(parsePastedTable(""))).toMatch(/Nothing to read/);
    expect(errorOf(parsePastedTable("\n\n"))).toMatch(/Nothing to read/);
    expect(errorOf(parsePastedTable("Name\tSales\n"))).toMatch(/at least one row/);
  });

  it("takes at most MAX_ROWS rows below the header and MAX_COLUMNS columns", () => {
    expect(MAX_ROWS).toBe(200);
    expect(MAX_COLUMNS).toBe(26);
    const rows = (n: number): string => ["H", ...Array.from({ length: n }, (_, i) => String(i))].join("\n");
    expect(table(parsePastedTable(rows(200) + "\n\n"))).toHaveLength(201);
    expect(errorOf(parsePastedTable(rows(201)))).toBe("The table has 201 rows below the header; the preview takes at most 200.");
    const cols = (n: number): string => {
      const line = Array.from({ length: n }, (_, i) => `c${i}`).join("\t");
      return `${line}\n${line}`;
    };
    expect(table(parsePastedTable(cols(26)))[0]).toHaveLength(26);
    expect(errorOf(parsePastedTable(cols(27)))).toBe("The table has 27 columns; the preview takes at most 26 (A to Z).");
  });
});

describe("ruleFormula (Copy as formula on the preview's table)", () => {
  it("gives the formula rule and its range, or why there is none", () => {
    expect(ruleFormula("GreaterThan(c[2], 100)", SAMPLE_TABLE)).toEqual({ ok: true, formula: "=AND(ISNUMBER($C2),$C2>100)", ranges: ["C2:C9"], anchor: "C2" });
    expect(ruleFormula("ColorScale(c[2])", SAMPLE_TABLE)).toMatchObject({ ok: false, reason: /colour scale/ });
    expect(ruleFormula("GreaterThan(", SAMPLE_TABLE)).toEqual({ ok: false, reason: "the rule could not be read" });
  });
});
