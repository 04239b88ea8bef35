// Predictions files (docs/predictions-format.md): JSON lines written by training/evaluate.py and
// training/baseline.py, one test item per line.
import type { LanguageId } from "../bundle/manifest";
import type { CfTable } from "../lang/cf";

export type Language = LanguageId;
export const LANGUAGES: readonly Language[] = ["bash", "python", "cf"];

export interface Candidate {
  code: string;
  score: number;
}

export interface PredictionRow {
  format: 1;
  language: Language;
  index: number;
  id: number;
  utterance: string;
  gold: string;
  candidates: Candidate[];
  system: string;
  steps: number | null;
  samples: number | null;
  table?: CfTable;
}

/** Parse a predictions file's text; the error names the line that is wrong. */
export function parsePredictions(text: string, source = "predictions"): PredictionRow[] {
  const rows: PredictionRow[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let row: PredictionRow;
    try {
      row = JSON.parse(line) as PredictionRow;
    } catch (error) {
      throw new Error(`${source}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    if (row.format !== 1) throw new Error(`${source}:${i + 1}: format ${String(row.format)} is not 1`);
    if (!LANGUAGES.includes(row.language)) throw new Error(`${source}:${i + 1}: unknown language ${String(row.language)}`);
    if (typeof row.gold !== "string" || !Array.isArray(row.candidates)) {
      throw new Error(`${source}:${i + 1}: needs "gold" and "candidates"`);
    }
    if (row.language === "cf" && !Array.isArray(row.table)) throw new Error(`${source}:${i + 1}: a CF row needs its "table"`);
    rows.push(row);
  });
  return rows;
}

export { normalizeWhitespace } from "../lang/whitespace";
