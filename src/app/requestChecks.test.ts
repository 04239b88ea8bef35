import { describe, expect, it } from "vitest";
import { nonLatinLetters, requestNotes } from "./requestChecks";

const kinds = (text: string, vocabulary?: { words: number; unknownWords: string[] }): string[] =>
  requestNotes(text, vocabulary).map((n) => n.kind);

describe("requestNotes", () => {
  it("says what to do with an empty request, which Generate refuses", () => {
    const [note] = requestNotes("   ");
    expect(note).toMatchObject({ kind: "empty", blocks: true });
    expect(note?.text).toMatch(/Type a request/);
  });

  it("refuses a request over 2,000 characters and says how long it is, cutting nothing", () => {
    const [note] = requestNotes("a".repeat(5000));
    expect(note).toMatchObject({ kind: "too-long", blocks: true });
    expect(note?.text).toContain("5,000 characters");
    expect(note?.text).toContain("2,000");
    expect(kinds("a".repeat(2000))).toEqual(["no-link"]); // the longest request that runs
  });

  it("says when a request is too long for the page's address", () => {
    expect(kinds("a ".repeat(250))).toEqual([]);
    expect(requestNotes("a".repeat(501))).toEqual([expect.objectContaining({ kind: "no-link", blocks: false })]);
  });

  it("says that only English is understood for a request in another script (Japanese, Russian)", () => {
    const japanese = requestNotes("過去24時間に変更されたファイルを探す");
    expect(japanese).toEqual([expect.objectContaining({ kind: "script", blocks: false })]);
    expect(japanese[0]?.text).toMatch(/English/);
    expect(kinds("найти все файлы")).toEqual(["script"]);
    // English with one foreign word or accented Latin letters is not flagged
    expect(kinds("find files named café or naïve")).toEqual([]);
    expect(kinds("print π to 5 digits")).toEqual([]);
  });

  it("says so when most words are unknown to the model's training requests (a Latin-script language)", () => {
    expect(kinds("trouver tous les fichiers", { words: 4, unknownWords: ["trouver", "tous", "les", "fichiers"] })).toEqual(["words"]);
    expect(kinds("find all files", { words: 3, unknownWords: ["fies"] })).toEqual([]);
    expect(kinds("sort it", { words: 2, unknownWords: ["it"] })).toEqual([]); // half is not most
  });

  it("counts letters by script", () => {
    expect(nonLatinLetters("ab日本")).toEqual({ letters: 4, other: 2, sample: "日本" });
  });
});
