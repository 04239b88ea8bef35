// npm run eval -- <predictions files...> [--out eval.json]
// npm run eval -- --functional ...   (judges code by what it does: src/eval/functional/cli.ts)
// Scores predictions files (docs/predictions-format.md) with every metric of their language, prints one table per
// language with the systems side by side, and writes the report as JSON (default: eval.json beside the first file).
// When that file already holds a report (the eval.json that training/pipeline.py puts beside a model), the metrics
// are added to it under "metrics" instead of replacing it.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { scoreRows } from "./metrics";
import { parsePredictions, type PredictionRow } from "./predictions";
import { formatReport } from "./table";

function main(argv: string[]): number {
  const files: string[] = [];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = argv[++i];
    else if (argv[i] === "--help" || argv[i] === "-h") {
      console.log("usage: npm run eval -- <predictions.jsonl ...> [--out report.json]\n       npm run eval -- --functional --help");
      return 0;
    } else files.push(argv[i]);
  }
  if (files.length === 0) {
    console.error("usage: npm run eval -- <predictions.jsonl ...> [--out report.json]");
    return 2;
  }
  const rows: PredictionRow[] = [];
  for (const file of files) {
    try {
      rows.push(...parsePredictions(readFileSync(file, "utf8"), file));
    } catch (error) {
      console.error((error as Error).message);
      return 1;
    }
  }
  const report = scoreRows(rows);
  console.log(formatReport(report));
  const target = out ?? join(dirname(files[0]), "eval.json");
  const metrics = { created: new Date().toISOString(), files, report };
  const existing: unknown = existsSync(target) ? JSON.parse(readFileSync(target, "utf8")) : null;
  const merged =
    existing && typeof existing === "object" && !Array.isArray(existing) && !("report" in existing)
      ? { ...existing, metrics }
      : metrics;
  writeFileSync(target, JSON.stringify(merged, null, 1) + "\n");
  console.log(`\nwrote ${target}`);
  return 0;
}

const argv = process.argv.slice(2);
if (argv.includes("--functional")) {
  void import("./functional/cli").then(async ({ runFunctionalCli }) => {
    process.exitCode = await runFunctionalCli(argv);
  });
} else {
  process.exitCode = main(argv);
}
