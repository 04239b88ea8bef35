// Execution match for CF rules: a prediction matches the gold rule when both parse, both execute and they format
// exactly the same data cells of the item's table. Tables without data rows (60 of the 178 test items: only a header)
// are replaced by a PROBE table, see probeTable.
import { parseCfRule, type CfOperand, type CfRule } from "./cfParser";
import { evaluateCfRule, type CellSelection, type CfCellInput, type CfTable, type EvaluateOptions } from "./cfInterpreter";

export interface CfExecutionMatchResult {
  match: boolean;
  /** True when the table had no data rows and both rules ran on the probe table instead. */
  usedProbe: boolean;
  /** Why it did not match (absent on a match). */
  reason?: string;
}

/**
 * The fixed part of the probe: numbers (negative, decimal, zero, large, as numbers and as numeric strings), text in
 * several cases, blanks and a whitespace-only cell, duplicates (3 twice, "apple"/"Apple"), dates as text, booleans and
 * error cells. Each probe column is this list rotated, so different columns hold different values in a row.
 */
export const PROBE_VALUES: readonly CfCellInput[] = [
  0,
  "0",
  -5,
  -0.5,
  0.5,
  1,
  2,
  3,
  3,
  "4.25",
  10,
  15,
  25,
  50,
  85,
  90,
  100,
  "619.5",
  1000,
  -1000000,
  "",
  "   ",
  "Apple",
  "apple",
  "Banana split",
  "In Progress",
  "Error",
  "N/A",
  "#N/A",
  "#DIV/0!",
  "TRUE",
  true,
  false,
  "2022-11-15",
  "24/01/2020",
  "Mon Jun 15 2020",
  "经济",
  "x+y",
  "(blank)",
  "A-B, C",
];

/** Literal values of a rule; the probe gets rows built from them so that thresholds and texts are exercised. */
function constants(rule: CfRule, out: { numbers: Set<number>; texts: Set<string> }): void {
  const operand = (op: CfOperand): void => {
    if (op.kind === "number") out.numbers.add(op.value);
    else if (op.kind === "text" && op.value !== "") out.texts.add(op.value);
    else if (op.kind === "call") operand(op.arg);
  };
  switch (rule.kind) {
    case "and":
    case "or":
      rule.args.forEach((r) => constants(r, out));
      return;
    case "not":
      constants(rule.arg, out);
      return;
    case "compare":
    case "text":
      operand(rule.subject);
      operand(rule.value);
      return;
    case "between":
      [rule.subject, rule.low, rule.high].forEach(operand);
      return;
    default:
      return;
  }
}

/**
 * The probe table for a header-only table: the header (or A, B, C when there is none) over PROBE_VALUES plus, for
 * every literal of either rule (sorted, so the probe does not depend on which rule is the gold), the literal and its
 * neighbours: n-1, n-0.5, n, n+0.5, n+1 for numbers; the text, upper- and lower-cased, and inside longer text.
 */
export function probeTable(header: readonly CfCellInput[], rules: readonly CfRule[]): CfTable {
  const found = { numbers: new Set<number>(), texts: new Set<string>() };
  for (const rule of rules) constants(rule, found);
  const values: CfCellInput[] = [...PROBE_VALUES];
  for (const n of [...found.numbers].sort((a, b) => a - b)) values.push(n - 1, n - 0.5, n, String(n), n + 0.5, n + 1);
  for (const t of [...found.texts].sort()) values.push(t, t.toUpperCase(), t.toLowerCase(), `pre ${t}`, `${t} post`);
  const head = header.length > 0 ? [...header] : ["A", "B", "C"];
  const rows: CfCellInput[][] = values.map((_, i) =>
    Array.from({ length: head.length }, (_, c) => values[(i + c * 7) % values.length]),
  );
  return [head, ...rows];
}

/** Compare a predicted rule with the gold rule by execution on `table` (header row + data rows). */
export function cfExecutionMatch(
  gold: string,
  predicted: string,
  table: CfTable,
  options: EvaluateOptions = {},
): CfExecutionMatchResult {
  const g = parseCfRule(gold);
  const p = parseCfRule(predicted);
  const usedProbe = table.length <= 1;
  if (!g.ok) return { match: false, usedProbe, reason: `gold does not parse: ${g.error.message} at ${g.error.position}` };
  if (!p.ok)
    return { match: false, usedProbe, reason: `prediction does not parse: ${p.error.message} at ${p.error.position}` };
  const on = usedProbe ? probeTable(table[0] ?? [], [g.rule, p.rule]) : table;
  // One "today" for both rules, so that date rules compare like with like.
  const opts: EvaluateOptions = { today: options.today ?? new Date() };
  const gs = evaluateCfRule(g.rule, on, opts);
  const ps = evaluateCfRule(p.rule, on, opts);
  if (!gs.executable) return { match: false, usedProbe, reason: `gold is not executable: ${gs.reason}` };
  if (!ps.executable) return { match: false, usedProbe, reason: `prediction is not executable: ${ps.reason}` };
  const key = (s: CellSelection & { executable: true }): string => s.cells.map((c) => `${c.row},${c.col}`).join(";");
  if (key(gs) === key(ps)) return { match: true, usedProbe };
  return {
    match: false,
    usedProbe,
    reason: `different cells: gold selects ${gs.cells.length}, prediction ${ps.cells.length}`,
  };
}
