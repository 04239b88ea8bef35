// The Bash suite: everyday requests (data/functional/bash/tasks.json), each with a fixture folder that its setup
// script builds, reference commands, and a way to compare a candidate with them. A candidate is judged by what it
// does: it runs with `bash -c` in the sandbox (sandbox.ts) in a fresh copy of its task's fixture, and its output or
// the files it leaves are compared with what the task's first reference gives on an identical fixture.
import { readFileSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomUUID } from "node:crypto";
import { runSandboxed, type SandboxResult } from "./sandbox";
import type { FunctionalSuite, FunctionalTask, Verdict } from "./types";

/**
 * How a candidate is compared with the reference, both run on identical fresh fixtures:
 * - stdout: the exact output, after trailing whitespace is cut from each line, trailing empty lines dropped and a
 *   leading "./" dropped (`find . -printf` and `ls` name the same file alike);
 * - lines: the multiset of non-empty output lines, order ignored, each with its runs of blanks made one space (`wc`
 *   and `uniq -c` pad, `du` uses a tab), a "./" in front of a word and a trailing "/" dropped (`./a/b` == `a/b`; `ls -d` marks folders so);
 * - number: the first number in the output (so `wc -l < f` and `wc -l f` both pass);
 * - files: the tree left in the fixture (paths, kinds, contents, permission bits, link targets);
 * - check: the task's check command, run after the candidate in the same folder, exits 0.
 */
export type BashCompare = "stdout" | "lines" | "number" | "files" | "check";
export const BASH_COMPARE_MODES: readonly BashCompare[] = ["stdout", "lines", "number", "files", "check"];

export interface BashTask extends FunctionalTask {
  /** Bash run in the empty fixture folder to build it (files, sizes, ages relative to now, permissions). */
  setup: string;
  /** Commands that do what the request asks; the first one gives the expected result. */
  references: string[];
  compare: BashCompare;
  /** compare = "check": exits 0 iff the task was done (run in the fixture after the candidate). */
  check?: string;
  /** Variables set for the setup, the candidate and the check (on top of the sandbox's base, LC_ALL=C). */
  env?: Record<string, string>;
  /** Started in the candidate's own sandbox just before it (e.g. processes that a request asks about); its output
   * is discarded, and whatever it leaves running ends with the sandbox. */
  background?: string;
  /** What the request is about (for the per-topic counts). */
  topic: string;
}

export const BASH_TOPICS = [
  "count",
  "find",
  "bulk",
  "archive",
  "columns",
  "search",
  "sort",
  "disk",
  "system",
] as const;

/** Limits for one candidate run. */
export const BASH_LIMITS = { timeoutMs: 5000, maxOutputBytes: 1 << 20, setupTimeoutMs: 10_000 } as const;

/** Tools the suite's setups and references use beyond bash and coreutils (the self-test checks they exist). */
export const BASH_SUITE_TOOLS = ["find", "xargs", "grep", "sed", "awk", "tar", "gzip", "bzip2", "xz", "ps", "pgrep", "ss", "python3"];

// --- comparison -------------------------------------------------------------------------------------------------

/** Output as compared in "stdout" mode. */
export function normaliseStdout(text: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(/\s+$/, "").replace(/^(\.\/)+/, ""))
    .join("\n")
    .replace(/\n+$/, "");
}

/** Output as compared in "lines" mode: the sorted multiset of non-empty lines, each trimmed, its runs of blanks
 * made one space, without a leading "./" or a trailing "/". */
export function outputLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim().replace(/\s+/g, " ").replace(/(^| )(\.\/)+/g, "$1").replace(/\/$/, ""))
    .filter((line) => line.length > 0)
    .sort();
}

/** The first number in the output ("number" mode), or null when there is none. */
export function firstNumber(text: string): number | null {
  const match = text.match(/-?\d+(?:\.\d+)?/);
  return match ? Number(match[0]) : null;
}

/** One entry of a fixture tree as "files" mode compares it. */
export interface TreeEntry {
  path: string;
  kind: "file" | "dir" | "link" | "other";
  mode: string;
  /** sha256 of a file's contents, a link's target. */
  content?: string;
  size?: number;
}

/** The tree under root, sorted by path. Never follows links and reads only regular files (a candidate may leave a
 * link to a host file, or a FIFO that would block a read). */
export function snapshotTree(root: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(join(root, relative)).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const full = join(root, path);
      const stat = lstatSync(full);
      const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0");
      if (stat.isSymbolicLink()) entries.push({ path, kind: "link", mode: "", content: readlinkSync(full) });
      else if (stat.isDirectory()) {
        entries.push({ path, kind: "dir", mode });
        walk(path);
      } else if (stat.isFile()) {
        const content = createHash("sha256").update(readFileSync(full)).digest("hex");
        entries.push({ path, kind: "file", mode, content, size: stat.size });
      } else entries.push({ path, kind: "other", mode });
    }
  };
  walk("");
  return entries;
}

function describeEntry(entry: TreeEntry): string {
  if (entry.kind === "file") return `file ${entry.path} (${entry.size} bytes, mode ${entry.mode})`;
  if (entry.kind === "link") return `link ${entry.path} -> ${entry.content}`;
  return `${entry.kind} ${entry.path}${entry.mode ? ` (mode ${entry.mode})` : ""}`;
}

/** The first differences between two trees, in words (empty when they are the same). */
export function treeDifferences(expected: TreeEntry[], actual: TreeEntry[], limit = 3): string[] {
  const byPath = (entries: TreeEntry[]) => new Map(entries.map((entry) => [entry.path, entry]));
  const want = byPath(expected);
  const got = byPath(actual);
  const differences: string[] = [];
  for (const [path, entry] of want) {
    const other = got.get(path);
    if (!other) differences.push(`missing ${describeEntry(entry)}`);
    else if (other.kind !== entry.kind) differences.push(`${path} is a ${other.kind}, expected a ${entry.kind}`);
    else if (other.content !== entry.content) differences.push(`${path} has other contents`);
    else if (other.mode !== entry.mode) differences.push(`${path} has mode ${other.mode}, expected ${entry.mode}`);
  }
  for (const [path, entry] of got) if (!want.has(path)) differences.push(`unexpected ${describeEntry(entry)}`);
  return differences.slice(0, limit);
}

function clip(text: string, length = 80): string {
  const oneLine = JSON.stringify(text);
  return oneLine.length > length ? `${oneLine.slice(0, length)}…"` : oneLine;
}

/** Why two outputs differ in "stdout" mode, or null when they do not. */
function stdoutDifference(expected: string, actual: string): string | null {
  const want = normaliseStdout(expected).split("\n");
  const got = normaliseStdout(actual).split("\n");
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) {
      return `stdout differs at line ${i + 1} of ${want.length}: expected ${clip(want[i] ?? "(end)")}, got ${clip(got[i] ?? "(end)")}`;
    }
  }
  return null;
}

function linesDifference(expected: string, actual: string): string | null {
  const want = outputLines(expected);
  const got = outputLines(actual);
  const counts = new Map<string, number>();
  for (const line of want) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of got) counts.set(line, (counts.get(line) ?? 0) - 1);
  const missing = [...counts].filter(([, n]) => n > 0).map(([line]) => line);
  const extra = [...counts].filter(([, n]) => n < 0).map(([line]) => line);
  if (missing.length === 0 && extra.length === 0) return null;
  const parts = [`${got.length} lines where ${want.length} were expected`];
  if (missing.length > 0) parts.push(`missing ${clip(missing[0])}${missing.length > 1 ? ` and ${missing.length - 1} more` : ""}`);
  if (extra.length > 0) parts.push(`unexpected ${clip(extra[0])}${extra.length > 1 ? ` and ${extra.length - 1} more` : ""}`);
  return parts.join("; ");
}

function numberDifference(expected: string, actual: string): string | null {
  const want = firstNumber(expected);
  const got = firstNumber(actual);
  if (want === null) throw new Error(`the reference printed no number: ${clip(expected)}`);
  if (got === null) return `printed no number (expected ${want}): ${clip(actual)}`;
  return got === want ? null : `printed ${got}, expected ${want}`;
}

// --- running ----------------------------------------------------------------------------------------------------

/** What one command left: its run, and the fixture tree afterwards (files mode) or the check's run (check mode). */
interface Outcome {
  run: SandboxResult;
  tree?: TreeEntry[];
  checkPassed?: boolean;
  /** Set when the code does not parse as Bash (it was then not run). */
  parseError?: string;
}

function freshFolder(): string {
  return mkdtempSync(join(tmpdir(), "bash-task-"));
}

/** Builds the task's fixture in an empty folder. Throws when the setup fails: that is the suite's fault. */
async function buildFixture(task: BashTask, dir: string): Promise<void> {
  const setup = await runSandboxed({
    argv: ["bash", "-e", "-c", task.setup],
    workDir: dir,
    env: task.env,
    timeoutMs: BASH_LIMITS.setupTimeoutMs,
  });
  if (setup.exitCode !== 0 || setup.timedOut || setup.diskExceeded) {
    throw new Error(`${task.id}: setup failed (exit ${setup.exitCode}${setup.timedOut ? ", timed out" : ""}): ${setup.stderr.slice(0, 500)}`);
  }
}

/** The argv that runs code as the candidate: a parse check first (bash -n; on failure the error goes to stderr
 * behind parseMarker, so it cannot be confused with what the code prints), then the task's background (output
 * discarded), then the code with `bash -c` (exec, so the code is the sandbox's main process and its exit ends
 * everything the background left running). */
function candidateArgv(task: BashTask, code: string, parseMarker: string): string[] {
  const script = [
    `if ! error=$(bash -n -c "$1" 2>&1); then printf '%s%s\\n' "$2" "$error" >&2; exit 2; fi`,
    task.background ? `{ ${task.background}\n} >/dev/null 2>&1 </dev/null` : "",
    `exec bash -c "$1"`,
  ];
  return ["bash", "-c", script.filter(Boolean).join("\n"), "bash", code, parseMarker];
}

/** Runs code on a fresh fixture of task and records what the comparison needs. */
async function runOnFixture(task: BashTask, code: string): Promise<Outcome> {
  const dir = freshFolder();
  try {
    await buildFixture(task, dir);
    const parseMarker = `parse-error-${randomUUID()}:`;
    const run = await runSandboxed({
      argv: candidateArgv(task, code, parseMarker),
      workDir: dir,
      env: task.env,
      timeoutMs: BASH_LIMITS.timeoutMs,
      maxOutputBytes: BASH_LIMITS.maxOutputBytes,
    });
    const markerAt = run.stderr.indexOf(parseMarker);
    if (markerAt >= 0) return { run, parseError: run.stderr.slice(markerAt + parseMarker.length).trim().split("\n")[0] || "bash -n failed" };
    const outcome: Outcome = { run };
    if (task.compare === "files") outcome.tree = snapshotTree(dir);
    if (task.compare === "check") {
      const check = await runSandboxed({ argv: ["bash", "-c", task.check ?? "false"], workDir: dir, env: task.env, timeoutMs: BASH_LIMITS.timeoutMs });
      outcome.checkPassed = check.exitCode === 0 && !check.timedOut;
    }
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function validateTask(task: BashTask): void {
  const problems: string[] = [];
  if (!/^bash-\d{3}$/.test(task.id)) problems.push("id is not bash-NNN");
  if (task.split !== "dev" && task.split !== "test") problems.push(`split ${task.split}`);
  if (!task.request?.trim()) problems.push("no request");
  if (typeof task.setup !== "string") problems.push("no setup");
  if (!Array.isArray(task.references) || task.references.length === 0) problems.push("no references");
  if (!BASH_COMPARE_MODES.includes(task.compare)) problems.push(`compare ${task.compare}`);
  if (task.compare === "check" && !task.check) problems.push("compare is check but there is no check");
  if (!(BASH_TOPICS as readonly string[]).includes(task.topic)) problems.push(`topic ${task.topic}`);
  if (problems.length > 0) throw new Error(`${task.id ?? "a task"} in the Bash suite: ${problems.join(", ")}`);
}

export interface BashSuite extends FunctionalSuite<BashTask> {
  /** What the first reference gives on a fresh fixture (computed once per task). */
  expected(task: BashTask): Promise<Outcome>;
}

export function loadBashSuite(path = "data/functional/bash/tasks.json"): BashSuite {
  const tasks = JSON.parse(readFileSync(path, "utf8")) as BashTask[];
  tasks.forEach(validateTask);
  const expectedByTask = new Map<string, Promise<Outcome>>();

  const expected = (task: BashTask): Promise<Outcome> => {
    let promise = expectedByTask.get(task.id);
    if (!promise) {
      promise = runOnFixture(task, task.references[0]).then((outcome) => {
        if (outcome.parseError !== undefined) throw new Error(`${task.id}: the first reference does not parse: ${outcome.parseError}`);
        if (outcome.run.timedOut || outcome.run.outputTruncated || outcome.run.diskExceeded) throw new Error(`${task.id}: the reference ran past its limits`);
        if (task.compare === "check" && !outcome.checkPassed) throw new Error(`${task.id}: the check fails after the first reference`);
        return outcome;
      });
      promise.catch(() => expectedByTask.delete(task.id)); // let a later call retry a harness failure
      expectedByTask.set(task.id, promise);
    }
    return promise;
  };

  const score = async (task: BashTask, code: string): Promise<Verdict> => {
    if (!code.trim()) return { pass: false, detail: "empty candidate" };
    const want = await expected(task);
    const got = await runOnFixture(task, code);
    if (got.parseError !== undefined) return { pass: false, detail: `does not parse: ${got.parseError}` };
    if (got.run.timedOut) return { pass: false, detail: `ran past ${BASH_LIMITS.timeoutMs / 1000} s` };
    if (got.run.outputTruncated) return { pass: false, detail: `printed more than ${BASH_LIMITS.maxOutputBytes} bytes` };
    if (got.run.diskExceeded) return { pass: false, detail: "filled its folder past the sandbox's limit" };
    let difference: string | null;
    switch (task.compare) {
      case "stdout":
        difference = stdoutDifference(want.run.stdout, got.run.stdout);
        break;
      case "lines":
        difference = linesDifference(want.run.stdout, got.run.stdout);
        break;
      case "number":
        difference = numberDifference(want.run.stdout, got.run.stdout);
        break;
      case "files": {
        const differences = treeDifferences(want.tree ?? [], got.tree ?? []);
        difference = differences.length > 0 ? `files differ: ${differences.join("; ")}` : null;
        break;
      }
      case "check":
        difference = got.checkPassed ? null : "the task's check fails after it";
        break;
    }
    if (difference === null) return { pass: true };
    const failed = got.run.exitCode !== 0 && got.run.stderr.trim() ? ` (exit ${got.run.exitCode}: ${clip(got.run.stderr.trim().split("\n")[0], 120)})` : "";
    return { pass: false, detail: difference + failed };
  };

  return { language: "bash", name: "bash everyday", tasks, score, expected };
}
