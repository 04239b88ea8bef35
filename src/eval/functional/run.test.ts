// The functional runner on hand-made cases: top-k counting per split, one run per (task, code), and the retrieval
// baseline's candidates.
import { describe, expect, it } from "vitest";
import { foreignShare, formatFunctionalReport, mapLimited, markdownFunctionalReport, scoreSystems, splitScore, type SystemCandidates } from "./run";
import { constantCandidates, retrievalCandidates } from "./sources";
import type { FunctionalSuite, FunctionalTask } from "./types";

const tasks: FunctionalTask[] = [
  { id: "a", split: "dev", request: "count lines" },
  { id: "b", split: "dev", request: "list files" },
  { id: "c", split: "test", request: "count words" },
  { id: "d", split: "test", request: "show date" },
];

/** A suite whose right answer for task x is the code "ok-x"; it counts how often it runs each code. */
function countingSuite(): FunctionalSuite & { runs: Map<string, number> } {
  const runs = new Map<string, number>();
  return {
    language: "bash",
    name: "hand-made",
    tasks,
    runs,
    score: async (task, code) => {
      runs.set(`${task.id}:${code}`, (runs.get(`${task.id}:${code}`) ?? 0) + 1);
      return code.trim() === `ok-${task.id}` ? { pass: true } : { pass: false, detail: "wrong" };
    },
  };
}

const system = (name: string, lists: Record<string, string[]>): SystemCandidates => ({
  system: name,
  label: name,
  candidates: new Map(Object.entries(lists)),
});

describe("functional runner", () => {
  it("counts top-1/3/5 from the rank of the first passing candidate, per split", () => {
    expect(splitScore([1, 2, null, 5])).toEqual({ tasks: 4, top1: 25, top3: 50, top5: 75 });
    expect(splitScore([])).toEqual({ tasks: 0, top1: 0, top3: 0, top5: 0 });
  });

  it("scores systems, each code once per task, the first five candidates only", async () => {
    const suite = countingSuite();
    const report = await scoreSystems(suite, tasks, [
      system("first", { a: ["ok-a"], b: ["x", "x2", "ok-b"], c: ["y", "y", "y", "y", "y", "ok-c"], d: [] }),
      system("second", { a: ["ok-a "], b: ["ok-b"], c: ["ok-c"], d: ["nope"] }),
    ]);
    const [first, second] = report.systems;
    expect(report.tasks).toEqual({ dev: 2, test: 2 });
    expect(first?.dev).toEqual({ tasks: 2, top1: 50, top3: 100, top5: 100 });
    expect(first?.test).toEqual({ tasks: 2, top1: 0, top3: 0, top5: 0 }); // ok-c is sixth: not scored
    expect(first?.firstPass).toEqual({ a: 1, b: 3, c: null, d: null });
    expect(second?.dev.top1).toBe(100);
    expect(second?.test).toEqual({ tasks: 2, top1: 50, top3: 50, top5: 50 });
    // "ok-a" and "ok-a " are one code: run once; "y" five times in a list: run once; the sixth never.
    expect(suite.runs.get("a:ok-a")).toBe(1);
    expect(suite.runs.has("a:ok-a ")).toBe(false);
    expect(suite.runs.get("c:y")).toBe(1);
    expect(suite.runs.has("c:ok-c")).toBe(true); // from the second system
    expect(formatFunctionalReport(report)).toContain("hand-made (2 dev, 2 test tasks)");
    expect(markdownFunctionalReport(report).split("\n")[2]).toBe("| first | 50.0 / 100.0 / 100.0 | 0.0 / 0.0 / 0.0 | 0.0 / 0.0 |");
  });

  it("reports the share of shown candidates with a literal the request did not give, per split", async () => {
    const literalTasks: FunctionalTask[] = [
      { id: "p", split: "dev", request: "show the first 5 lines of notes.txt" },
      { id: "q", split: "dev", request: "delete log files older than 7 days" },
      { id: "r", split: "test", request: "list files" },
    ];
    const lists = {
      // foreign: data.csv (not the request's file), +30 (not its number); not: the request's own, a placeholder
      p: ["head -5 notes.txt", "head -5 data.csv", "head -{{number}} {{file}}"],
      q: ["find . -name '*.log' -mtime +7 -delete", "find . -mtime +30 -delete"],
      r: ["ls", "ls -l /home/bob", "ls {{path}}", "ls -la", "ls .", "ls /srv/x"], // the sixth is not shown
    };
    const report = await scoreSystems(countingSuite(), literalTasks, [system("pool", lists)]);
    expect(report.systems[0]?.foreign).toEqual({ dev: 40, test: 20 }); // 2 of 5 shown on dev, 1 of 5 on test
    expect(foreignShare("bash", literalTasks, new Map(Object.entries(lists)))).toBe(30); // 3 of the 10 shown
    expect(foreignShare("cf", [{ id: "c", split: "dev", request: "containing 'order'" }], new Map([["c", ["TextContains(c[4], Zamina)", "TextContains(c[4], order)"]]]))).toBe(50);
    expect(formatFunctionalReport(report)).toContain("foreign literals dev / test");
  });

  it("fails an empty candidate without running it", async () => {
    const suite = countingSuite();
    const report = await scoreSystems(suite, tasks.slice(0, 1), [system("empty", { a: ["  ", "ok-a"] })]);
    expect(report.systems[0]?.firstPass).toEqual({ a: 2 });
    expect(suite.runs.size).toBe(1);
  });

  it("keeps the order of results and the concurrency limit", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (x) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, x));
      running--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it("retrieval baseline: the codes of the most similar known requests, distinct, as written", () => {
    const indexJson = {
      version: 1,
      entries: [
        ["count the lines of a file", "wc -l file", "count the lines of a file", "wc -l ⟨file0⟩"],
        ["count lines in a file", "wc  -l file", "count lines in a file", "wc -l ⟨file0⟩"],
        ["count words", "wc -w", "count words", "wc -w"],
        ["list files", "ls", "list files", "ls"],
      ],
    };
    const found = retrievalCandidates(indexJson, [{ id: "q", split: "dev", request: "Count the LINES" }], 5);
    expect(found.candidates.get("q")).toEqual(["wc -l file", "wc -w"]); // the second "wc -l" is the same code; ls shares no word
    expect(constantCandidates("none", "None", "None", tasks).candidates.get("d")).toEqual(["None"]);
  });
});
