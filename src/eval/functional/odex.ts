// ODEX (zorazrw/odex, CC BY-SA 4.0; data/odex/README.md): CoNaLa test questions with executable tests, as a
// functional suite for Python. A candidate is placed the way ODEX's own evaluation places a completion (verify.py's
// wrap_check, HuggingFace's code_eval): the function's prompt, the candidate, the function's suffix (tabs as four
// spaces), then ODEX's test_start (the task's own imports and `def check(candidate):`), every test of the task and
// `check(f_<id>)`. That program runs in the sandbox (sandbox.ts) in a fresh empty folder; it passes when it runs to
// its end in time (runOdexProgram). Split, harness differences and measurements: data/odex/README.md.
//
// Full self-test (every canonical solution, and the `None` baseline), a table:
//   npx tsx src/eval/functional/odex.ts --self-test [--none] [--concurrency N]
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runSandboxed, sandboxStatus } from "./sandbox";
import type { FunctionalSuite, FunctionalTask, Verdict } from "./types";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export const ODEX_PATH = "data/odex/en_test.jsonl";
/** Canonical solutions known to fail here, each with its reason (the full self-test checks the list is exact). */
export const ODEX_CANONICAL_FAILURES_PATH = "data/odex/canonical-failures.json";

/** One line of ODEX's en_test.jsonl. */
interface OdexRecord {
  task_id: number;
  intent: string;
  prompt: string;
  canonical_solution: string;
  suffix: string;
  test_start: string;
  test: string[];
  entry_point: string;
  library: string[];
}

export interface OdexTask extends FunctionalTask {
  /** The StackOverflow post the task comes from (ODEX's task_id; several tasks may share one). */
  postId: number;
  /** The function's head and the start of its body, e.g. "def f_3844801(myList):\n\treturn ". */
  prompt: string;
  /** What follows the candidate in the function, e.g. "" or "\n\treturn df". */
  suffix: string;
  canonicalSolution: string;
  /** ODEX's test_start: the task's imports, then `def check(candidate):`. */
  testStart: string;
  /** The bodies of the check function, each indented, in the file's order. */
  tests: string[];
  /** The function the tests call, f_<postId>. */
  entryPoint: string;
  /** The libraries ODEX lists for the task (its domain tags, e.g. ["pandas"]). */
  libraries: string[];
}

/** How long one candidate may run. Importing pandas takes 0.5–0.7 s here alone; a loaded 2-core machine triples
 * that; no canonical solution needs more than a few seconds (odex.ts --self-test prints the slowest). */
export const ODEX_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 1 << 20;
const MAX_PROCESSES = 64;

// ------------------------------------------------------------------------------------------------ the tasks

function readRecords(path: string): OdexRecord[] {
  const text = readFileSync(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const record = JSON.parse(line) as OdexRecord;
      if (typeof record.task_id !== "number" || typeof record.intent !== "string" || !Array.isArray(record.test)) {
        throw new Error(`${path}:${i + 1}: not an ODEX task`);
      }
      return record;
    });
}

function postHash(postId: number): string {
  return createHash("sha256").update(String(postId)).digest("hex");
}

/**
 * dev or test for every task, half and half, by StackOverflow post: tasks from one post (same question, often the
 * same tests) stay on one side, so tuning on dev learns nothing about a test question. Posts in the order of
 * sha256(post id as decimal text); each goes to dev while dev holds fewer than half of the tasks, the rest to test.
 */
export function odexSplits(postIds: readonly number[]): Map<number, "dev" | "test"> {
  const sizes = new Map<number, number>();
  for (const id of postIds) sizes.set(id, (sizes.get(id) ?? 0) + 1);
  const ordered = [...sizes.keys()].sort((a, b) => (postHash(a) < postHash(b) ? -1 : postHash(a) > postHash(b) ? 1 : a - b));
  const splits = new Map<number, "dev" | "test">();
  let dev = 0;
  for (const id of ordered) {
    const toDev = dev < postIds.length / 2;
    splits.set(id, toDev ? "dev" : "test");
    if (toDev) dev += sizes.get(id) ?? 0;
  }
  return splits;
}

/** The tasks of an ODEX file, in its order. id: odex-<post id>, and odex-<post id>-2, -3, ... for a post's later
 * tasks in file order. */
export function loadOdexTasks(path: string = ODEX_PATH): OdexTask[] {
  const records = readRecords(isAbsolute(path) ? path : resolve(REPO_ROOT, path));
  const splits = odexSplits(records.map((r) => r.task_id));
  const seen = new Map<number, number>();
  return records.map((r) => {
    const nth = (seen.get(r.task_id) ?? 0) + 1;
    seen.set(r.task_id, nth);
    return {
      id: nth === 1 ? `odex-${r.task_id}` : `odex-${r.task_id}-${nth}`,
      split: splits.get(r.task_id) ?? "test",
      request: r.intent,
      postId: r.task_id,
      prompt: r.prompt,
      suffix: r.suffix,
      canonicalSolution: r.canonical_solution,
      testStart: r.test_start,
      tests: r.test,
      entryPoint: r.entry_point,
      libraries: r.library,
    };
  });
}

// ------------------------------------------------------------------------------------------------ the program

/** ODEX's post-processing of a completion (processor.py, CodeProcessor.code_extract): cut at the first of these, in
 * this order. The project's candidates are one line, so this only matters for a candidate with line breaks. */
const ODEX_STOP_TOKENS = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"];

export function odexExtract(completion: string): string {
  let code = completion;
  for (const stop of ODEX_STOP_TOKENS) {
    const at = code.indexOf(stop);
    if (at >= 0) code = code.slice(0, at);
  }
  return code;
}

/**
 * The program that judges one completion, exactly as ODEX builds it (verify.py wrap_check with all of a task's
 * tests, code_eval's `candidate + "\n" + reference`):
 *   (prompt + completion + suffix) with each tab as four spaces, "\n",
 *   test_start, "\n", the tests concatenated, "\n", "\n", check(<entry point>).
 * The completion is placed as given: after "\treturn " an expression is returned and a statement such as
 * `x = 1` or `import os` is a syntax error (a failure, as in ODEX). ODEX's tests in file order (ODEX samples all of
 * them in random order: the same checks).
 */
export function odexProgram(task: OdexTask, completion: string): string {
  const solution = `${task.prompt}${odexExtract(completion)}${task.suffix}`.replaceAll("\t", "    ");
  const check = [task.testStart, task.tests.join(""), "", `check(${task.entryPoint})`].join("\n");
  return `${solution}\n${check}`;
}

// ------------------------------------------------------------------------------------------------ running it

export interface OdexRunOptions {
  /** Default: env PYTHON, else /usr/bin/python3 (Debian's, with the libraries of scripts/system-deps.mjs). */
  python?: string;
  timeoutMs?: number;
}

export function odexPython(): string {
  return process.env.PYTHON ?? "/usr/bin/python3";
}

/** The last line of Python's error report (e.g. "AssertionError", "NameError: name 'x' is not defined"). */
function lastErrorLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const last = lines[lines.length - 1] ?? "";
  return last.length > 200 ? `${last.slice(0, 200)}...` : last;
}

/** The modules ODEX's tests import beyond the standard library (and the parsers bs4 is asked for), with the Debian 12
 * package of each. obspy, for one task, is not packaged in Debian (data/odex/canonical-failures.json). */
export const ODEX_LIBRARIES: Readonly<Record<string, string>> = {
  pandas: "python3-pandas",
  numpy: "python3-numpy",
  matplotlib: "python3-matplotlib",
  scipy: "python3-scipy",
  bs4: "python3-bs4",
  lxml: "python3-lxml",
  html5lib: "python3-html5lib",
  flask: "python3-flask",
  django: "python3-django",
  sqlalchemy: "python3-sqlalchemy",
  multidict: "python3-multidict",
  regex: "python3-regex",
  pytz: "python3-tz",
  mock: "python3-mock",
  requests: "python3-requests",
};

const LIBRARY_PROBE = `import importlib, json
found = {}
for name in ${JSON.stringify(Object.keys(ODEX_LIBRARIES))}:
    try:
        found[name] = str(getattr(importlib.import_module(name), "__version__", "?"))
    except Exception:
        found[name] = None
print(json.dumps(found))
`;

const harnessChecks = new Map<string, Promise<Record<string, string>>>();

/**
 * The version of each of ODEX_LIBRARIES in the sandbox's Python. Throws, saying what to install, when the sandbox
 * cannot start or a library is missing: without pandas a quarter of the tasks would fail for every system alike,
 * a wrong table rather than a failing candidate. Checked once per Python.
 */
export function odexLibraries(options: OdexRunOptions = {}): Promise<Record<string, string>> {
  const python = options.python ?? odexPython();
  let check = harnessChecks.get(python);
  if (!check) {
    check = probeLibraries(python);
    harnessChecks.set(python, check);
    check.catch(() => harnessChecks.delete(python));
  }
  return check;
}

async function probeLibraries(python: string): Promise<Record<string, string>> {
  const status = sandboxStatus();
  if (!status.ok) throw new Error(`the ODEX suite cannot run candidates: ${status.why}`);
  const workDir = mkdtempSync(join(tmpdir(), "odex-probe-"));
  try {
    const result = await runSandboxed({ argv: [python, "-"], stdin: LIBRARY_PROBE, workDir, timeoutMs: 60_000, env: { OPENBLAS_NUM_THREADS: "1" } });
    if (result.exitCode !== 0) throw new Error(`the ODEX suite cannot run ${python} in the sandbox: ${lastErrorLine(result.stderr) || `exit code ${result.exitCode}`}`);
    const found = JSON.parse(result.stdout) as Record<string, string | null>;
    const missing = Object.keys(ODEX_LIBRARIES).filter((name) => found[name] === null || found[name] === undefined);
    if (missing.length > 0) {
      const packages = missing.map((name) => ODEX_LIBRARIES[name]).join(" ");
      throw new Error(
        `ODEX's tests need Python modules that ${python} lacks: ${missing.join(", ")} ` +
          `(Debian: apt-get install -y ${packages}; another Python: pip install ${missing.map((m) => (m === "bs4" ? "beautifulsoup4" : m)).join(" ")})`,
      );
    }
    return found as Record<string, string>;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Runs one program in the sandbox, in a fresh empty folder (tasks create files there), and judges it.
 *
 * Passing means what it means in ODEX's harness (code_eval runs the program with exec() and counts it passed when
 * exec returns): the program ran to its end. Exit code 0 alone would not say that: a candidate `exit()`,
 * `sys.exit(0)` or `os._exit(0)` leaves with 0 before check() has run (code_eval counts SystemExit as a failure).
 * So a last line, after check(), prints a random token that the candidate cannot know; the run passes when the
 * token is on stdout and Python exits with 0, in time, within the output cap.
 */
export async function runOdexProgram(program: string, options: OdexRunOptions = {}): Promise<Verdict & { durationMs: number }> {
  await odexLibraries(options);
  const timeoutMs = options.timeoutMs ?? ODEX_TIMEOUT_MS;
  const token = `odex-ran-to-the-end-${randomBytes(16).toString("hex")}`;
  const workDir = mkdtempSync(join(tmpdir(), "odex-"));
  try {
    const result = await runSandboxed({
      // The program comes on stdin (`python3 -` parses all of it before it runs, so the tests then read an empty
      // stdin): it is not a file in the folder the tests list and write (code_eval execs it in an empty one) and
      // not in the command line a candidate could read back.
      argv: [options.python ?? odexPython(), "-"],
      stdin: `${program}\n__import__("sys").stdout.write("\\n${token}\\n")\n`,
      workDir,
      timeoutMs,
      maxOutputBytes: MAX_OUTPUT_BYTES,
      env: {
        LC_ALL: "C.UTF-8",
        LANG: "C.UTF-8",
        // One thread per candidate, as ODEX's harness sets (code_eval's reliability_guard).
        OMP_NUM_THREADS: "1",
        OPENBLAS_NUM_THREADS: "1",
        // Plots without a display; matplotlib's cache in the sandbox's /tmp, not in the folder the tests list.
        MPLBACKEND: "Agg",
        MPLCONFIGDIR: "/tmp/matplotlib",
        PYTHONDONTWRITEBYTECODE: "1",
      },
      maxProcesses: MAX_PROCESSES,
    });
    const durationMs = result.durationMs;
    if (result.timedOut) return { pass: false, detail: `timed out after ${timeoutMs / 1000} s`, durationMs };
    if (result.outputTruncated) return { pass: false, detail: `printed more than ${MAX_OUTPUT_BYTES} bytes`, durationMs };
    const ranToTheEnd = result.stdout.split("\n").includes(token);
    if (result.exitCode === 0 && ranToTheEnd) return { pass: true, durationMs };
    if (result.signal) return { pass: false, detail: `killed by ${result.signal}`, durationMs };
    if (result.exitCode === 0) return { pass: false, detail: "left before its tests had run (exit, os._exit)", durationMs };
    return { pass: false, detail: lastErrorLine(result.stderr) || `exit code ${result.exitCode}`, durationMs };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export async function scoreOdex(task: OdexTask, code: string, options: OdexRunOptions = {}): Promise<Verdict> {
  const { pass, detail } = await runOdexProgram(odexProgram(task, code), options);
  return detail === undefined ? { pass } : { pass, detail };
}

export function loadOdexSuite(path: string = ODEX_PATH, options: OdexRunOptions = {}): FunctionalSuite<OdexTask> {
  return {
    language: "python",
    name: "odex",
    tasks: loadOdexTasks(path),
    score: (task, code) => scoreOdex(task, code, options),
  };
}

// ------------------------------------------------------------------------------------------------ self-tests

export interface OdexRunRow {
  id: string;
  pass: boolean;
  detail?: string;
  durationMs: number;
}

/** Runs `f` over items with at most `concurrency` at once; results in the items' order. */
async function pool<T, R>(items: readonly T[], concurrency: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}

/** Runs one fixed completion (or each task's canonical solution) on every given task. */
export async function runOdexTasks(
  tasks: readonly OdexTask[],
  completion: (task: OdexTask) => string,
  options: OdexRunOptions & { concurrency?: number } = {},
): Promise<OdexRunRow[]> {
  return pool(tasks, options.concurrency ?? 2, async (task) => {
    const verdict = await runOdexProgram(odexProgram(task, completion(task)), options);
    return { id: task.id, ...verdict };
  });
}

/** Every task's canonical solution against its own tests: what the harness gets right. */
export function odexCanonicalSelfTest(tasks: readonly OdexTask[], options: OdexRunOptions & { concurrency?: number } = {}): Promise<OdexRunRow[]> {
  return runOdexTasks(tasks, (task) => task.canonicalSolution, options);
}

/** The candidate `None` on every task: what a model gets for nothing (after "\treturn ", `return None`). */
export function odexNoneBaseline(tasks: readonly OdexTask[], options: OdexRunOptions & { concurrency?: number } = {}): Promise<OdexRunRow[]> {
  return runOdexTasks(tasks, () => "None", options);
}

/** The canonical solutions recorded as failing here, id -> reason. */
export function odexCanonicalFailures(path: string = ODEX_CANONICAL_FAILURES_PATH): Map<string, string> {
  const obj = JSON.parse(readFileSync(isAbsolute(path) ? path : resolve(REPO_ROOT, path), "utf8")) as { failures: Record<string, string> };
  return new Map(Object.entries(obj.failures));
}

// ------------------------------------------------------------------------------------------------ the script

function formatRows(title: string, tasks: readonly OdexTask[], rows: readonly OdexRunRow[], expected?: Map<string, string>): string {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const lines: string[] = [];
  const passed = rows.filter((r) => r.pass).length;
  lines.push(`${title}: ${passed} of ${rows.length} pass (${((100 * passed) / rows.length).toFixed(1)} %)`);
  for (const split of ["dev", "test"] as const) {
    const inSplit = rows.filter((r) => byId.get(r.id)?.split === split);
    lines.push(`  ${split.padEnd(5)} ${String(inSplit.filter((r) => r.pass).length).padStart(4)} of ${inSplit.length}`);
  }
  const groups = new Map<string, OdexRunRow[]>();
  for (const row of rows) {
    const libs = byId.get(row.id)?.libraries ?? [];
    for (const lib of libs.length > 0 ? libs : ["(none)"]) groups.set(lib, [...(groups.get(lib) ?? []), row]);
  }
  lines.push("  library          pass  tasks");
  for (const [lib, group] of [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
    lines.push(`  ${lib.padEnd(15)} ${String(group.filter((r) => r.pass).length).padStart(5)} ${String(group.length).padStart(6)}`);
  }
  const durations = rows.map((r) => r.durationMs).sort((a, b) => a - b);
  const at = (q: number): string => (durations[Math.min(durations.length - 1, Math.floor(q * durations.length))] / 1000).toFixed(2);
  lines.push(`  run time per task: median ${at(0.5)} s, 95th percentile ${at(0.95)} s, slowest ${at(1)} s`);
  const failing = rows.filter((r) => !r.pass);
  if (expected) {
    lines.push(`  failing (${failing.length}; recorded in ${ODEX_CANONICAL_FAILURES_PATH}: ${expected.size})`);
    for (const row of failing) lines.push(`    ${row.id.padEnd(18)} ${expected.has(row.id) ? "recorded" : "NEW     "} ${row.detail ?? ""}`);
    for (const id of expected.keys()) if (!failing.some((r) => r.id === id)) lines.push(`    ${id.padEnd(18)} PASSES   recorded as: ${expected.get(id)}`);
  } else {
    lines.push(`  passing (${passed}): ${rows.filter((r) => r.pass).map((r) => r.id).join(" ")}`);
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const concurrencyAt = argv.indexOf("--concurrency");
  const concurrency = concurrencyAt >= 0 ? Number(argv[concurrencyAt + 1]) : 2;
  if (!argv.includes("--self-test") && !argv.includes("--none")) {
    console.log("usage: npx tsx src/eval/functional/odex.ts [--self-test] [--none] [--concurrency N]");
    return 2;
  }
  const tasks = loadOdexTasks();
  const versions = await odexLibraries();
  console.log(`odex: ${tasks.length} tasks (dev ${tasks.filter((t) => t.split === "dev").length}, test ${tasks.filter((t) => t.split === "test").length}), ${odexPython()}, concurrency ${concurrency}`);
  console.log(`  libraries: ${Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(", ")}`);
  let code = 0;
  if (argv.includes("--self-test")) {
    const started = Date.now();
    const rows = await odexCanonicalSelfTest(tasks, { concurrency });
    const expected = odexCanonicalFailures();
    console.log(formatRows("canonical solutions", tasks, rows, expected));
    console.log(`  wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const failing = new Set(rows.filter((r) => !r.pass).map((r) => r.id));
    const same = failing.size === expected.size && [...failing].every((id) => expected.has(id));
    console.log(same ? "  the failing set is the recorded one" : "  the failing set differs from the recorded one");
    if (!same) code = 1;
  }
  if (argv.includes("--none")) {
    const rows = await odexNoneBaseline(tasks, { concurrency });
    console.log(formatRows("candidate None", tasks, rows));
  }
  return code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
