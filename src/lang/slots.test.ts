// src/lang/slots.ts against training/slots.py: testdata/slots/cases.json (written by
// `/usr/bin/python3 -m training.shared_cases`) holds hand-made requests and the first 60 test requests of every
// language with what Python made of them, and tagger.json the tagger they were made with. The hand-made
// assertions below were also checked against training/slots.py under /usr/bin/python3 (3.11).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  HASH_BITS,
  SLOT_TOKENS,
  SlotTagger,
  type Slotted,
  extractSlots,
  fillSlots,
  fnv1a,
  slotCode,
  slotRequest,
  slotValues,
  tagFeatures,
  wordShape,
  BASE_SLOT_TOKENS,
} from "./slots";

interface SlotCase {
  request: string;
  code: string;
  /** The table's column names (CF column slots), or null. */
  header: string[] | null;
  tagged: [number, number][];
  slotted: string;
  slots: [string, number, string][];
  slotted_without_tagger: string;
  slotted_code: string;
  filled: string;
}
interface SlotCases {
  fnv1a: Record<string, number>;
  cases: SlotCase[];
}

function readJson(relativeToRoot: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../${relativeToRoot}`, import.meta.url)), "utf8"));
}

const shared = readJson("testdata/slots/cases.json") as SlotCases;
const tagger = SlotTagger.fromJson(readJson("testdata/slots/tagger.json"));

const slotRows = (slotted: Slotted): [string, number, string][] => slotted.slots.map((s) => [s.kind, s.index, s.text]);

/** The cases where `got` differs from `expected`, as [request, got, expected] (empty when all agree). */
function mismatches<T>(got: (c: SlotCase) => T, expected: (c: SlotCase) => T): [string, T, T][] {
  const bad: [string, T, T][] = [];
  for (const c of shared.cases) {
    const [g, e] = [got(c), expected(c)];
    if (JSON.stringify(g) !== JSON.stringify(e)) bad.push([c.request, g, e]);
  }
  return bad;
}

describe("the shared cases (testdata/slots/cases.json)", () => {
  it("has cases, some with tagged spans and some with column slots", () => {
    expect(shared.cases.length).toBeGreaterThan(100);
    expect(shared.cases.some((c) => c.tagged.length > 0)).toBe(true);
    expect(shared.cases.filter((c) => c.slots.some(([kind]) => kind === "col")).length).toBeGreaterThan(40);
  });

  it("hashes as Python's fnv1a", () => {
    const got = Object.fromEntries(Object.keys(shared.fnv1a).map((text) => [text, fnv1a(text)]));
    expect(got).toEqual(shared.fnv1a);
  });

  it("tags the same spans (code-point offsets)", () => {
    expect(mismatches((c) => tagger.spans(c.request), (c) => c.tagged)).toEqual([]);
  });

  it("slots the requests the same way, with and without the tagger", () => {
    expect(mismatches((c) => slotRequest(c.request, tagger, c.header).text, (c) => c.slotted)).toEqual([]);
    expect(mismatches((c) => slotRows(slotRequest(c.request, tagger, c.header)), (c) => c.slots)).toEqual([]);
    expect(mismatches((c) => slotRequest(c.request, null, c.header).text, (c) => c.slotted_without_tagger)).toEqual([]);
  });

  it("slots the codes and fills them back the same way", () => {
    const coded = (c: SlotCase): string => slotCode(c.code, slotRequest(c.request, tagger, c.header).slots);
    expect(mismatches(coded, (c) => c.slotted_code)).toEqual([]);
    const filled = (c: SlotCase): string => fillSlots(c.slotted_code, slotValues(slotRequest(c.request, tagger, c.header)));
    expect(mismatches(filled, (c) => c.filled)).toEqual([]);
  });
});

describe("the rules", () => {
  const slotted = (request: string): [string, [string, number, string][]] => {
    const s = extractSlots(request);
    return [s.text, slotRows(s)];
  };

  it("leaves a number glued to a letter before it, and a dotted number's tail", () => {
    expect(slotted("use v2 and 3")).toEqual(["use v2 and ⟨num0⟩", [["num", 0, "3"]]]);
    // ß is a word character for Python's \w, not for JavaScript's.
    expect(slotted("maß5 und 7")).toEqual(["maß5 und ⟨num0⟩", [["num", 0, "7"]]]);
    expect(slotted("find 5.5.5 and 10.5")[0]).toBe("find ⟨num0⟩.5 and ⟨num1⟩");
  });

  it("takes any decimal digit as a number, as Python's \\d", () => {
    expect(slotted("copy ٣ files")).toEqual(["copy ⟨num0⟩ files", [["num", 0, "٣"]]]);
  });

  it("keeps quotes and backticks outside the slot", () => {
    expect(slotted('name it "hosts.bak" now')).toEqual(['name it "⟨str0⟩" now', [["str", 0, "hosts.bak"]]]);
    expect(slotted("print 'it' isn't")[0]).toBe("print '⟨str0⟩' isn't");
    expect(slotted("see `a b` and 'c'")[0]).toBe("see `⟨var0⟩` and '⟨str0⟩'");
  });

  it("tells paths from words with a slash", () => {
    expect(slotted("normal/regular and a/b/ and x/y/z")[0]).toBe("normal/regular and ⟨path0⟩ and ⟨path1⟩");
  });

  it("splits words on Python's whitespace, not JavaScript's", () => {
    expect(slotted("open a.txt\ufeffb")[0]).toBe("open a.txt\ufeffb");
    expect(slotted("open\u001ca.txt")[0]).toBe("open\u001c⟨file0⟩");
  });

  it("numbers at most MAX_PER_KIND literals of a kind and reuses a repeated one", () => {
    expect(slotted("1 2 3 4 5 1")[0]).toBe("⟨num0⟩ ⟨num1⟩ ⟨num2⟩ ⟨num3⟩ 5 ⟨num0⟩");
  });

  it("slots a literal in the code only where it is not part of a longer word or number", () => {
    const num = extractSlots("add 10").slots;
    expect(slotCode("x = 10; y = 100; z = 10.5; w = a10", num)).toBe("x = ⟨num0⟩; y = 100; z = 10.5; w = a10");
    const files = extractSlots("copy a.txt to b.txt").slots;
    expect(slotCode("cp a.txt b.txt.bak xa.txt", files)).toBe("cp ⟨file0⟩ ⟨file1⟩.bak xa.txt");
  });

  it("fills known placeholders and drops the others", () => {
    // ⟨num7⟩ is no placeholder (4 per kind): it stays as text, like Python's fill_slots
    expect(fillSlots("a ⟨num3⟩ ⟨num7⟩ b ⟨num0⟩ ⟨sep⟩", new Map([["⟨num0⟩", "7"]]))).toBe("a  ⟨num7⟩ b 7 ");
    expect(fillSlots("⟨num٣⟩", new Map())).toBe("⟨num٣⟩");
  });

  it("never takes placeholders from the user's own text", () => {
    const slotted = extractSlots("set it to ⟨num0⟩ or 5");
    expect(slotted.text).toBe("set it to <num0> or ⟨num0⟩");
    expect(slotCode("echo ⟨num0⟩ 5", slotted.slots)).toBe("echo <num0> ⟨num0⟩");
  });

  it("has one token per kind and number, then ⟨sep⟩, then the column tokens (so older models keep their ids)", () => {
    expect(SLOT_TOKENS.length).toBe(29);
    expect(SLOT_TOKENS.slice(0, 5)).toEqual(["⟨str0⟩", "⟨str1⟩", "⟨str2⟩", "⟨str3⟩", "⟨var0⟩"]);
    expect(SLOT_TOKENS[24]).toBe("⟨sep⟩");
    expect(SLOT_TOKENS.slice(25)).toEqual(["⟨col0⟩", "⟨col1⟩", "⟨col2⟩", "⟨col3⟩"]);
    expect(BASE_SLOT_TOKENS).toEqual(SLOT_TOKENS.slice(0, 25));
  });

  it("reads a number with thousands separators as one slot without them", () => {
    const slotted = slotRequest("greater than 40,000 but not 1,5 or 12,3456", null);
    expect(slotted.text).toBe("greater than ⟨num0⟩ but not ⟨num1⟩,⟨num2⟩ or ⟨num3⟩,3456");
    expect(slotted.slots.map((s) => s.text)).toEqual(["40000", "1", "5", "12"]);
    expect(slotCode("GreaterThan(40000)", slotted.slots)).toBe("GreaterThan(⟨num0⟩)");
  });

  it("drops digits the model glued to a number placeholder (no training code has them)", () => {
    const values = new Map([["⟨num0⟩", "40"]]);
    expect(fillSlots("GreaterThan(⟨num0⟩000)", values)).toBe("GreaterThan(40)");
    expect(fillSlots("x = ⟨num0⟩.5 + ⟨num0⟩. y", values)).toBe("x = 40 + 40. y");
    expect(fillSlots("top(⟨num0⟩%) ⟨str0⟩1", values)).toBe("top(40%) 1");
  });

  it("drops a column the request does not name, with its comma", () => {
    expect(fillSlots("GreaterThan(⟨col0⟩, ⟨num0⟩)", new Map([["⟨num0⟩", "5"]]))).toBe("GreaterThan(5)");
    expect(fillSlots("NOT(Duplicates(⟨col1⟩))", new Map())).toBe("NOT(Duplicates())");
    const both = new Map([["⟨col0⟩", "c[2]"], ["⟨num0⟩", "5"]]);
    expect(fillSlots("GreaterThan(⟨col0⟩, ⟨num0⟩)", both)).toBe("GreaterThan(c[2], 5)");
  });

  it("names a column of the header as c[k], whatever its case and number, and never by a generic word", () => {
    const header = ["Index", "Customer", "Units Sold", "Value"];
    const slotted = slotRequest("Highlight units sold above 5 for each customer's value", null, header);
    expect(slotted.text).toBe("Highlight ⟨col0⟩ above ⟨num0⟩ for each ⟨col1⟩'s value");
    expect(slotRows(slotted)).toEqual([["col", 0, "c[2]"], ["num", 0, "5"], ["col", 1, "c[1]"]]);
    expect(fillSlots("GreaterThan(⟨col0⟩, ⟨num0⟩)", slotValues(slotted))).toBe("GreaterThan(c[2], 5)");
    expect(slotRequest("Highlight values in the index", null, header).text).toBe("Highlight values in the index");
    expect(slotRequest("Highlight units sold above 5", null, null).text).toBe("Highlight units sold above ⟨num0⟩");
  });
});

describe("the tagger", () => {
  // Every word scores sigmoid(10) through the bias feature alone; "find" and "or" are the language's own words.
  const weights = new Float64Array(1 << HASH_BITS);
  weights[fnv1a("bias") & ((1 << HASH_BITS) - 1)] = 10;
  const everything = new SlotTagger(weights, 0.5, ["find", "or"]);

  it("joins tagged words over 'or'/'and' and drops trailing punctuation", () => {
    expect(everything.spans("find alpha or beta.")).toEqual([[5, 18]]);
    expect(everything.spans("find a or b or c and d")).toEqual([[5, 22]]);
    expect(slotRequest("find alpha or beta.", everything).text).toBe("find ⟨val0⟩.");
  });

  it("gives code-point offsets, as Python", () => {
    const request = "𝔸 find foo";
    expect(everything.spans(request)).toEqual([
      [0, 1],
      [7, 10],
    ]);
    expect(slotRows(slotRequest(request, everything))).toEqual([
      ["val", 0, "𝔸"],
      ["val", 1, "foo"],
    ]);
    expect(slotRequest(request, everything).text).toBe("⟨val0⟩ find ⟨val1⟩");
  });

  it("builds Python's features", () => {
    expect(wordShape("HelloWorld42")).toBe("XxxXxxdd");
    expect(wordShape("aaa---ZZüü")).toBe("xx--XXüü");
    expect(tagFeatures(["Über", "x"], 0)).toEqual([
      "bias", "w=über", "shape=Üxx", "p1=<s>", "p2=<s>", "n1=x", "p1w=<s>|über", "p1s=<s>|Üxx", "n1s=x|Üxx",
      "cap=True", "first=True", "last=False", "len=4",
    ]);
  });
});
