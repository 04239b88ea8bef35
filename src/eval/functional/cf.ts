// Everyday Excel conditional-formatting requests on realistic tables, as a functional suite for CF rules
// (data/functional/cf/README.md). A candidate rule passes when the project's interpreter (src/lang/cf.ts), run on the
// task's table, formats exactly the cells the task lists; those cells were written by hand from the request's meaning.
//
// Self-test and floor (every reference on its own task; the most common training rules on every task), a table:
//   npx tsx src/eval/functional/cf.ts --self-test
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { cellAddress } from "../../app/cfPreview";
import { evaluateCfRule, type EvaluateOptions } from "../../lang/cfInterpreter";
import { parseCfRule } from "../../lang/cfParser";
import type { FunctionalSuite, FunctionalTask, Verdict } from "./types";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export const CF_TASKS_PATH = "data/functional/cf/tasks.json";

/** What a task is mainly about; the README counts tasks by it. */
export const CF_TOPICS = [
  "number",
  "between",
  "date",
  "blank",
  "text",
  "rank",
  "average",
  "duplicate",
  "negation",
  "combination",
  "other",
] as const;
export type CfTopic = (typeof CF_TOPICS)[number];

export interface CfTask extends FunctionalTask {
  topic: CfTopic;
  /** Header row first, then 5–20 data rows; every cell a string, as pasted into the app's preview. */
  table: string[][];
  /**
   * The cells that should turn colour, as A1 addresses over `table` as given: the header is row 1, so the first data
   * row is row 2, and column A is c[0]. Sorted row by row, then by column (the interpreter's order).
   */
  highlight: string[];
  /** A rule in the project's CF language that does what the request asks. */
  reference: string;
  /** "Today" (YYYY-MM-DD) for requests relative to the current date (this week, last month, ...). */
  today?: string;
}

const A1_RE = /^([A-Z])([1-9]\d*)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The interpreter's options for a task: its fixed "today" (local midnight, as the interpreter reads dates), if any. */
function optionsOf(task: CfTask): EvaluateOptions {
  if (task.today === undefined) return {};
  const m = DATE_RE.exec(task.today)!;
  return { today: new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) };
}

/** A1 addresses of the cells `rule` formats on the task's table, or why it cannot run. Never throws. */
export function highlightedCells(task: CfTask, rule: string): { cells: string[] } | { error: string } {
  const parsed = parseCfRule(rule);
  if (!parsed.ok) return { error: `does not parse: ${parsed.error.message} at ${parsed.error.position}` };
  let selection;
  try {
    selection = evaluateCfRule(parsed.rule, task.table, optionsOf(task));
  } catch (e) {
    return { error: `the interpreter failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!selection.executable) return { error: `not executable: ${selection.reason}` };
  // The interpreter numbers data rows from 0; the table's own row index (header = 0) is one more.
  return { cells: selection.cells.map((c) => cellAddress(c.row + 1, c.col)) };
}

function listCells(cells: string[]): string {
  const shown = cells.slice(0, 8).join(" ");
  return cells.length > 8 ? `${shown} and ${cells.length - 8} more` : shown;
}

/** Pass iff the rule formats exactly the task's cells; otherwise say which cells are missing or extra. */
export function scoreCf(task: CfTask, rule: string): Verdict {
  const result = highlightedCells(task, rule);
  if ("error" in result) return { pass: false, detail: result.error };
  const got = new Set(result.cells);
  const want = new Set(task.highlight);
  const missing = task.highlight.filter((c) => !got.has(c));
  const extra = result.cells.filter((c) => !want.has(c));
  if (missing.length === 0 && extra.length === 0) return { pass: true };
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`misses ${listCells(missing)}`);
  if (extra.length > 0) parts.push(`also formats ${listCells(extra)}`);
  return { pass: false, detail: `formats ${got.size} cells, ${want.size} wanted: ${parts.join("; ")}` };
}

// ------------------------------------------------------------------------------------------------ loading

function fail(path: string, where: string, what: string): never {
  throw new Error(`${path}: ${where}: ${what}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/** Check one task's shape; the self-test (cf.test.ts) checks what the tasks mean. */
function validate(path: string, index: number, raw: unknown): CfTask {
  const where = `task ${index + 1}`;
  if (typeof raw !== "object" || raw === null) fail(path, where, "not an object");
  const t = raw as Record<string, unknown>;
  const id = typeof t.id === "string" ? t.id : fail(path, where, "no id");
  const at = `${where} (${id})`;
  if (t.split !== "dev" && t.split !== "test") fail(path, at, `split must be "dev" or "test"`);
  if (typeof t.topic !== "string" || !(CF_TOPICS as readonly string[]).includes(t.topic))
    fail(path, at, `topic must be one of ${CF_TOPICS.join(", ")}`);
  if (typeof t.request !== "string" || t.request.trim() === "") fail(path, at, "no request");
  if (typeof t.reference !== "string" || t.reference.trim() === "") fail(path, at, "no reference rule");
  if (!Array.isArray(t.table) || t.table.length < 2 || !t.table.every(isStringArray))
    fail(path, at, "table must be a header row and data rows of strings");
  const width = (t.table[0] as string[]).length;
  if ((t.table as string[][]).some((row) => row.length !== width)) fail(path, at, "every row must be as wide as the header");
  if (!isStringArray(t.highlight)) fail(path, at, "highlight must be a list of A1 addresses");
  for (const address of t.highlight) {
    const m = A1_RE.exec(address);
    if (!m) fail(path, at, `highlight ${JSON.stringify(address)} is not an A1 address`);
    const row = Number(m[2]);
    const col = m[1]!.charCodeAt(0) - 65;
    if (row < 2 || row > t.table.length || col >= width) fail(path, at, `highlight ${address} is not a data cell of the table`);
  }
  if (t.today !== undefined && (typeof t.today !== "string" || !DATE_RE.test(t.today)))
    fail(path, at, "today must be a YYYY-MM-DD date");
  return t as unknown as CfTask;
}

/** The CF suite. `path` is relative to the repository root unless absolute. */
export function loadCfSuite(path = CF_TASKS_PATH): FunctionalSuite<CfTask> {
  const file = isAbsolute(path) ? path : resolve(REPO_ROOT, path);
  const raw = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a list of tasks`);
  const tasks = raw.map((t, i) => validate(path, i, t));
  return {
    language: "cf",
    name: "cf everyday",
    tasks,
    score: (task, code) => Promise.resolve(scoreCf(task, code)),
  };
}

// ------------------------------------------------------------------------------------------------ self-test, floor

/** The training split's rules, most common first, with their counts. */
function commonTrainingRules(limit: number): { rule: string; count: number }[] {
  const bench = JSON.parse(readFileSync(resolve(REPO_ROOT, "data/codefusion/benchmarks/CFRuleBenchmarks.json"), "utf8")) as {
    train: { Code: string }[];
  };
  const counts = new Map<string, number>();
  for (const item of bench.train) {
    const rule = item.Code.trim();
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([rule, count]) => ({ rule, count }));
}

function selfTest(): void {
  const suite = loadCfSuite();
  const bySplit = (split: string): CfTask[] => suite.tasks.filter((t) => t.split === split);
  console.log(`${suite.tasks.length} tasks: ${bySplit("dev").length} dev, ${bySplit("test").length} test`);
  console.log("\ntopic        dev  test");
  for (const topic of CF_TOPICS) {
    const n = (split: string): number => bySplit(split).filter((t) => t.topic === topic).length;
    console.log(`${topic.padEnd(12)} ${String(n("dev")).padStart(3)}  ${String(n("test")).padStart(4)}`);
  }
  const failures = suite.tasks.map((t) => ({ t, v: scoreCf(t, t.reference) })).filter((x) => !x.v.pass);
  console.log(`\nreferences passing their own task: ${suite.tasks.length - failures.length}/${suite.tasks.length}`);
  for (const { t, v } of failures) console.log(`  ${t.id} ${t.reference}: ${v.detail}`);

  console.log("\nfloor: the most common training rules, each tried as the only candidate on every task");
  console.log("rule                      train  dev pass  test pass");
  for (const { rule, count } of commonTrainingRules(10)) {
    const passes = (split: string): number => bySplit(split).filter((t) => scoreCf(t, rule).pass).length;
    console.log(`${rule.padEnd(24)} ${String(count).padStart(6)}  ${String(passes("dev")).padStart(8)}  ${String(passes("test")).padStart(9)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes("--self-test")) selfTest();
