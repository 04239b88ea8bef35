// src/engine/channel.ts against training/channel.py: testdata/channel/cases.json (written by
// `/usr/bin/python3 -m training.shared_cases`) holds, for the retrieval test requests (hand-made, CF and Bash test
// requests) over testdata/retrieval/index.json, Python's most similar entries, each one's log P(request | code) from
// the table testdata/channel/channel.json, the channel's order of their codes and the candidates of rank "channel".
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createCodeTokenizer } from "../tokenizer";
import { SlotTagger } from "../lang/slots";
import { Channel, codeTokens, rankCodes } from "./channel";
import { Conditioner, type ConditionerOptions, RetrievalIndex, queryText } from "./retrieval";

interface ChannelCase {
  request: string;
  header: string[] | null;
  most_similar: [number, number][];
  log_likelihoods: number[];
  ranked: [string, number][];
  candidates: string[];
  /** The same with the request's literals only (language "bash"). */
  candidates_own: string[];
}
interface ChannelCases {
  scan: number;
  similarity_weight: number;
  code_tokens: [string, string[]][];
  cases: ChannelCase[];
}

function readJson(relativeToRoot: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../${relativeToRoot}`, import.meta.url)), "utf8"));
}

const shared = readJson("testdata/channel/cases.json") as ChannelCases;
const channel = Channel.fromJson(readJson("testdata/channel/channel.json"));
const index = RetrievalIndex.fromJson(readJson("testdata/retrieval/index.json"));
const options: ConditionerOptions = {
  tokenizer: createCodeTokenizer(readJson("training/tokenizers/cf.json")),
  tagger: SlotTagger.fromJson(readJson("testdata/slots/tagger.json")),
  index,
  neighbours: 2,
  maxLen: 96,
  requestLen: 48,
  useSlots: true,
  columns: true,
  channel,
};
const conditioner = new Conditioner(options);

/** The table of a hand-made channel.json: t(word | token) for the given tokens. */
function handMade(table: Record<string, Record<string, number>>): Channel {
  const tokens = Object.keys(table).sort();
  const words = [...new Set(Object.values(table).flatMap((row) => Object.keys(row)))].sort();
  const rows = tokens.map((token) => Object.entries(table[token]).map(([w, p]) => [words.indexOf(w), p]));
  return Channel.fromJson({ version: 1, null: "<null>", floor: 1e-6, smooth: 1e-9, tokens, words, rows });
}

describe("the shared cases (testdata/channel/cases.json)", () => {
  it("has cases with codes to rank", () => {
    expect(shared.cases.length).toBeGreaterThan(100);
    expect(shared.cases.filter((c) => c.ranked.length >= 5).length).toBeGreaterThan(100);
  });

  it("splits codes into the same tokens", () => {
    for (const [code, tokens] of shared.code_tokens) expect(codeTokens(code), JSON.stringify(code)).toEqual(tokens);
  });

  it("reads the same most similar entries, every copy of a code included", () => {
    for (const c of shared.cases) {
      const prepared = conditioner.prepare(c.request, -1, c.header);
      const found = index.mostSimilar(queryText(c.request, prepared.slotted.text, index.query), shared.scan);
      expect(found, c.request).toEqual(c.most_similar);
    }
  });

  it("gives each code the same log-likelihood, to the last bits a log may differ in", () => {
    for (const c of shared.cases) {
      c.most_similar.forEach(([i], j) => {
        const got = channel.logLikelihood(c.request, index.entries[i].code);
        expect(Math.abs(got - c.log_likelihoods[j]), `${c.request} / ${index.entries[i].code}`).toBeLessThanOrEqual(1e-12);
      });
    }
  });

  it("orders the codes the same, with the same rounded scores", () => {
    for (const c of shared.cases) {
      const found = c.most_similar.map(([i, s]) => [index.entries[i].code, s] as const);
      expect(rankCodes(channel, c.request, found, shared.similarity_weight), c.request).toEqual(c.ranked);
    }
  });

  it("offers the same candidates for rank \"channel\"", () => {
    for (const c of shared.cases) {
      const prepared = conditioner.prepare(c.request, -1, c.header);
      const known = conditioner.channelCandidates(prepared, c.request, 5, shared.scan, shared.similarity_weight);
      expect(known.map((k) => k.code), c.request).toEqual(c.candidates);
    }
  });

  it("offers the same candidates with the request's literals only", () => {
    const own = new Conditioner({ ...options, language: "bash" });
    for (const c of shared.cases) {
      const known = own.channelCandidates(own.prepare(c.request, -1, c.header), c.request, 5, shared.scan, shared.similarity_weight);
      expect(known.map((k) => k.code), c.request).toEqual(c.candidates_own);
    }
    expect(shared.cases.some((c) => c.candidates_own.some((code) => code.includes("{{")))).toBe(true);
  });
});

describe("the channel", () => {
  const table = handMade({ rm: { delete: 0.5, remove: 0.4 }, find: { find: 0.7, search: 0.2 }, "<null>": { all: 0.3 } });

  it("scores a request by the mean log of each word's probability given the code (hand-computed)", () => {
    // "delete all" given "rm": rows rm, NULL. delete: (0.5 + 1e-6) / 2; all: (1e-6 + 0.3) / 2; each + 1e-9.
    const expected = (Math.log((0.5 + 1e-6) / 2 + 1e-9) + Math.log((1e-6 + 0.3) / 2 + 1e-9)) / 2;
    expect(table.logLikelihood("Delete ALL", "rm")).toBeCloseTo(expected, 15);
    expect(table.logLikelihood("", "rm")).toBe(0);
  });

  it("prefers the code that explains the request's words over the more similar one", () => {
    const ranked = rankCodes(table, "delete all", [["find", 0.9], ["rm", 0.5], ["rm ", 0.4]], 0.01);
    expect(ranked.map(([code]) => code)).toEqual(["rm", "find"]); // "rm " is "rm" once whitespace is normalised
  });

  it("lets the similarity decide between codes the channel scores alike, and ties in retrieval order", () => {
    expect(rankCodes(table, "delete", [["ls", 0.2], ["cat", 0.6]], 0.01).map(([c]) => c)).toEqual(["cat", "ls"]);
    expect(rankCodes(table, "delete", [["ls", 0.5], ["cat", 0.5]], 0.01).map(([c]) => c)).toEqual(["ls", "cat"]);
  });

  it("refuses another version and rows that do not match their tokens", () => {
    expect(() => Channel.fromJson({ version: 2 })).toThrow(/version/);
    expect(() =>
      Channel.fromJson({ version: 1, null: "<null>", floor: 1e-6, smooth: 1e-9, tokens: ["a"], words: [], rows: [] }),
    ).toThrow(/do not match/);
    expect(() =>
      Channel.fromJson({ version: 1, null: "<null>", floor: 1e-6, smooth: 1e-9, tokens: ["a"], words: [], rows: [[[3, 0.5]]] }),
    ).toThrow(/out of range/);
  });
});
