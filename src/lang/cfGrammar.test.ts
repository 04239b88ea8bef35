// The CF pairs that training/cf_grammar.py writes from the rule language: every rule of the shared sample
// (testdata/cf_grammar/pairs.json, the generator's first 400; training/tests/test_cf_grammar.py proves it current)
// must parse and run in the interpreter on a table with its header, and select something there: a rule the
// interpreter rejects or that can never hold would teach the model nothing it could use.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evaluateCfRule, parseCfRule } from "./cf";
import { probeTable } from "./cfExecutionMatch";

interface GrammarPair {
  request: string;
  rule: string;
  header: string[];
}
const pairs = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../testdata/cf_grammar/pairs.json", import.meta.url)), "utf8"),
) as GrammarPair[];

describe("CF pairs written from the rule language", () => {
  it("has the generator's sample", () => {
    expect(pairs.length).toBe(400);
  });

  it("every rule parses and runs on its header's columns", () => {
    const failures: string[] = [];
    for (const pair of pairs) {
      const parsed = parseCfRule(pair.rule);
      if (!parsed.ok) {
        failures.push(`${pair.rule}: ${parsed.error.message}`);
        continue;
      }
      const result = evaluateCfRule(parsed.rule, probeTable(pair.header, [parsed.rule]), { today: new Date(2025, 5, 15) });
      if (!result.executable) failures.push(`${pair.rule}: ${result.reason}`);
      else if (result.columns.some((c) => c >= pair.header.length)) failures.push(`${pair.rule}: a column outside ${pair.header.join(" | ")}`);
    }
    expect(failures).toEqual([]);
  });

  it("the column a rule names is the one its request names", () => {
    for (const pair of pairs) {
      const columns = [...pair.rule.matchAll(/c\[(\d+)\]/g)].map((m) => Number(m[1]));
      for (const k of columns) expect(pair.request.toLowerCase(), pair.rule).toContain((pair.header[k] ?? "?").toLowerCase());
    }
  });
});
