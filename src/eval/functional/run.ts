// Scoring systems on a functional suite: each system gives every task a ranked list of candidates; a task is a
// top-k hit when one of the first k candidates does what the task asks (the suite's verdict, from running it).
// Top-k is counted on the ranked list a user sees, not estimated from samples (for ODEX this is "pass@k" of the k
// candidates shown, as the table uses it). Dev and test are reported apart: tune on dev only.
import { foreignLiterals } from "../../lang/literals";
import { normalizeWhitespace } from "../../lang/whitespace";
import type { FunctionalLanguage, FunctionalSplit, FunctionalSuite, FunctionalTask, Verdict } from "./types";

export const TOP_K = [1, 3, 5] as const;
export const SPLITS: readonly FunctionalSplit[] = ["dev", "test"];

/** One system's answers: task id -> candidates, best first (only the first five are scored). */
export interface SystemCandidates {
  /** Short key, e.g. "samples", "known", "pool", "retrieval". */
  system: string;
  /** What the row is, in words, for the table. */
  label: string;
  candidates: ReadonlyMap<string, readonly string[]>;
}

/** Percent of the split's tasks with a passing candidate among the first k, for k = 1, 3, 5. */
export interface SplitScore {
  tasks: number;
  top1: number;
  top3: number;
  top5: number;
}

export interface SystemScore {
  system: string;
  label: string;
  dev: SplitScore;
  test: SplitScore;
  /** Task id -> rank (1-based) of the first passing candidate, or null when none of the first five passes. */
  firstPass: Record<string, number | null>;
  /** Percent of the shown candidates (the first five of each task) that carry a literal their request did not give
   * (src/lang/literals.ts; an editable placeholder {{...}} is none), per split. */
  foreign: { dev: number; test: number };
}

export interface FunctionalReport {
  language: FunctionalLanguage;
  suite: string;
  tasks: { dev: number; test: number };
  systems: SystemScore[];
}

export interface ScoreOptions {
  /** How many candidates run at once (each in its own sandbox or interpreter call). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** The language's own words (the bundle tagger's stopwords), for the foreign-literal check as the engine makes it. */
  languageWords?: readonly string[];
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of the results. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function percent(hits: number, total: number): number {
  return total === 0 ? 0 : Math.round((10000 * hits) / total) / 100;
}

/** Top-k percentages of one split from the first-pass ranks of its tasks. */
export function splitScore(ranks: readonly (number | null)[]): SplitScore {
  const hits = (k: number): number => ranks.filter((r) => r !== null && r <= k).length;
  return { tasks: ranks.length, top1: percent(hits(1), ranks.length), top3: percent(hits(3), ranks.length), top5: percent(hits(5), ranks.length) };
}

/** Percent of the candidates (the first five of each task) with a literal the task's request does not give. */
export function foreignShare(
  language: FunctionalLanguage,
  tasks: readonly FunctionalTask[],
  candidates: ReadonlyMap<string, readonly string[]>,
  languageWords: readonly string[] = [],
): number {
  let shown = 0;
  let foreign = 0;
  for (const task of tasks) {
    const context = { language, request: task.request, languageWords };
    for (const code of (candidates.get(task.id) ?? []).slice(0, 5)) {
      shown++;
      if (foreignLiterals(context, code).length > 0) foreign++;
    }
  }
  return percent(foreign, shown);
}

/**
 * Scores every system on the suite's tasks. A code that several systems (or candidates) share is run once per task:
 * the verdict depends only on the task and the code (whitespace-normalised).
 */
export async function scoreSystems<T extends FunctionalTask>(
  suite: FunctionalSuite<T>,
  tasks: readonly T[],
  systems: readonly SystemCandidates[],
  options: ScoreOptions = {},
): Promise<FunctionalReport> {
  const jobs: { task: T; code: string; key: string }[] = [];
  const seen = new Set<string>();
  for (const task of tasks) {
    for (const system of systems) {
      for (const code of (system.candidates.get(task.id) ?? []).slice(0, 5)) {
        const key = `${task.id}\u0000${normalizeWhitespace(code)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        jobs.push({ task, code, key });
      }
    }
  }
  let done = 0;
  const verdicts = new Map<string, Verdict>();
  await mapLimited(jobs, options.concurrency ?? 2, async (job) => {
    const verdict: Verdict =
      normalizeWhitespace(job.code) === "" ? { pass: false, detail: "empty candidate" } : await suite.score(job.task, job.code);
    verdicts.set(job.key, verdict);
    options.onProgress?.(++done, jobs.length);
  });
  const scores = systems.map((system): SystemScore => {
    const firstPass: Record<string, number | null> = {};
    for (const task of tasks) {
      const list = (system.candidates.get(task.id) ?? []).slice(0, 5);
      const rank = list.findIndex((code) => verdicts.get(`${task.id}\u0000${normalizeWhitespace(code)}`)?.pass === true);
      firstPass[task.id] = rank >= 0 ? rank + 1 : null;
    }
    const ofSplit = (split: FunctionalSplit): SplitScore =>
      splitScore(tasks.filter((t) => t.split === split).map((t) => firstPass[t.id] ?? null));
    const foreignOf = (split: FunctionalSplit): number =>
      foreignShare(suite.language, tasks.filter((t) => t.split === split), system.candidates, options.languageWords);
    const foreign = { dev: foreignOf("dev"), test: foreignOf("test") };
    return { system: system.system, label: system.label, dev: ofSplit("dev"), test: ofSplit("test"), firstPass, foreign };
  });
  return {
    language: suite.language,
    suite: suite.name,
    tasks: { dev: tasks.filter((t) => t.split === "dev").length, test: tasks.filter((t) => t.split === "test").length },
    systems: scores,
  };
}

const fixed = (x: number): string => x.toFixed(1).padStart(5);

/** The report as a plain-text table: one row per system, dev and test top-1/3/5. */
export function formatFunctionalReport(report: FunctionalReport, heading = ""): string {
  const width = Math.max(28, ...report.systems.map((s) => s.label.length + 2));
  const lines = [
    heading || `${report.suite} (${report.tasks.dev} dev, ${report.tasks.test} test tasks), percent passing`,
    `${"system".padEnd(width)}  dev @1    @3    @5   test @1    @3    @5   foreign literals dev / test`,
  ];
  for (const s of report.systems) {
    lines.push(
      `${s.label.padEnd(width)}  ${fixed(s.dev.top1)} ${fixed(s.dev.top3)} ${fixed(s.dev.top5)}   ${fixed(s.test.top1)} ${fixed(s.test.top3)} ${fixed(s.test.top5)}   ${fixed(s.foreign.dev)} / ${fixed(s.foreign.test)}`,
    );
  }
  return lines.join("\n");
}

/** The same as a Markdown table (docs/results.md). */
export function markdownFunctionalReport(report: FunctionalReport): string {
  const row = (x: SplitScore): string => `${x.top1.toFixed(1)} / ${x.top3.toFixed(1)} / ${x.top5.toFixed(1)}`;
  return [
    `| ${report.suite} | dev (${report.tasks.dev}) top-1 / 3 / 5 | test (${report.tasks.test}) top-1 / 3 / 5 | foreign literals dev / test |`,
    "|---|---|---|---|",
    ...report.systems.map((s) => `| ${s.label} | ${row(s.dev)} | ${row(s.test)} | ${s.foreign.dev.toFixed(1)} / ${s.foreign.test.toFixed(1)} |`),
  ].join("\n");
}
