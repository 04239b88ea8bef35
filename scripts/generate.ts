// npm run generate -- --model public/models/bash --in requests.jsonl --out predictions.jsonl
//                     [--backend wasm|cpu] [--steps K] [--samples n] [--seed s] [--limit N]
//                     [--candidates all|samples|known] [--edit-samples e] [--edit-t0 t0]
//
// The app's engine from the shell: the same TypeScript Engine (src/engine/engine.ts: slots, retrieval, the K-step
// sampler, the ranking) loads a bundle through the same loader and answers every request of a JSON-lines file, so
// what ships can be scored with `npm run eval -- predictions.jsonl`.
//
// Input: one JSON object per line with "utterance" and "id"; "index", "gold" and "table" (CF) are passed through
// when present (`python3 -m training.evaluate --write-requests FILE` writes a test split in this form).
// Output: the predictions format (docs/predictions-format.md), one line per request, in input order, the ids
// passed through. The seed of request i is seed + i, so a file gives the same predictions on every run.
// --candidates tells the parts apart: "all" (default) is the pool the app shows; "samples" keeps only the codes that
// came out of the model's denoising; "known" only the known codes of similar known requests. Every candidate says
// which it is ("source": "sample" | "known"), and a known code the request it is taken from ("known_request").
// Retrieve and edit (issue 19): with the bundle's sampler.edit_samples, or --edit-samples e (and --edit-t0, the time
// those samples start at; default the bundle's edit_t0), the first e samples start from the request's known codes;
// a candidate that came out of such a sample says which known code it started from ("start", as the app shows it).
import { readFileSync, writeFileSync } from "node:fs";
import { CANDIDATE_SETS, isCandidateSet, type CandidateSet, type FinalStep } from "../src/engine/engine";
import { loadNodeEngine, startNodeBackend } from "../src/engine/nodeEngine";

interface Options {
  model: string;
  input: string;
  output: string;
  backend: "wasm" | "cpu";
  steps?: number;
  samples?: number;
  seed: number;
  limit: number;
  candidates: CandidateSet;
  editSamples?: number;
  editT0?: number;
}

const USAGE =
  "usage: npm run generate -- --model <bundle dir> --in <requests.jsonl> --out <predictions.jsonl> " +
  "[--backend wasm|cpu] [--steps K] [--samples n] [--seed s] [--limit N] [--candidates all|samples|known] " +
  "[--edit-samples e] [--edit-t0 t0]";

function parseArgs(argv: string[]): Options {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === "--help" || flag === "-h") throw new Error(USAGE);
    if (!flag.startsWith("--") || i + 1 >= argv.length) throw new Error(`unexpected argument ${flag}\n${USAGE}`);
    values.set(flag.slice(2), argv[++i] as string);
  }
  const need = (key: string): string => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`--${key} is required\n${USAGE}`);
    return value;
  };
  const int = (key: string): number | undefined => {
    const value = values.get(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw new Error(`--${key} must be an integer, got ${value}`);
    return n;
  };
  const backend = values.get("backend") ?? "wasm";
  if (backend !== "wasm" && backend !== "cpu") throw new Error(`--backend must be wasm or cpu, got ${backend}`);
  const candidates = values.get("candidates") ?? "all";
  if (!isCandidateSet(candidates)) throw new Error(`--candidates must be one of ${CANDIDATE_SETS.join(", ")}, got ${candidates}`);
  return {
    model: need("model"),
    input: need("in"),
    output: need("out"),
    backend,
    steps: int("steps"),
    samples: int("samples"),
    seed: int("seed") ?? 0,
    limit: int("limit") ?? 0,
    candidates,
    editSamples: int("edit-samples"),
    editT0: int("edit-t0"),
  };
}

interface RequestLine {
  id: number;
  utterance: string;
  index?: number;
  gold?: string;
  table?: unknown[];
}

function readRequests(path: string): RequestLine[] {
  const lines = readFileSync(path, "utf8").split("\n");
  const out: RequestLine[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new Error(`${path}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    const r = row as Partial<RequestLine>;
    if (typeof r.utterance !== "string") throw new Error(`${path}:${i + 1}: needs a string "utterance"`);
    if (typeof r.id !== "number" && typeof r.id !== "string") throw new Error(`${path}:${i + 1}: needs an "id"`);
    out.push(r as RequestLine);
  });
  return out;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  await startNodeBackend(options.backend);
  const { bundle, engine } = await loadNodeEngine(options.model);
  let requests = readRequests(options.input);
  if (options.limit > 0) requests = requests.slice(0, options.limit);
  const steps = options.steps ?? engine.sampler.steps;
  const samples = options.samples ?? engine.sampler.samples;
  const part = options.candidates === "all" ? "" : `-${options.candidates}`;
  const editSamples = options.editSamples ?? engine.sampler.edit_samples ?? 0;
  const edit = editSamples > 0 ? `-edit${editSamples}t${options.editT0 ?? engine.sampler.edit_t0 ?? ""}` : "";
  const system = `codefusion-${String(bundle.manifest.training.preset ?? "model")}-tfjs${part}${edit}`;
  const rows: string[] = [];
  const started = performance.now();
  for (const [i, request] of requests.entries()) {
    let final: FinalStep | undefined;
    if (request.utterance.trim() !== "") {
      // A CF request's table header: the model may name its columns (c[k]), as the app does with its table.
      const header = Array.isArray(request.table?.[0]) ? (request.table[0] as unknown[]).map(String) : undefined;
      const generation = {
        utterance: request.utterance,
        steps,
        samples,
        seed: options.seed + i,
        decodeEvery: steps,
        header,
        candidates: options.candidates,
        ...(options.editSamples !== undefined ? { editSamples: options.editSamples } : {}),
        ...(options.editT0 !== undefined ? { editT0: options.editT0 } : {}),
      };
      for await (const step of engine.generate(generation)) {
        if (step.done) final = step;
      }
    }
    const row: Record<string, unknown> = {
      format: 1,
      language: engine.language,
      index: request.index ?? i,
      id: request.id,
      utterance: request.utterance,
      gold: request.gold ?? "",
      candidates: (final?.candidates ?? []).map((c) => ({
        code: c.code,
        score: Number(c.score.toFixed(6)),
        source: c.source,
        ...(c.knownRequest ? { known_request: c.knownRequest.utterance } : {}),
        ...(c.start !== undefined ? { start: c.start } : {}),
      })),
      system,
      steps,
      samples,
    };
    if (engine.language === "cf") row.table = request.table ?? [];
    rows.push(JSON.stringify(row));
    if ((i + 1) % 50 === 0 || i + 1 === requests.length) {
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`${i + 1}/${requests.length} requests, ${(seconds / (i + 1)).toFixed(2)} s each\n`);
    }
  }
  writeFileSync(options.output, rows.join("\n") + (rows.length ? "\n" : ""));
  engine.dispose();
  console.log(`wrote ${options.output}: ${rows.length} predictions (${options.backend}, K=${steps}, n=${samples})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
