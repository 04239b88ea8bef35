// The Bash suite's self-test: every reference passes its own task, doing nothing passes none, hand-made wrong
// candidates fail in every comparison mode, and the suite's shape (ids, requests, split, topics) holds.
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import {
  BASH_COMPARE_MODES,
  BASH_SUITE_TOOLS,
  BASH_TOPICS,
  firstNumber,
  loadBashSuite,
  normaliseStdout,
  outputLines,
  treeDifferences,
  type BashTask,
  type TreeEntry,
} from "./bash";
import type { Verdict } from "./types";

const suite = loadBashSuite();
const byId = new Map(suite.tasks.map((task) => [task.id, task]));
function task(id: string): BashTask {
  const found = byId.get(id);
  if (!found) throw new Error(`no task ${id}`);
  return found;
}
/** The first task with this request (so the tests below name tasks by what they ask, not by a number). */
function taskAsking(request: string): BashTask {
  const found = suite.tasks.find((candidate) => candidate.request === request);
  if (!found) throw new Error(`no task asks "${request}"`);
  return found;
}

/** Runs jobs with at most `limit` at a time (each job starts several sandboxes). */
async function inPool<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

describe("bash suite: shape", () => {
  it("has at least 150 tasks with unique ids and unique requests", () => {
    expect(suite.tasks.length).toBeGreaterThanOrEqual(150);
    expect(new Set(suite.tasks.map((t) => t.id)).size).toBe(suite.tasks.length);
    expect(new Set(suite.tasks.map((t) => t.request.toLowerCase().trim())).size).toBe(suite.tasks.length);
  });

  it("is split about half dev, half test, and both halves cover every topic", () => {
    const dev = suite.tasks.filter((t) => t.split === "dev").length;
    expect(Math.abs(dev - suite.tasks.length / 2)).toBeLessThanOrEqual(2);
    for (const topic of BASH_TOPICS) {
      const ofTopic = suite.tasks.filter((t) => t.topic === topic);
      expect(ofTopic.length, topic).toBeGreaterThanOrEqual(10);
      expect(ofTopic.filter((t) => t.split === "dev").length, `${topic} dev`).toBeGreaterThanOrEqual(4);
      expect(ofTopic.filter((t) => t.split === "test").length, `${topic} test`).toBeGreaterThanOrEqual(4);
    }
  });

  it("uses every comparison mode, and only check tasks have a check", () => {
    for (const mode of BASH_COMPARE_MODES) expect(suite.tasks.some((t) => t.compare === mode), mode).toBe(true);
    for (const t of suite.tasks) expect(t.check !== undefined, t.id).toBe(t.compare === "check");
  });

  it("needs only tools that are installed here", () => {
    const missing = BASH_SUITE_TOOLS.filter((tool) => {
      try {
        execFileSync("bash", ["-c", `command -v ${tool}`], { stdio: "ignore" });
        return false;
      } catch {
        return true;
      }
    });
    expect(missing, `install: ${missing.join(" ")} (Debian: procps for ps/pgrep, iproute2 for ss, bzip2, xz-utils)`).toEqual([]);
  });
});

describe("bash suite: comparison", () => {
  it("normalises output as each mode says", () => {
    expect(normaliseStdout("./a \nb\t\n\n\n")).toBe("a\nb");
    expect(outputLines("  3 ./x/y\nb/\n\n  12\tz  \n")).toEqual(["12 z", "3 x/y", "b"]);
    expect(outputLines("a\nb\na\n")).toEqual(["a", "a", "b"]); // a multiset: duplicates count
    expect(firstNumber("  42 total")).toBe(42);
    expect(firstNumber("1.2M\t.")).toBe(1.2);
    expect(firstNumber("none")).toBeNull();
    const file = (path: string, content: string, mode = "0644"): TreeEntry => ({ path, kind: "file", mode, content, size: 1 });
    expect(treeDifferences([file("a", "x")], [file("a", "x")])).toEqual([]);
    expect(treeDifferences([file("a", "x")], [file("a", "y")])).toEqual(["a has other contents"]);
    expect(treeDifferences([file("a", "x")], [file("a", "x", "0755")])).toEqual(["a has mode 0755, expected 0644"]);
    expect(treeDifferences([file("a", "x")], [file("b", "x")])).toEqual([
      "missing file a (1 bytes, mode 0644)",
      "unexpected file b (1 bytes, mode 0644)",
    ]);
  });
});

describe("bash suite: every task", () => {
  it("passes every reference of every task, and fails a candidate that does nothing", async () => {
    const failures: string[] = [];
    await inPool(suite.tasks, 4, async (t) => {
      for (const reference of t.references) {
        const verdict = await suite.score(t, reference);
        if (!verdict.pass) failures.push(`${t.id} reference ${JSON.stringify(reference)}: ${verdict.detail}`);
      }
      // The first reference gives the expected result: it must run cleanly.
      const expected = await suite.expected(t);
      if (expected.run.exitCode !== 0 || expected.run.stderr !== "") {
        failures.push(`${t.id}: the first reference exits ${expected.run.exitCode} ${JSON.stringify(expected.run.stderr.slice(0, 200))}`);
      }
      // A task that `true` passes measures nothing: its reference must print or change something.
      const idle = await suite.score(t, "true");
      if (idle.pass) failures.push(`${t.id}: "true" passes`);
    });
    expect(failures).toEqual([]);
  });
});

describe("bash suite: wrong candidates fail", () => {
  const expectFail = async (t: BashTask, code: string, detail: RegExp): Promise<Verdict> => {
    const verdict = await suite.score(t, code);
    expect(verdict.pass, `${t.id} ${code}`).toBe(false);
    expect(verdict.detail).toMatch(detail);
    return verdict;
  };

  it("empty or unparsable candidates", async () => {
    const t = suite.tasks[0];
    await expectFail(t, "", /empty/);
    await expectFail(t, "   \n", /empty/);
    await expectFail(t, "for f in *; do echo", /does not parse/);
    await expectFail(t, "echo 'unterminated", /does not parse/);
  });

  it("number: a wrong count", async () => {
    const t = taskAsking("how many lines are in access.log");
    await expectFail(t, "echo 136", /printed 136, expected 137/);
    await expectFail(t, "grep -c 404 access.log", /expected 137/);
    await expectFail(t, "echo lots", /no number/);
  });

  it("lines: an extra line, a missing line", async () => {
    const t = taskAsking("find all .log files in this folder and below");
    await expectFail(t, "find . -type f -iname '*.log'", /unexpected "old\/y.LOG"/);
    await expectFail(t, "find . -maxdepth 1 -name '*.log'", /missing/);
    // A line printed twice is not the same output (the lines are a multiset).
    const twice = taskAsking("print the lines of data.txt that appear more than once (each once)");
    await expectFail(twice, "sort data.txt | uniq -d; echo x", /3 lines where 2 were expected; unexpected "x"/);
    // Order and "./" do not matter.
    expect(await suite.score(t, "find . -name '*.log' -type f | sed 's|^\\./||' | sort -r")).toEqual({ pass: true });
  });

  it("stdout: another order, another format", async () => {
    const t = taskAsking("sort numbers.txt numerically, largest first");
    await expectFail(t, "sort -n numbers.txt", /stdout differs at line 1/);
    await expectFail(t, "sort -r numbers.txt", /stdout differs/);
  });

  it("files: deleting the wrong files, a file left behind", async () => {
    const t = taskAsking("delete all .tmp files older than 7 days, in this folder and below");
    await expectFail(t, "find . -name '*.tmp' -delete", /missing file build\/b.tmp/);
    await expectFail(t, "find . -type f -mtime +7 -delete", /missing file keep.txt/);
    await expectFail(t, "find . -maxdepth 1 -name '*.tmp' -mtime +7 -delete", /unexpected file build\/cache\/c.tmp/);
    const chmod = taskAsking("set every file in public to 644 and every folder in it to 755");
    await expectFail(chmod, "chmod -R 644 public", /mode/);
  });

  it("check: the check fails when the task is half done", async () => {
    const t = taskAsking("archive the logs folder into logs-backup.tar.gz and then delete the folder");
    await expectFail(t, "tar -czf logs-backup.tar.gz logs", /check fails/); // the folder is still there
    await expectFail(t, "rm -r logs", /check fails/);
    await expectFail(t, "tar -czf logs-backup.tar.gz logs/a.log && rm -r logs", /check fails/);
  });

  it("limits: a candidate that runs forever or prints without end", async () => {
    const t = taskAsking("how many lines are in access.log");
    await expectFail(t, "sleep 60", /ran past/);
    await expectFail(t, "yes", /printed more than/);
    await expectFail(t, "for i in $(seq 100); do head -c 8M /dev/zero > f$i; done", /filled its folder/);
  });

  it("builds a fresh fixture for every candidate: one that deletes everything does not affect the next", async () => {
    const t = taskAsking("how many lines are in access.log");
    await expectFail(t, "rm -rf ./* && wc -l < /dev/null", /expected 137/);
    expect(await suite.score(t, "wc -l access.log")).toEqual({ pass: true });
    const move = task(taskAsking("move every pdf in downloads into documents").id);
    expect(await suite.score(move, "mv downloads/*.pdf documents/")).toEqual({ pass: true });
    expect(await suite.score(move, "mv downloads/*.pdf documents/")).toEqual({ pass: true }); // would fail on a reused fixture
  });
});
