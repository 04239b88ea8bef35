// Inventory of the forms used by a list of CF rules (for the data report in cf.ts and the coverage test).
import { CF_FUNCTION_NAMES, parseCfRule } from "./cfParser";

const KNOWN = new Set(CF_FUNCTION_NAMES);
const CALL_RE = /([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

/**
 * How many rules use each form: every rule function as spelled (`top` and `Top` apart, counted once per rule), the
 * column form `c[k]`, quoted arguments, and the rules outside the grammar: `<formula>`, `<officeScript>`,
 * `<parse error>`. Spellings are found by scanning for known names followed by '(' in rules that parse as rules.
 */
export function cfFormCounts(rules: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const text of rules) {
    const parsed = parseCfRule(text);
    if (!parsed.ok) {
      add("<parse error>");
      continue;
    }
    if (parsed.rule.kind === "formula" || parsed.rule.kind === "officeScript") {
      add(`<${parsed.rule.kind}>`);
      continue;
    }
    const seen = new Set<string>();
    for (const m of text.matchAll(CALL_RE)) if (KNOWN.has(m[1]!.toLowerCase())) seen.add(m[1]!);
    for (const m of text.matchAll(/\b(LEN|ABS|TRIM|UPPER|LOWER)\s*\(/gi)) seen.add(`${m[1]!.toUpperCase()}(c[k]) value`);
    if (/\bc\s*\[\s*\d+\s*\]/.test(text)) seen.add("c[k] column");
    if (/[(,]\s*(['"]).*\1\s*[,)]/.test(text)) seen.add("'quoted' text");
    seen.forEach(add);
  }
  return new Map([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}
