// The contract between the functional suites (bash.ts, odex.ts, cf.ts) and the runner that scores a model on them
// (run.ts, `npm run eval -- --functional`). A suite knows its tasks and how to decide whether one candidate does
// what its task asks; the runner knows where candidates come from (the engine's parts, the retrieval baseline) and
// how top-k is counted. Code is judged by what it does: Bash and Python run in the sandbox (sandbox.ts), CF rules
// run in the project's interpreter on the task's table.

export type FunctionalLanguage = "bash" | "python" | "cf";

/** Tune on dev only; report both. */
export type FunctionalSplit = "dev" | "test";

export interface FunctionalTask {
  /** Unique within its suite, stable across edits (results and CI samples refer to it). */
  id: string;
  split: FunctionalSplit;
  /** What the user asks, as a person would type it. */
  request: string;
  /** CF only: the table the rule runs on, header row first (the app's preview table; the model reads the header). */
  table?: string[][];
}

/** Whether one candidate does what its task asks, and, when not, a short reason a person can act on. */
export interface Verdict {
  pass: boolean;
  detail?: string;
}

export interface FunctionalSuite<T extends FunctionalTask = FunctionalTask> {
  language: FunctionalLanguage;
  /** Name printed in tables, e.g. "bash everyday", "odex". */
  name: string;
  tasks: T[];
  /** Scores one candidate. Never throws for a bad candidate (that is a failing Verdict); throws only when the
   * harness itself cannot run (for example no sandbox), with a message that says what to install. */
  score(task: T, code: string): Promise<Verdict>;
}
