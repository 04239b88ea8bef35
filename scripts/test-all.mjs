// Runs every suite of the project (TypeScript with Vitest, Python with pytest on Debian's /usr/bin/python3 or
// $PYTHON, the browser with Playwright in Debian's Chromium or $CHROMIUM_PATH), first installing those system
// packages when it can (scripts/system-deps.mjs), and closes with one line "N passed, N failed" over all of them.
// Exit status is non-zero if any test failed or a runner could not report its results.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM } from "./chromium.mjs";
import { ensureSystemDeps, PYTHON } from "./system-deps.mjs";

// Python with PyTorch and a Chromium: installed here when this is root with apt-get, else a stop with the command.
if (!ensureSystemDeps()) process.exit(1);

const outDir = mkdtempSync(join(tmpdir(), "codefusion-tests-"));
const python = PYTHON;
const totals = { passed: 0, failed: 0, skipped: 0 };
let runnerProblem = false;

function run(label, command, args) {
  console.log(`\n=== ${label}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, { stdio: "inherit", env: process.env });
  if (result.error) {
    console.error(`${label}: could not start (${result.error.message})`);
    runnerProblem = true;
  }
  return result.status;
}

// TypeScript: Vitest's JSON report carries the counts.
const vitestReport = join(outDir, "vitest.json");
run("TypeScript (vitest)", "npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${vitestReport}`]);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, "utf8"));
  totals.passed += report.numPassedTests;
  totals.failed += report.numFailedTests;
  totals.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  // A test file that fails to import has no tests but is still a failure.
  totals.failed += report.testResults.filter((file) => file.status === "failed" && file.assertionResults.length === 0).length;
} else {
  console.error("vitest wrote no report");
  runnerProblem = true;
}

// Python: pytest's JUnit XML carries the counts.
const pytestReport = join(outDir, "pytest.xml");
run("Python (pytest)", python, ["-m", "pytest", "training/tests", "-q", `--junitxml=${pytestReport}`]);
if (existsSync(pytestReport)) {
  const xml = readFileSync(pytestReport, "utf8");
  const suite = xml.match(/<testsuite [^>]*>/)?.[0] ?? "";
  const attribute = (name) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
  const failed = attribute("failures") + attribute("errors");
  const skipped = attribute("skipped");
  totals.failed += failed;
  totals.skipped += skipped;
  totals.passed += attribute("tests") - failed - skipped;
} else {
  console.error("pytest wrote no report");
  runnerProblem = true;
}

// Browser: Playwright's JSON reporter (playwright.config.ts) carries the counts.
const e2eReport = join("test-results", "e2e.json");
rmSync(e2eReport, { force: true });
if (!existsSync(CHROMIUM)) {
  console.error(`\n=== Browser (playwright): ${CHROMIUM} is missing (CHROMIUM_PATH; README, "Two commands")`);
  runnerProblem = true;
} else {
  run("Browser (playwright)", "npx", ["playwright", "test"]);
  if (existsSync(e2eReport)) {
    const { stats } = JSON.parse(readFileSync(e2eReport, "utf8"));
    totals.passed += stats.expected + stats.flaky;
    totals.failed += stats.unexpected;
    totals.skipped += stats.skipped;
  } else {
    console.error("playwright wrote no report");
    runnerProblem = true;
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || runnerProblem ? 1 : 0);
