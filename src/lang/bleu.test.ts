// CoNaLa BLEU port (src/lang/bleu.ts). Expected values come from the original Python (conala-baseline
// `tokenize_for_bleu_eval`, TensorFlow NMT `compute_bleu`) run under /usr/bin/python3 3.11 and pasted here.
import { describe, expect, it } from "vitest";
import { corpusBleu, tokenizeForBleu } from "./bleu";

describe("tokenizeForBleu", () => {
  it("matches CoNaLa's tokenize_for_bleu_eval", () => {
    expect(tokenizeForBleu("sum(d * 10 ** i for i, d in enumerate(x[::-1]))")).toEqual(
      "sum ( d * 10 * * i for i , d in enumerate ( x [ : : - 1 ] ) )".split(" "),
    );
    expect(tokenizeForBleu("r = int(''.join(map(str, x)))")).toEqual(
      "r = int ( ` ` . join ( map ( str , x ) ) )".split(" "),
    );
    expect(tokenizeForBleu("df.groupBy('myCol').aggXYZ()")).toEqual(
      "df . group By ( ` my Col ` ) . agg XYZ ( )".split(" "),
    );
    expect(tokenizeForBleu("getHTTPResponseCode")).toEqual(["get", "HTTPResponse", "Code"]);
    expect(tokenizeForBleu("os.kill(os.getpid(), signal.SIGUSR1)")).toEqual(
      "os . kill ( os . getpid ( ) , signal . SIGUSR1 )".split(" "),
    );
  });

  it("uses Python's notion of whitespace and code points", () => {
    expect(tokenizeForBleu('print "hello"\tworld\u00a0\u00e9')).toEqual(["print", "`", "hello", "`", "world", "\u00e9"]);
    expect(tokenizeForBleu("a\u001cb\ufeffc")).toEqual(["a", "b", "\ufeff", "c"]);
    expect(tokenizeForBleu("x = \u{1F600} + y")).toEqual(["x", "=", "\u{1F600}", "+", "y"]);
    expect(tokenizeForBleu("")).toEqual([]);
    expect(tokenizeForBleu("  \n ")).toEqual([]);
  });
});

describe("corpusBleu", () => {
  const T = tokenizeForBleu;
  const refs = [
    "sum(d * 10 ** i for i, d in enumerate(x[::-1]))",
    "r = int(''.join(map(str, x)))",
    "os.kill(os.getpid(), signal.SIGUSR1)",
  ];
  const hyps = [
    "sum(d * 10 ** i for i, d in enumerate(x))",
    "r = int(''.join(x))",
    "os.kill(os.getpid(), signal.SIGKILL)",
  ];
  const refCorpus = refs.map(T); // one reference per item, as CoNaLa
  const refSets = refs.map((r) => [T(r)]); // compute_bleu's own shape: a list of references per item
  const hypCorpus = hyps.map(T);

  it("is 1 for identical corpora and 0 for empty hypotheses", () => {
    expect(corpusBleu(refCorpus, refs.map(T))).toBeCloseTo(1, 12);
    expect(corpusBleu(refCorpus, [[], [], []])).toBe(0);
    expect(corpusBleu([T("a b c d")], [[]])).toBe(0);
    expect(corpusBleu([], [])).toBe(0);
  });

  it("matches the Python original on a small corpus", () => {
    expect(corpusBleu(refCorpus, hypCorpus)).toBeCloseTo(0.683752430813883, 12);
    expect(corpusBleu(refSets, hypCorpus)).toBeCloseTo(0.683752430813883, 12);
    expect(corpusBleu(refCorpus, hypCorpus, 4, true)).toBeCloseTo(0.6862876825231027, 12);
    expect(corpusBleu(refCorpus, hypCorpus, 2)).toBeCloseTo(0.7313802064806698, 12);
    expect(corpusBleu([refCorpus[0]], [hypCorpus[0]])).toBeCloseTo(0.658594310501762, 12);
    // a hypothesis longer than its reference: no brevity penalty
    expect(corpusBleu([T(refs[1])], [T(`${refs[1]} + 1 + 2`)])).toBeCloseTo(0.7941054938007994, 12);
    // several references: n-gram counts merged by maximum, length from the shortest
    expect(corpusBleu([[T("a = b + c"), T("a = c + b + d")]], [T("a = c + b")])).toBeCloseTo(1, 12);
  });

  it("clips counts and applies the brevity penalty (hand-computed)", () => {
    // unigram precision clipped to 2/7
    const sevenThe = Array.from({ length: 7 }, () => "the");
    expect(corpusBleu([["the", "cat", "is", "on", "the", "mat"]], [sevenThe], 1)).toBeCloseTo(2 / 7, 12);
    // hypothesis = first 3 of 6 reference tokens: precisions 1, ratio 1/2 → BP = exp(1 - 2)
    expect(corpusBleu([["a", "b", "c", "d", "e", "f"]], [["a", "b", "c"]], 3)).toBeCloseTo(Math.exp(-1), 12);
    // no 4-gram can match → 0 without smoothing
    expect(corpusBleu([["a", "b", "c"]], [["a", "b", "c"]])).toBe(0);
  });

  it("rejects mismatched lengths", () => {
    expect(() => corpusBleu([["a"]], [])).toThrow();
  });
});
