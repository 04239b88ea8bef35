// The app's logic without React: URL state, recent requests, the run state machine.
import { describe, expect, it } from "vitest";
import type { GenerationStep } from "../engine/engine";
import { addRecent, clearRecent, loadRecent, MAX_RECENT, RECENT_KEY, type RecentRequest } from "./recent";
import { attachSamples, denoisedFraction, INITIAL_RUN, runReducer, sampleAt, type RunState } from "./runState";
import { DEFAULT_SETTINGS, LIMITS, randomSeed, readUrlState, writeUrlState } from "./urlState";

describe("URL state", () => {
  it("round-trips every setting, the prompt included", () => {
    const settings = { language: "cf" as const, prompt: "highlight rows where B > 100 & C = \"yes\"", steps: 120, samples: 3, seed: 4294967295 };
    expect(readUrlState(writeUrlState(settings))).toEqual(settings);
    expect(readUrlState(writeUrlState({ ...settings, backend: "wasm" }))).toEqual({ ...settings, backend: "wasm" });
  });

  it("keeps the defaults for missing or invalid values", () => {
    expect(readUrlState("")).toEqual(DEFAULT_SETTINGS);
    const bad = readUrlState("?lang=cobol&steps=0&n=99&seed=-1&backend=tpu");
    expect(bad).toEqual(DEFAULT_SETTINGS);
    expect(readUrlState("?steps=1.5&n=abc&seed=4294967296")).toEqual(DEFAULT_SETTINGS);
    expect(readUrlState("?steps=1200&n=16&seed=0")).toMatchObject({ steps: 1200, samples: 16, seed: 0 });
  });

  it("keeps a link's whole request, and leaves an empty or a very long request out of the URL", () => {
    expect(readUrlState(`?q=${"a".repeat(5000)}`).prompt).toHaveLength(5000); // nothing cut: the box says it is too long
    expect(writeUrlState({ ...DEFAULT_SETTINGS, prompt: "  " })).not.toContain("q=");
    expect(writeUrlState({ ...DEFAULT_SETTINGS, prompt: "b".repeat(LIMITS.linkChars) })).toContain("q=");
    const long = writeUrlState({ ...DEFAULT_SETTINGS, prompt: "b".repeat(LIMITS.linkChars + 1) });
    expect(long).not.toContain("q=");
    expect(long.length).toBeLessThan(100);
  });

  it("draws seeds in range", () => {
    expect(randomSeed(() => 0)).toBe(0);
    expect(randomSeed(() => 0.999999999999)).toBe(4294967295);
  });
});

class MemoryStorage {
  data = new Map<string, string>();
  full = false;
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.full) throw new DOMException("full", "QuotaExceededError");
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

describe("recent requests", () => {
  const entry = (prompt: string, at: number, language: RecentRequest["language"] = "bash"): RecentRequest => ({
    language,
    prompt,
    steps: 50,
    samples: 5,
    seed: 1,
    at,
  });

  it("puts the newest first, moves a repeated request up, keeps at most MAX_RECENT", () => {
    const storage = new MemoryStorage();
    addRecent(storage, entry("a", 1));
    addRecent(storage, entry("b", 2));
    addRecent(storage, entry("a", 3, "python"));
    const list = addRecent(storage, entry(" a ", 4));
    expect(list.map((r) => `${r.language}:${r.prompt}`)).toEqual(["bash: a ", "python:a", "bash:b"]);
    for (let i = 0; i < 30; i++) addRecent(storage, entry(`p${i}`, 10 + i));
    expect(loadRecent(storage)).toHaveLength(MAX_RECENT);
    expect(loadRecent(storage)[0]?.prompt).toBe("p29");
  });

  it("survives unreadable and full storage, and clears", () => {
    const storage = new MemoryStorage();
    storage.data.set(RECENT_KEY, "{not json");
    expect(loadRecent(storage)).toEqual([]);
    storage.data.set(RECENT_KEY, JSON.stringify([{ language: "cobol", prompt: "x" }, entry("ok", 1)]));
    expect(loadRecent(storage).map((r) => r.prompt)).toEqual(["ok"]);
    storage.full = true;
    expect(addRecent(storage, entry("new", 2)).map((r) => r.prompt)).toEqual(["new", "ok"]);
    storage.full = false;
    clearRecent(storage);
    expect(loadRecent(storage)).toEqual([]);
  });
});

describe("run state", () => {
  const request = { utterance: "list files", steps: 3, samples: 2, seed: 7 };
  const step = (k: number, codes: string[], done = false): GenerationStep =>
    done
      ? {
          step: k,
          totalSteps: 3,
          t: 1,
          truncatedTokens: 0,
          samples: codes.map((code) => ({ code, noisy: code, confidence: -0.1 })),
          done: true,
          candidates: [
            { code: "ls  -l", score: 0.6, source: "sample" },
            { code: "ls", score: 0.4, source: "sample" },
          ],
          knownRequests: [],
        }
      : { step: k, totalSteps: 3, t: 1200 - 400 * k, truncatedTokens: 2, samples: codes.map((code) => ({ code, noisy: `~${code}` })), done: false };

  it("collects snapshots, ends with candidates mapped to their samples", () => {
    let s: RunState = runReducer(INITIAL_RUN, { type: "start", id: "r1", request });
    s = runReducer(s, { type: "step", id: "r1", step: step(1, ["x#", "q"]) });
    s = runReducer(s, { type: "step", id: "r1", step: step(2, ["l -", "ls"]) });
    expect(s.phase).toBe("running");
    expect(s.truncatedTokens).toBe(2);
    s = runReducer(s, { type: "step", id: "r1", step: step(3, ["ls", "ls -l"], true) });
    expect(s.phase).toBe("done");
    expect(s.snapshots.map((x) => x.step)).toEqual([1, 2, 3]);
    expect(s.candidates).toEqual([
      { code: "ls  -l", score: 0.6, sample: 1, fromKnownRequest: false },
      { code: "ls", score: 0.4, sample: 0, fromKnownRequest: false },
    ]);
    expect(s.knownRequests).toEqual([]);
    // replaying candidate 0 follows sample 1 through the steps: the noisy view, and the estimate x̂0
    expect([0, 1, 2].map((i) => sampleAt(s, i, 1))).toEqual(["~q", "~ls", "ls -l"]);
    expect([0, 1, 2].map((i) => sampleAt(s, i, 1, "estimate"))).toEqual(["q", "ls", "ls -l"]);
  });

  it("starts a sample's replay from the known code it was edited from, and keeps that code on its candidate", () => {
    const known = "ls -a";
    const starts = [known, undefined];
    const item = (k: number, codes: string[]): GenerationStep => ({
      step: k,
      totalSteps: 3,
      t: 1200 - 400 * k,
      truncatedTokens: 0,
      samples: codes.map((code, i) => ({ code, noisy: code, ...(starts[i] ? { start: starts[i] } : {}) })),
      done: false,
    });
    let s: RunState = runReducer(INITIAL_RUN, { type: "start", id: "e1", request });
    s = runReducer(s, { type: "step", id: "e1", step: item(0, [known, ""]) }); // step 0: the known codes
    s = runReducer(s, { type: "step", id: "e1", step: item(1, [known, "q"]) }); // not joined yet: still its code
    s = runReducer(s, { type: "step", id: "e1", step: item(2, ["ls -", "l"]) });
    const final = step(3, ["ls -l", "ls"], true);
    if (!final.done) throw new Error("final");
    final.candidates = [
      { code: "ls  -l", score: 0.6, source: "sample", start: known },
      { code: "ls", score: 0.4, source: "sample" },
    ];
    s = runReducer(s, { type: "step", id: "e1", step: final });
    expect(s.snapshots.map((x) => x.step)).toEqual([0, 1, 2, 3]);
    expect(s.candidates[0]).toEqual({ code: "ls  -l", score: 0.6, sample: 0, fromKnownRequest: false, start: known });
    expect(s.candidates[1]?.start).toBeUndefined();
    expect([0, 1, 2, 3].map((i) => sampleAt(s, i, 0))).toEqual([known, known, "ls -", "ls -l"]);
  });

  it("ignores stale messages and messages after the end", () => {
    let s = runReducer(INITIAL_RUN, { type: "start", id: "r2", request });
    const before = s;
    s = runReducer(s, { type: "step", id: "r1", step: step(1, ["a", "b"]) });
    s = runReducer(s, { type: "error", id: "r1", message: "cancelled", cancelled: true });
    expect(s).toBe(before);
    s = runReducer(s, { type: "error", id: "r2", message: "cancelled", cancelled: true });
    expect(s.phase).toBe("cancelled");
    expect(runReducer(s, { type: "step", id: "r2", step: step(1, ["a", "b"]) })).toBe(s);
  });

  it("records failures and a lost device", () => {
    let s = runReducer(INITIAL_RUN, { type: "start", id: "r3", request });
    s = runReducer(s, { type: "error", id: "r3", message: "The GPU device was lost", deviceLost: true });
    expect(s).toMatchObject({ phase: "failed", error: "The GPU device was lost", deviceLost: true });
    expect(runReducer(s, { type: "reset" })).toEqual(INITIAL_RUN);
  });

  it("gives a code only retrieval produced sample −1 (no replay), and carries the known requests into the state", () => {
    const known = [
      { utterance: "Format cells that are greater than or equal to 25 and less than 50", code: "AND(GreaterThanEqual(25),LessThan(50))", similarity: 0.88 },
      { utterance: "Color cells that have Error in their value", code: "TextContains(Error)", similarity: 0.2 },
    ];
    const final: GenerationStep = {
      step: 3,
      totalSteps: 3,
      t: 1,
      truncatedTokens: 0,
      samples: ["GreaterThan(25)", "TextContains(Error)"].map((code) => ({ code, noisy: code, confidence: -0.1 })),
      done: true,
      candidates: [
        { code: "AND(GreaterThanEqual(25),LessThan(50))", score: 0.5, source: "known", fromKnownRequest: true }, // retrieval only
        { code: "GreaterThan(25)", score: 0.3, source: "sample", fromKnownRequest: false },
        { code: "TextContains(Error) ", score: 0.2, source: "known", fromKnownRequest: true }, // retrieved, and sample 1 denoised into it
      ],
      knownRequests: known,
    };
    let s = runReducer(INITIAL_RUN, { type: "start", id: "r4", request });
    s = runReducer(s, { type: "step", id: "r4", step: step(1, ["x", "y"]) });
    expect(s.knownRequests).toEqual([]); // only the final step has them
    s = runReducer(s, { type: "step", id: "r4", step: final });
    expect(s.phase).toBe("done");
    expect(s.candidates).toEqual([
      { code: "AND(GreaterThanEqual(25),LessThan(50))", score: 0.5, sample: -1, fromKnownRequest: true },
      { code: "GreaterThan(25)", score: 0.3, sample: 0, fromKnownRequest: false },
      { code: "TextContains(Error) ", score: 0.2, sample: 1, fromKnownRequest: true },
    ]);
    expect(s.knownRequests).toEqual(known);
    // A stale final step of another run changes nothing; a new run starts without the old known requests.
    expect(runReducer(s, { type: "step", id: "old", step: { ...final, knownRequests: [] } })).toBe(s);
    expect(runReducer(s, { type: "start", id: "r5", request }).knownRequests).toEqual([]);
    // A candidate no sample produced and not retrieved (never expected) still replays a sample, never −1.
    expect(attachSamples([{ code: "zzz", score: 1 }], ["a", "b"])).toEqual([{ code: "zzz", score: 1, sample: 0, fromKnownRequest: false }]);
  });

  it("maps candidates whitespace-insensitively and measures progress over t", () => {
    expect(attachSamples([{ code: "a b", score: 1 }], ["x", "a\tb"])).toEqual([{ code: "a b", score: 1, sample: 1, fromKnownRequest: false }]);
    expect(denoisedFraction(1, 50)).toBeCloseTo(0.02);
    expect(denoisedFraction(50, 50)).toBe(1);
  });
});

describe("paced denoising show", () => {
  it("advances one step per frame when close, catches up within ~30 frames when far behind", async () => {
    const { pacedAdvance } = await import("./usePacedIndex");
    expect(pacedAdvance(0)).toBe(0);
    expect(pacedAdvance(1)).toBe(1);
    expect(pacedAdvance(30)).toBe(1);
    expect(pacedAdvance(31)).toBe(2);
    let shown = -1;
    let frames = 0;
    while (shown < 1199) {
      shown += pacedAdvance(1199 - shown);
      frames++;
    }
    expect(frames).toBeLessThan(200);
    expect(shown).toBe(1199);
  });
});

describe("changedRange", () => {
  const apply = (before: string, r: { start: number; end: number; text: string }): string =>
    before.slice(0, r.start) + r.text + before.slice(r.end);

  it("replaces only the middle that changed, and applying it gives the new text", async () => {
    const { changedRange } = await import("./textEdit");
    expect(changedRange("ls -la /tmp", "ls -lh /tmp")).toEqual({ start: 5, end: 6, text: "h" });
    expect(changedRange("", "abc")).toEqual({ start: 0, end: 0, text: "abc" });
    expect(changedRange("abc", "")).toEqual({ start: 0, end: 3, text: "" });
    expect(changedRange("same", "same")).toEqual({ start: 4, end: 4, text: "" });
    // prefix and suffix must not overlap when the text repeats
    expect(changedRange("aaa", "aa")).toEqual({ start: 2, end: 3, text: "" });
    for (const [before, after] of [["x R R y", "x R y"], ["find . -name", "find / -name '*.log'"], ["ab", "ba"]] as const) {
      expect(apply(before, changedRange(before, after))).toBe(after);
    }
  });
});
