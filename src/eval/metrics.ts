// The evaluation report: every metric of every language at top-1/3/5, from predictions rows.
// One place for each metric's definition; the language knowledge lives in src/lang/.
import { bashTemplate, isValidBash, nlc2cmdTopK } from "../lang/bash";
import { corpusBleu, tokenizeForBleu } from "../lang/bleu";
import { cfExecutionMatch, parseCfRule } from "../lang/cf";
import { distinctNgrams, meanPairwiseEditDistance } from "../lang/diversity";
import { isValidPython } from "../lang/python";
import { normalizeWhitespace, type Language, type PredictionRow } from "./predictions";

export const TOP_K = [1, 3, 5] as const;
export type AtK = { top1: number; top3: number; top5: number };

/** A fixed "today" for CF date rules (LastMonth, …), so that a report does not depend on the day it was made. */
export const CF_TODAY = new Date(Date.UTC(2023, 9, 1));

export interface SystemReport {
  system: string;
  n: number;
  steps: number | null;
  samples: number | null;
  /** Metric name -> percent (NLC2CMD: mean score × 100, in -100..100) at top-1/3/5. */
  metrics: Record<string, AtK>;
  /** Share (percent) of items whose first candidate is syntactically valid, and of all candidates. */
  syntaxValid: { top1: number; allCandidates: number };
  /** Diversity of the top-5 (the paper's Table 2), averaged over items: distinct n-grams and edit distance. */
  diversity: { distinct1: number; distinct2: number; distinct3: number; distinct4: number; editDistance: number };
  /** How many items each subset metric covers (e.g. CF tables with rows / header-only tables). */
  subsets: Record<string, number>;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const percent = (hits: number, n: number): number => (n === 0 ? 0 : round2((100 * hits) / n));

function atK(rows: readonly PredictionRow[], hit: (row: PredictionRow, k: number) => boolean): AtK {
  const [top1, top3, top5] = TOP_K.map((k) => percent(rows.filter((r) => hit(r, k)).length, rows.length));
  return { top1, top3, top5 };
}

function meanAtK(rows: readonly PredictionRow[], score: (row: PredictionRow, k: number) => number, scale = 100): AtK {
  const [top1, top3, top5] = TOP_K.map((k) =>
    rows.length === 0 ? 0 : round2((scale * rows.reduce((sum, r) => sum + score(r, k), 0)) / rows.length),
  );
  return { top1, top3, top5 };
}

const codes = (row: PredictionRow, k: number): string[] => row.candidates.slice(0, k).map((c) => c.code);

/** Exact match (the paper's Table 6): one of the first k candidates equals the gold after whitespace normalisation. */
export function exactMatch(row: PredictionRow, k: number): boolean {
  const gold = normalizeWhitespace(row.gold);
  return codes(row, k).some((c) => normalizeWhitespace(c) === gold);
}

export function isSyntaxValid(language: Language, code: string): boolean {
  if (language === "bash") return isValidBash(code);
  if (language === "python") return isValidPython(code);
  return parseCfRule(code).ok;
}

/** A code's template; a code that does not parse is its own (whitespace-normalised) template, so that exact match
 * always implies template match. */
const templateOf = (code: string): string => bashTemplate(code) ?? `unparsed:${normalizeWhitespace(code)}`;

/** Bash template match: the NL2Bash template (utilities, flags, operators; arguments as placeholders) is equal. */
export function templateMatch(row: PredictionRow, k: number): boolean {
  const gold = templateOf(row.gold);
  return codes(row, k).some((c) => templateOf(c) === gold);
}

/** CF execution match: a candidate selects the same cells as the gold rule on the item's table (or the probe). */
export function executionMatch(row: PredictionRow, k: number): boolean {
  return codes(row, k).some((c) => cfExecutionMatch(row.gold, c, row.table ?? [], { today: CF_TODAY }).match);
}

/**
 * CoNaLa-style corpus BLEU (percent). At top-k each item contributes the candidate, among its first k, with the highest
 * smoothed sentence-level BLEU against the gold (an oracle choice, as top-k accuracy is).
 */
export function bleuAtK(rows: readonly PredictionRow[]): AtK {
  const references = rows.map((r) => tokenizeForBleu(r.gold));
  const candidates = rows.map((r) => codes(r, 5).map(tokenizeForBleu)); // tokenised once for every k
  // each item's candidates by smoothed sentence-level BLEU, best first (stable: earlier rank wins ties)
  const byBleu = candidates.map((options, i) =>
    options
      .map((tokens, rank) => ({ tokens, rank, score: corpusBleu([references[i]], [tokens], 4, true) }))
      .sort((a, b) => b.score - a.score),
  );
  const [top1, top3, top5] = TOP_K.map((k) => {
    const hypotheses = byBleu.map((sorted) => sorted.find((c) => c.rank < k)?.tokens ?? []);
    return round2(100 * corpusBleu(references, hypotheses, 4, false));
  });
  return { top1, top3, top5 };
}

function diversity(rows: readonly PredictionRow[]): SystemReport["diversity"] {
  const mean = (values: number[]): number =>
    values.length === 0 ? 0 : Math.round((1000 * values.reduce((s, v) => s + v, 0)) / values.length) / 1000;
  const tokens = rows.map((r) => codes(r, 5).map(tokenizeForBleu)); // once per item, for all four n
  const distinct = (n: number): number => mean(tokens.map((t) => distinctNgrams(t, n)));
  return {
    distinct1: distinct(1),
    distinct2: distinct(2),
    distinct3: distinct(3),
    distinct4: distinct(4),
    editDistance: mean(rows.map((r) => meanPairwiseEditDistance(codes(r, 5)))),
  };
}

/** The report of one system on one language's rows. */
export function scoreSystem(language: Language, rows: readonly PredictionRow[]): SystemReport {
  const metrics: Record<string, AtK> = { exact_match: atK(rows, exactMatch) };
  const subsets: Record<string, number> = {};
  if (language === "bash") {
    metrics.template_match = atK(rows, templateMatch);
    metrics.nlc2cmd = meanAtK(rows, (r, k) => nlc2cmdTopK(r.gold, codes(r, k), k));
  } else if (language === "cf") {
    metrics.execution_match = atK(rows, executionMatch);
    const withRows = rows.filter((r) => (r.table?.length ?? 0) > 1);
    const headerOnly = rows.filter((r) => (r.table?.length ?? 0) <= 1);
    metrics.execution_match_tables_with_rows = atK(withRows, executionMatch);
    metrics.execution_match_header_only_probe = atK(headerOnly, executionMatch);
    subsets.tables_with_rows = withRows.length;
    subsets.header_only_probe = headerOnly.length;
  } else {
    metrics.bleu = bleuAtK(rows);
  }
  const all = rows.flatMap((r) => r.candidates.map((c) => c.code));
  return {
    system: rows[0]?.system ?? "?",
    n: rows.length,
    steps: rows[0]?.steps ?? null,
    samples: rows[0]?.samples ?? null,
    metrics,
    syntaxValid: {
      top1: percent(rows.filter((r) => r.candidates.length > 0 && isSyntaxValid(language, r.candidates[0].code)).length, rows.length),
      allCandidates: percent(all.filter((c) => isSyntaxValid(language, c)).length, all.length),
    },
    diversity: diversity(rows),
    subsets,
  };
}

export type EvalReport = Partial<Record<Language, SystemReport[]>>;

/** Group rows by language and system and score each group. */
export function scoreRows(rows: readonly PredictionRow[]): EvalReport {
  const report: EvalReport = {};
  const groups = new Map<string, PredictionRow[]>();
  for (const row of rows) {
    const key = `${row.language}\u0000${row.system}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  for (const [key, group] of groups) {
    const language = key.split("\u0000")[0] as Language;
    (report[language] ??= []).push(scoreSystem(language, group));
  }
  return report;
}
