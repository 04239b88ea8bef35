// npm run eval -- --functional [--language bash|python|cf ...] [--split dev|test] [--limit N] [--models DIR]
//                              [--backend wasm|cpu] [--concurrency N] [--seed S] [--write] [--json FILE]
//
// Judges code by what it does. Per language: the shipped model's own samples, its known codes and the pool the app
// shows (one sampling run per task, the app's defaults), the retrieval baseline, and for Python the answer `None`;
// each candidate is run (Bash and Python in the sandbox, CF rules in the project's interpreter) on its task's
// fixture. Prints one table per language (dev and test top-1/3/5). --write puts the report into the bundle's
// eval.json ("functional") and prints it as Markdown for docs/results.md.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadNodeEngine, startNodeBackend, type NodeBackend } from "../../engine/nodeEngine";
import { formatFunctionalReport, markdownFunctionalReport, scoreSystems, type FunctionalReport, type SystemCandidates } from "./run";
import { constantCandidates, engineCandidates, retrievalCandidates } from "./sources";
import { loadSuite } from "./suites";
import type { FunctionalLanguage, FunctionalSplit } from "./types";

const USAGE =
  "usage: npm run eval -- --functional [--language bash|python|cf ...] [--split dev|test] [--limit N] [--models DIR] " +
  "[--backend wasm|cpu] [--concurrency N] [--seed S] [--write] [--json FILE]";

interface Options {
  languages: FunctionalLanguage[];
  split?: FunctionalSplit;
  limit: number;
  models: string;
  backend: NodeBackend;
  concurrency: number;
  seed: number;
  write: boolean;
  json?: string;
}

const LANGUAGES: readonly FunctionalLanguage[] = ["bash", "python", "cf"];

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { languages: [], limit: 0, models: "public/models", backend: "wasm", concurrency: 2, seed: 0, write: false };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const integer = (text: string, flag: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, got ${text}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    switch (flag) {
      case "--functional":
        break;
      case "--language": {
        const language = value(i++, flag);
        if (!(LANGUAGES as readonly string[]).includes(language)) throw new Error(`--language must be bash, python or cf, got ${language}`);
        options.languages.push(language as FunctionalLanguage);
        break;
      }
      case "--split": {
        const split = value(i++, flag);
        if (split !== "dev" && split !== "test") throw new Error(`--split must be dev or test, got ${split}`);
        options.split = split;
        break;
      }
      case "--limit":
        options.limit = integer(value(i++, flag), flag);
        break;
      case "--models":
        options.models = value(i++, flag);
        break;
      case "--backend": {
        const backend = value(i++, flag);
        if (backend !== "wasm" && backend !== "cpu") throw new Error(`--backend must be wasm or cpu, got ${backend}`);
        options.backend = backend;
        break;
      }
      case "--concurrency":
        options.concurrency = Math.max(1, integer(value(i++, flag), flag));
        break;
      case "--seed":
        options.seed = integer(value(i++, flag), flag);
        break;
      case "--write":
        options.write = true;
        break;
      case "--json":
        options.json = value(i++, flag);
        break;
      case "--help":
      case "-h":
        throw new Error(USAGE);
      default:
        throw new Error(`unexpected argument ${flag}\n${USAGE}`);
    }
  }
  if (options.languages.length === 0) options.languages = [...LANGUAGES];
  return options;
}

const stderr = (text: string): void => void process.stderr.write(text);

export type EvaluateOptions = Pick<Options, "split" | "limit" | "models" | "concurrency" | "seed"> & {
  /** Denoising steps and samples (default: the bundle's, the app's defaults; the CI sample uses fewer for time). */
  steps?: number;
  samples?: number;
};

/** Evaluates one language on the current tfjs backend; null when its bundle is missing (said on stderr). */
export async function evaluateLanguage(language: FunctionalLanguage, options: EvaluateOptions): Promise<FunctionalReport | null> {
  const dir = join(options.models, language);
  if (!existsSync(join(dir, "manifest.json"))) {
    stderr(`${language}: no bundle at ${dir}, skipped\n`);
    return null;
  }
  const suite = await loadSuite(language);
  let tasks = suite.tasks.filter((t) => options.split === undefined || t.split === options.split);
  if (options.limit > 0) tasks = tasks.slice(0, options.limit);
  const { bundle, engine } = await loadNodeEngine(dir);
  const started = performance.now();
  let systems: SystemCandidates[];
  try {
    systems = await engineCandidates(engine, tasks, {
      seed: options.seed,
      steps: options.steps,
      samples: options.samples,
      onProgress: (done, total) => {
        if (done % 25 === 0 || done === total) stderr(`${language}: generated ${done}/${total} (${((performance.now() - started) / 1000 / done).toFixed(2)} s each)\n`);
      },
    });
  } finally {
    engine.dispose();
  }
  if (bundle.indexJson !== undefined) systems.push(retrievalCandidates(bundle.indexJson, tasks));
  if (language === "python") systems.push(constantCandidates("none", "the answer None", "None", tasks));
  const tagger = bundle.taggerJson as { stopwords?: unknown } | undefined;
  const stopwords = Array.isArray(tagger?.stopwords) ? tagger.stopwords.filter((w): w is string => typeof w === "string") : [];
  const report = await scoreSystems(suite, tasks, systems, {
    concurrency: options.concurrency,
    languageWords: stopwords.map((w) => w.toLowerCase()),
    onProgress: (done, total) => {
      if (done % 200 === 0 || done === total) stderr(`${language}: ran ${done}/${total} candidates\n`);
    },
  });
  return report;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseArgs(argv);
  await startNodeBackend(options.backend);
  const reports: FunctionalReport[] = [];
  for (const language of options.languages) {
    const report = await evaluateLanguage(language, options);
    if (!report) continue;
    reports.push(report);
    const sample = options.limit > 0 || options.split !== undefined ? ` [a sample: ${options.split ?? "both splits"}${options.limit > 0 ? `, first ${options.limit}` : ""}]` : "";
    console.log(`\n${language}: ${formatFunctionalReport(report, `${report.suite}${sample} (${report.tasks.dev} dev, ${report.tasks.test} test tasks), percent passing`)}`);
    if (options.write) {
      if (sample) throw new Error("--write records full runs only (no --limit, no --split)");
      const target = join(options.models, language, "eval.json");
      const existing: unknown = existsSync(target) ? JSON.parse(readFileSync(target, "utf8")) : {};
      const base = existing && typeof existing === "object" && !Array.isArray(existing) ? existing : {};
      const command = `npm run eval -- --functional --language ${language}`;
      writeFileSync(target, JSON.stringify({ ...base, functional: { created: new Date().toISOString(), command, ...report } }, null, 1) + "\n");
      console.log(`\nwrote ${target} ("functional")\n\n${markdownFunctionalReport(report)}`);
    }
  }
  if (options.json) writeFileSync(options.json, JSON.stringify(reports, null, 1) + "\n");
  return 0;
}

export function runFunctionalCli(argv: readonly string[]): Promise<number> {
  return main(argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  });
}
