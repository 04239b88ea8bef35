// Where the functional evaluation's candidates come from: the shipped model through the app's own engine (its
// samples, its known codes and the pool the app shows, all from one sampling run per task), and the retrieval
// baseline (the codes of the most similar known requests, as written).
import type { Engine, FinalStep } from "../../engine/engine";
import { RetrievalIndex, type RetrievalEntry } from "../../engine/retrieval";
import { normalizeWhitespace } from "../../lang/whitespace";
import type { SystemCandidates } from "./run";
import type { FunctionalTask } from "./types";

export interface EngineOptions {
  /** The seed of task i is seed + i (as `npm run generate`), so a run is reproducible. */
  seed?: number;
  steps?: number;
  samples?: number;
  onProgress?: (done: number, total: number) => void;
}

const codesOf = (list: FinalStep["candidates"]): string[] => list.map((c) => c.code);

/** The model's three candidate lists per task: "samples" (came out of denoising), "known" (known codes), "pool". */
export async function engineCandidates(engine: Engine, tasks: readonly FunctionalTask[], options: EngineOptions = {}): Promise<SystemCandidates[]> {
  const samples = new Map<string, string[]>();
  const known = new Map<string, string[]>();
  const pool = new Map<string, string[]>();
  for (const [i, task] of tasks.entries()) {
    // The model may name the table's columns, as the app does with its preview table (CF).
    const header = task.table?.[0];
    let final: FinalStep | undefined;
    const request = { utterance: task.request, seed: (options.seed ?? 0) + i, steps: options.steps, samples: options.samples, header, parts: true };
    for await (const step of engine.generate({ ...request, decodeEvery: options.steps ?? engine.sampler.steps })) {
      if (step.done) final = step;
    }
    if (!final?.parts) throw new Error(`no final step for ${task.id}`);
    pool.set(task.id, codesOf(final.candidates));
    samples.set(task.id, codesOf(final.parts.samples));
    known.set(task.id, codesOf(final.parts.known));
    options.onProgress?.(i + 1, tasks.length);
  }
  return [
    { system: "samples", label: "model's samples", candidates: samples },
    { system: "known", label: "known codes (model's pool)", candidates: known },
    { system: "pool", label: "pool (what the app shows)", candidates: pool },
  ];
}

/**
 * The retrieval baseline (training/baseline.py): the codes, as written, of the training requests most similar to
 * the task's request by TF-IDF over lower-cased words, distinct after whitespace normalisation, best first. The
 * index holds what the bundle's retrieval holds (its index.json entries); this reads their requests as written.
 */
export function retrievalCandidates(indexJson: unknown, tasks: readonly FunctionalTask[], k = 5): SystemCandidates {
  const shipped = RetrievalIndex.fromJson(indexJson);
  // "template" mode compares the slotted request field alone: here that field is the request as written.
  const entries: RetrievalEntry[] = shipped.entries.map((e) => ({ utterance: e.utterance, code: e.code, slottedUtterance: e.utterance, slottedCode: e.code }));
  const index = new RetrievalIndex(entries, "template");
  const candidates = new Map<string, string[]>();
  for (const task of tasks) {
    const codes: string[] = [];
    const seen = new Set<string>();
    for (const [i, similarity] of index.mostSimilar(task.request, 200)) {
      if (similarity <= 0) break;
      const code = entries[i]?.code ?? "";
      const key = normalizeWhitespace(code);
      if (seen.has(key)) continue;
      seen.add(key);
      codes.push(code);
      if (codes.length === k) break;
    }
    candidates.set(task.id, codes);
  }
  return { system: "retrieval", label: "retrieval baseline (TF-IDF)", candidates };
}

/** The same answer for every task (e.g. ODEX's `None`, which passes tasks whose tests expect nothing). */
export function constantCandidates(system: string, label: string, code: string, tasks: readonly FunctionalTask[]): SystemCandidates {
  return { system, label, candidates: new Map(tasks.map((t) => [t.id, [code]])) };
}
