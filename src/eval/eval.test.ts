// The metric suite on hand-made rows, on the committed predictions files (the Python side's exact match must come
// out the same here), and with the gold code as the prediction (everything that can score 100% must).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBash } from "../lang/bash";
import { exactMatch, scoreRows, scoreSystem, templateMatch } from "./metrics";
import { normalizeWhitespace, parsePredictions, type Language, type PredictionRow } from "./predictions";
import { formatReport } from "./table";

const ROOT = join(__dirname, "..", "..");
const predictions = (name: string): PredictionRow[] =>
  parsePredictions(readFileSync(join(ROOT, "testdata", "predictions", name), "utf8"), name);

function row(language: Language, gold: string, candidates: string[], table?: PredictionRow["table"]): PredictionRow {
  return {
    format: 1, language, index: 0, id: 0, utterance: "", gold, system: "hand", steps: null, samples: null,
    candidates: candidates.map((code, i) => ({ code, score: 1 - i / 10 })),
    ...(table ? { table } : {}),
  };
}

describe("exact match", () => {
  it("normalises whitespace as Python's str.split does", () => {
    expect(normalizeWhitespace("  ls\t -la\u00a0/tmp\n")).toBe("ls -la /tmp");
    expect(normalizeWhitespace("a\u200bb")).toBe("a\u200bb"); // zero-width space is not whitespace for Python
  });

  it("counts a hit only within the first k candidates", () => {
    const r = row("bash", "ls -la", ["ls -l", "pwd", "ls  -la"]);
    expect([1, 2, 3].map((k) => exactMatch(r, k))).toEqual([false, false, true]);
    expect(exactMatch(row("bash", "ls -la", ["LS -la"]), 5)).toBe(false);
  });

  it("implies template match (property over the Bash test split)", () => {
    for (const r of predictions("retrieval-bash.jsonl")) {
      for (const k of [1, 3, 5]) if (exactMatch(r, k)) expect(templateMatch(r, k)).toBe(true);
    }
  });

  it("gives the numbers the Python side printed for the committed predictions files", () => {
    const python: Record<string, [number, number, number]> = {
      "retrieval-bash.jsonl": [9.36, 13.76, 14.79],
      "retrieval-python.jsonl": [0.4, 0.6, 0.6],
      "retrieval-cf.jsonl": [3.37, 4.49, 4.49],
      "tiny-cf.jsonl": [1.12, 1.69, 1.69],
      "tiny-bash.jsonl": [0, 0, 0],
      "tiny-python.jsonl": [0, 0, 0],
    };
    for (const [file, expected] of Object.entries(python)) {
      const rows = predictions(file);
      const em = scoreSystem(rows[0].language, rows).metrics.exact_match;
      expect([em.top1, em.top3, em.top5], file).toEqual(expected);
    }
  });
});

describe("gold as prediction", () => {
  const goldRows = (file: string): PredictionRow[] =>
    predictions(file).map((r) => ({ ...r, system: "gold", candidates: [{ code: r.gold, score: 1 }] }));

  it("scores 100 on every Bash metric where the gold parses", () => {
    const rows = goldRows("retrieval-bash.jsonl");
    const report = scoreSystem("bash", rows);
    expect(report.metrics.exact_match.top1).toBe(100);
    expect(report.metrics.template_match.top1).toBe(100);
    // NLC2CMD is 1 for a command against itself, except for codes with no utility at all (only an assignment,
    // e.g. PS4='...'), which the reference implementation scores 0.
    const withUtility = rows.filter((r) => parseBash(r.gold).commands.length > 0).length;
    expect(report.metrics.nlc2cmd.top1).toBeCloseTo((100 * withUtility) / rows.length, 2);
    expect(withUtility).toBeGreaterThan(0.98 * rows.length);
  });

  it("scores 100 BLEU and exact match on Python", () => {
    const report = scoreSystem("python", goldRows("retrieval-python.jsonl"));
    expect(report.metrics.exact_match.top5).toBe(100);
    expect(report.metrics.bleu.top1).toBe(100);
  });

  it("matches by execution on every CF item whose gold runs", () => {
    const report = scoreSystem("cf", goldRows("retrieval-cf.jsonl"));
    // 6 of 178 golds cannot run (3 do not parse, 3 are formula rules or name a missing column: src/lang/cf.ts)
    expect(report.metrics.execution_match.top1).toBe(Math.round((100 * 172 * 100) / 178) / 100);
    expect(report.subsets).toEqual({ tables_with_rows: 118, header_only_probe: 60 });
  });
});

describe("report", () => {
  it("puts systems side by side in one table per language", () => {
    const report = scoreRows([...predictions("retrieval-cf.jsonl"), ...predictions("tiny-cf.jsonl")]);
    expect(report.cf?.map((s) => s.system)).toEqual(["retrieval-tfidf", "codefusion-rehearsal"]);
    const table = formatReport(report);
    expect(table).toContain("retrieval-tfidf");
    expect(table).toContain("codefusion-rehearsal");
    expect(table).toContain("execution match");
  });

  it("rejects a file that is not the documented format, naming the line", () => {
    expect(() => parsePredictions('{"format": 1, "language": "cf", "gold": "x", "candidates": []}\n', "p.jsonl")).toThrow(
      /p\.jsonl:1: a CF row needs its "table"/,
    );
    expect(() => parsePredictions("not json", "q.jsonl")).toThrow(/q\.jsonl:1: not JSON/);
  });
});
