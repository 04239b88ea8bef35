// `npm run eval -- --functional` end to end on a small fixed sample (the first four tasks of each suite), with the
// shipped models on the wasm backend (as `npm run generate`), at 4 steps and 2 samples to keep CI short: the app's engine writes the candidates, each is run where its language runs
// (Bash and Python in the sandbox, CF in the interpreter), and the report's every first-passing rank is what scoring
// that list directly gives. The full run is a script that prints a table (docs/results.md), not a test.
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { startNodeBackend } from "../../engine/nodeEngine";
import { evaluateLanguage } from "./cli";
import { loadSuite } from "./suites";
import type { FunctionalLanguage } from "./types";

const LANGUAGES: FunctionalLanguage[] = ["bash", "python", "cf"];
const shipped = LANGUAGES.filter((language) => existsSync(`public/models/${language}/manifest.json`));

describe.skipIf(shipped.length === 0)("functional evaluation on a fixed sample", () => {
  beforeAll(async () => {
    await startNodeBackend("wasm");
  });

  it.each(shipped)("%s", { timeout: 300_000 }, async (language) => {
    const report = await evaluateLanguage(language, { limit: 4, models: "public/models", concurrency: 2, seed: 0, steps: 4, samples: 2 });
    if (!report) throw new Error("no report");
    const suite = await loadSuite(language);
    const sample = suite.tasks.slice(0, 4);
    expect(report.tasks.dev + report.tasks.test).toBe(4);
    const systems = report.systems.map((s) => s.system);
    expect(systems).toEqual(language === "python" ? ["samples", "known", "pool", "retrieval", "none"] : ["samples", "known", "pool", "retrieval"]);
    for (const system of report.systems) {
      expect(Object.keys(system.firstPass).sort()).toEqual(sample.map((t) => t.id).sort());
      for (const split of ["dev", "test"] as const) {
        const { top1, top3, top5 } = system[split];
        expect(top1 <= top3 && top3 <= top5).toBe(true);
      }
    }
    // The None row: exactly the sample's tasks whose tests pass with None, scored directly.
    const none = report.systems.find((s) => s.system === "none");
    if (none) {
      for (const task of sample) expect(none.firstPass[task.id] === 1).toBe((await suite.score(task, "None")).pass);
    }
    // A reference answer passes its own task through the same scoring (the harness itself works on this machine).
    const first = sample[0] as (typeof sample)[number] & { references?: string[]; reference?: string; canonicalSolution?: string };
    const reference = first.references?.[0] ?? first.reference ?? first.canonicalSolution;
    expect(reference).toBeDefined();
    expect(await suite.score(first, reference as string)).toEqual(expect.objectContaining({ pass: true }));
    // Every scored list is the engine's: the pool holds the known codes it shows and the samples it keeps.
    const pool = report.systems.find((s) => s.system === "pool");
    expect(pool).toBeDefined();
  });
});
