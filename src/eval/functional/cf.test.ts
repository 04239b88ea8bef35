// The CF functional suite (cf.ts, data/functional/cf/tasks.json): the tasks are well formed and cover what the issue
// asks, every reference rule formats exactly its task's hand-written cells, and near-miss candidates fail.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { excelSerial, subjectColumns } from "../../lang/cfInterpreter";
import { parseCfRule } from "../../lang/cfParser";
import { CF_TOPICS, highlightedCells, loadCfSuite, scoreCf, type CfTask } from "./cf";

const suite = loadCfSuite();
const tasks = suite.tasks;
const byId = new Map(tasks.map((t) => [t.id, t]));

function task(id: string): CfTask {
  const t = byId.get(id);
  if (!t) throw new Error(`no task ${id}`);
  return t;
}

/**
 * Rules that type a date (`LessThan(c[3], 2024-02-01)`): the interpreter reads an ISO date in a rule as the date, as
 * Excel does, so these pass as written and also with the date as its Excel serial day number.
 */
const TYPED_DATES = ["cf-004", "cf-035", "cf-039", "cf-081"];

/** The rule with every ISO date literal replaced by its Excel serial day number. */
function withSerialDates(rule: string): string {
  return rule.replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, (_, y: string, m: string, d: string) =>
    String(excelSerial(Number(y), Number(m), Number(d))),
  );
}

/** Row-major order of A1 addresses (the order the interpreter reports cells in). */
function a1Order(address: string): [number, number] {
  const m = /^([A-Z])(\d+)$/.exec(address)!;
  return [Number(m[2]), m[1]!.charCodeAt(0)];
}

/** Whether the request names one of the columns its reference rule formats, by that column's header. */
function namesItsColumn(t: CfTask): boolean {
  const parsed = parseCfRule(t.reference);
  if (!parsed.ok) return false;
  const request = t.request.toLowerCase();
  return subjectColumns(parsed.rule).some((col) => {
    const header = t.table[0]![col]!.toLowerCase();
    const escaped = header.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`(^|[^a-z0-9])${escaped}([^a-z0-9]|$)`).test(request);
  });
}

describe("the CF tasks", () => {
  it("are at least 60, with unique ids and unique requests", () => {
    expect(tasks.length).toBeGreaterThanOrEqual(60);
    expect(new Set(tasks.map((t) => t.id)).size).toBe(tasks.length);
    for (const t of tasks) expect(t.id).toMatch(/^cf-\d{3}$/);
    const requests = tasks.map((t) => t.request.trim().toLowerCase().replace(/\s+/g, " "));
    expect(new Set(requests).size).toBe(tasks.length);
  });

  it("are split about half dev, half test, and every topic has tasks in both halves", () => {
    const dev = tasks.filter((t) => t.split === "dev").length;
    expect(Math.abs(dev - (tasks.length - dev))).toBeLessThanOrEqual(2);
    for (const topic of CF_TOPICS) {
      const splits = new Set(tasks.filter((t) => t.topic === topic).map((t) => t.split));
      expect([topic, [...splits].sort()]).toEqual([topic, ["dev", "test"]]);
    }
  });

  it("have a header and 5 to 20 data rows, headers distinct and not empty", () => {
    for (const t of tasks) {
      const [header, ...data] = t.table;
      expect([t.id, data.length >= 5 && data.length <= 20]).toEqual([t.id, true]);
      expect([t.id, header!.every((h) => h.trim() !== "")]).toEqual([t.id, true]);
      expect([t.id, new Set(header!.map((h) => h.toLowerCase())).size]).toEqual([t.id, header!.length]);
    }
  });

  it("list their highlighted cells once each, in row-major order, and at least one", () => {
    for (const t of tasks) {
      expect([t.id, t.highlight.length > 0]).toEqual([t.id, true]);
      const sorted = [...new Set(t.highlight)].sort((a, b) => {
        const [ra, ca] = a1Order(a);
        const [rb, cb] = a1Order(b);
        return ra - rb || ca - cb;
      });
      expect([t.id, t.highlight]).toEqual([t.id, sorted]);
    }
  });

  it("name the column they format by its header in at least a third of the requests", () => {
    const naming = tasks.filter(namesItsColumn).length;
    expect(naming * 3).toBeGreaterThanOrEqual(tasks.length);
    // And both halves have such requests.
    for (const split of ["dev", "test"]) expect(tasks.filter((t) => t.split === split && namesItsColumn(t)).length).toBeGreaterThan(0);
  });

  it("cover numbers, dates, blanks, text, top/bottom (N and percent), averages, duplicates/unique, ranges, negations", () => {
    const forms = new Set<string>();
    for (const t of tasks) for (const m of t.reference.matchAll(/([A-Za-z]+)\s*\(/g)) forms.add(m[1]!.toLowerCase());
    const wanted = [
      "greaterthan",
      "lessthan",
      "greaterthanequal",
      "lessthanequal",
      "equals",
      "between",
      "textcontains",
      "textstartswith",
      "textendswith",
      "textequals",
      "top",
      "bottom",
      "toppercent",
      "bottompercent",
      "aboveaverage",
      "belowaverage",
      "duplicate",
      "unique",
      "blanks",
      "noblanks",
      "not",
      "or",
      "thisweek",
      "lastmonth",
    ];
    expect(wanted.filter((f) => !forms.has(f))).toEqual([]);
    for (const topic of CF_TOPICS) expect([topic, tasks.some((t) => t.topic === topic)]).toEqual([topic, true]);
  });

  it("fix today whenever the reference depends on it", () => {
    const relative = /\b(yesterday|today|tomorrow|last7days|lastweek|thisweek|nextweek|lastmonth|thismonth|nextmonth)\s*\(/i;
    for (const t of tasks) expect([t.id, relative.test(t.reference)]).toEqual([t.id, t.today !== undefined]);
  });
});

describe("the self-test: every reference formats exactly its task's hand-written cells", () => {
  it.each(tasks.map((t) => [t.id, t] as const))("%s", async (_, t) => {
    expect(await suite.score(t, t.reference)).toEqual({ pass: true });
  });

  it("a date typed into a rule is the date: the same cells as its serial day number", () => {
    for (const id of TYPED_DATES) {
      const t = task(id);
      expect(t.reference).toMatch(/\d{4}-\d{2}-\d{2}/);
      expect([id, scoreCf(t, withSerialDates(t.reference))]).toEqual([id, { pass: true }]);
      expect(highlightedCells(t, t.reference)).toEqual(highlightedCells(t, withSerialDates(t.reference)));
    }
  });
});

describe("scoring candidates", () => {
  it("fails near misses: an off-by-one threshold, the wrong column, a missing negation, the wrong count", () => {
    const wrong: [string, string][] = [
      ["cf-001", "GreaterThan(c[2], 501)"], // drops the invoice of exactly 501
      ["cf-001", "GreaterThanEqual(c[2], 500)"], // adds the invoice of exactly 500
      ["cf-002", "GreaterThan(c[2], 500)"], // "500 or more" includes 500
      ["cf-007", "LessThan(c[2], 68)"], // drops the score of exactly 68
      ["cf-001", "GreaterThan(500)"], // no column: also every Due date (dates are numbers, as in Excel)
      ["cf-003", "TextEquals(c[3], 'No')"], // Due date instead of Paid
      ["cf-013", "TextEquals(c[1], 'Electronics')"], // Product instead of Category
      ["cf-021", "Blanks()"], // every column: also the blank Project cell
      ["cf-024", "TextEquals(c[4], 'Yes')"], // negation missing
      ["cf-073", "TextContains(c[3], 'ok')"], // negation missing
      ["cf-092", "Between(c[1], 600, 750)"], // negation missing
      ["cf-005", "Top(c[2], 4)"],
      ["cf-005", "Bottom(c[2], 3)"],
      ["cf-031", "TopPercent(c[3], 10)"],
      ["cf-022", "LastWeek(c[1])"],
      ["cf-011", "GreaterThan(c[3], c[4])"],
      ["cf-052", "LessThan(c[4], 50)"], // progress is a percentage: 50 is 5000%
    ];
    expect(wrong.filter(([id, rule]) => scoreCf(task(id), rule).pass)).toEqual([]);
  });

  it("says which cells are missing or extra", () => {
    expect(scoreCf(task("cf-001"), "GreaterThan(c[2], 501)")).toEqual({
      pass: false,
      detail: "formats 4 cells, 5 wanted: misses C7",
    });
    expect(scoreCf(task("cf-002"), "GreaterThan(c[2], 500)").detail).toBe("formats 5 cells, 6 wanted: misses C4");
    expect(scoreCf(task("cf-001"), "GreaterThanEqual(c[2], 500)").detail).toBe("formats 6 cells, 5 wanted: also formats C4");
  });

  it("fails rules that do not parse or cannot run, with the reason", async () => {
    const t = task("cf-001");
    for (const [rule, reason] of [
      ["GreaterThan(c[2], 500", /does not parse/],
      ["", /does not parse: the rule is empty/],
      ["Sparkle(c[2])", /does not parse: unknown function 'Sparkle'/],
      ["GreaterThan(c[9], 500)", /not executable: column c\[9\] does not exist/],
      ["=$C2>500", /not executable: Excel formula rule/],
    ] as const) {
      const verdict = await suite.score(t, rule);
      expect(verdict.pass).toBe(false);
      expect(verdict.detail).toMatch(reason);
    }
  });

  it("accepts other spellings of a right rule (the interpreter decides, not the text)", () => {
    expect(scoreCf(task("cf-001"), "greaterthan( c[2] , 500 )").pass).toBe(true);
    expect(scoreCf(task("cf-030"), "Between(c[3], 200, 100)").pass).toBe(true);
    expect(scoreCf(task("cf-030"), "AND(GreaterThanEqual(c[3], 100), LessThanEqual(c[3], 200))").pass).toBe(true);
    expect(scoreCf(task("cf-052"), "LessThan(c[4], 0.5)").pass).toBe(true);
    // No column: applied to every cell, which on this table formats the same cells (only Score holds numbers).
    expect(scoreCf(task("cf-008"), "aboveAverage()").pass).toBe(true);
  });
});

describe("loadCfSuite", () => {
  it("is the cf suite", () => {
    expect(suite.language).toBe("cf");
    expect(suite.name).toBe("cf everyday");
  });

  it("rejects a malformed task file with the task and the fault", () => {
    const dir = mkdtempSync(join(tmpdir(), "cf-suite-"));
    try {
      const good = task("cf-001");
      const write = (value: unknown): string => {
        const path = join(dir, "tasks.json");
        writeFileSync(path, JSON.stringify(value));
        return path;
      };
      expect(() => loadCfSuite(write([{ ...good, highlight: ["C1"] }]))).toThrow(/cf-001.*C1 is not a data cell/);
      expect(() => loadCfSuite(write([{ ...good, highlight: ["F2"] }]))).toThrow(/F2 is not a data cell/);
      expect(() => loadCfSuite(write([{ ...good, split: "train" }]))).toThrow(/split must be/);
      expect(() => loadCfSuite(write([{ ...good, topic: "misc" }]))).toThrow(/topic must be/);
      expect(() => loadCfSuite(write([{ ...good, table: [good.table[0], ["x"]] }]))).toThrow(/as wide as the header/);
      expect(() => loadCfSuite(write([{ ...good, today: "15/03/2024" }]))).toThrow(/today must be/);
      expect(loadCfSuite(write([good])).tasks).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
