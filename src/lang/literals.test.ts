// The literal finder and the check of which literals a request gives: hand-made cases, and the shared vectors
// (testdata/slots/literals.json, `/usr/bin/python3 -m training.shared_cases`) that prove literals.ts = training/literals.py.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { canonicalNumber, findLiterals, foreignLiterals, hasEditable, type LiteralContext, type LiteralLanguage, ownLiterals } from "./literals";
import { fillSlots } from "./slots";

interface LiteralCase {
  language: LiteralLanguage;
  request: string;
  code: string;
  literals: [string, string][];
  foreign: [string, string][];
  own: string;
}
const shared = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../testdata/slots/literals.json", import.meta.url)), "utf8"),
) as { language_words: string[]; cases: LiteralCase[] };

const context = (language: LiteralLanguage, request: string, languageWords: string[] = []): LiteralContext => ({
  language,
  request,
  languageWords,
});
const own = (language: LiteralLanguage, request: string, code: string, words: string[] = []): string =>
  ownLiterals(context(language, request, words), code);

describe("the user's literals (shared with training/literals.py)", () => {
  it("finds the same literals, the same foreign ones, and writes the same code", () => {
    const bad: [string, unknown, unknown][] = [];
    for (const c of shared.cases) {
      const ctx = context(c.language, c.request, shared.language_words);
      const literals = findLiterals(c.language, c.code).map(([a, b, kind]) => [c.code.slice(a, b), kind]);
      const foreign = foreignLiterals(ctx, c.code).map(([a, b, kind]) => [c.code.slice(a, b), kind]);
      const got = { literals, foreign, own: ownLiterals(ctx, c.code) };
      const expected = { literals: c.literals, foreign: c.foreign, own: c.own };
      if (JSON.stringify(got) !== JSON.stringify(expected)) bad.push([c.code, got, expected]);
    }
    expect(bad).toEqual([]);
    for (const language of ["bash", "python", "cf"] as const) {
      expect(shared.cases.some((c) => c.language === language && c.foreign.length > 0)).toBe(true);
    }
  });
});

describe("literals per language", () => {
  it("CF: the text and number arguments of a rule, not its columns or a visual rule's options", () => {
    expect(own("cf", "highlight Status cells containing 'order'", "TextContains(c[4], Zamina)")).toBe("TextContains(c[4], {{text}})");
    expect(own("cf", "cells that do not contain x", "NOT(TextContains(c[2], 適))")).toBe("NOT(TextContains(c[2], {{text}}))");
    expect(own("cf", "containing 'order'", "TextContains(c[4], order)")).toBe("TextContains(c[4], order)");
    expect(own("cf", "above 40,000", "GreaterThan(c[1], 40000)")).toBe("GreaterThan(c[1], 40000)");
    expect(own("cf", "above 50", "GreaterThan(c[1], 100)")).toBe("GreaterThan(c[1], {{number}})");
    expect(own("cf", "the top ten percent", "top(c[1], 10%)")).toBe("top(c[1], 10%)");
    expect(own("cf", "top percent", "top(c[1], 20%)")).toBe("top(c[1], {{number}}%)");
    expect(own("cf", "mark tasks in progress", 'TextEquals("In Progress")')).toBe('TextEquals("In Progress")');
    expect(own("cf", "a colour scale", "ColorScale(c[2], red, green)")).toBe("ColorScale(c[2], red, green)");
    expect(own("cf", "errors", "TextContains(Errors)")).toBe("TextContains(Errors)"); // a plural s is the same word
    expect(findLiterals("cf", "AND(GreaterThan(LEN(c[1]), 5), Blanks())")).toEqual([[27, 28, "number"]]);
  });

  it("Bash: quoted strings, numbers as arguments, paths and files; not flags, commands, variables or syntax", () => {
    expect(own("bash", "delete log files older than 7 days", 'find /var/log -name "*.log" -mtime +30 -delete')).toBe(
      'find {{path}} -name "*.log" -mtime +{{number}} -delete',
    );
    expect(own("bash", "find text files containing foo", "find . -type f -name '*.txt' -exec grep -l 'foo' {} \\; 2>/dev/null")).toBe(
      "find . -type f -name '*.txt' -exec grep -l 'foo' {} \\; 2>/dev/null",
    );
    expect(own("bash", "show the first 5 lines", "head -5 data.csv > out.txt")).toBe("head -5 {{file}} > {{file}}");
    expect(own("bash", "extract it", "tar -xzvf archive.tar.gz --exclude=*.tmp")).toBe("tar -xzvf {{file}} --exclude={{file}}");
    expect(own("bash", "print the first column", "awk '{print $1}' f", ["print"])).toBe("awk '{print $1}' f");
    expect(own("bash", "count lines", 'grep -c "ERROR" log', [])).toBe('grep -c "{{text}}" log');
    expect(own("bash", "count lines", 'grep -c "error" log', ["error"])).toBe('grep -c "error" log'); // the language's word
    expect(own("bash", "list", 'ls -l /dev/null ~ . "$HOME" 2>&1')).toBe('ls -l /dev/null ~ . "$HOME" 2>&1');
    expect(findLiterals("bash", "cmd 2>&1 >>log -n 3")).toEqual([[18, 19, "number"]]);
  });

  it("Python: string and number literals; not an f-string with fields, 0 or 1", () => {
    expect(own("python", "save df to csv", "df.to_csv('data.csv', index=False, sep=',')")).toBe("df.to_csv('{{file}}', index=False, sep=',')");
    expect(own("python", "round to two decimals", "round(x, 2) + y[0] + z[1]")).toBe("round(x, 2) + y[0] + z[1]");
    expect(own("python", "round it", "round(x, 3)")).toBe("round(x, {{number}})");
    expect(own("python", "say hello", "print(f'{name}!', 'hello', 'bye')")).toBe("print(f'{name}!', 'hello', '{{text}}')");
    expect(own("python", "x", "x = 'a' # 'comment'")).toBe("x = 'a' # 'comment'");
  });

  it("numbers compare by value", () => {
    expect(canonicalNumber("+007.50")).toBe("7.5");
    expect(canonicalNumber("0.0")).toBe("0");
    expect(canonicalNumber(".5")).toBe("0.5");
    expect(own("cf", "greater than 7.50", "GreaterThan(7.5)")).toBe("GreaterThan(7.5)");
  });
});

describe("placeholders the request does not fill", () => {
  it("are shown as {{name}} of their kind with `editable`, and left out without", () => {
    const values = new Map([["⟨num0⟩", "7"]]);
    const code = "find ⟨path0⟩ -name ⟨file1⟩ -mtime +⟨num0⟩ -exec grep ⟨str0⟩ ⟨val2⟩ ⟨var0⟩ ⟨sep⟩";
    expect(fillSlots(code, values, true)).toBe("find {{path}} -name {{file}} -mtime +7 -exec grep {{text}} {{text}} {{name}} ");
    expect(fillSlots(code, values)).toBe("find  -name  -mtime +7 -exec grep    ");
    expect(fillSlots("GreaterThan(⟨col0⟩, ⟨num1⟩)", values, true)).toBe("GreaterThan({{number}})");
  });

  it("are never foreign literals themselves", () => {
    const ctx = context("cf", "highlight cells");
    expect(foreignLiterals(ctx, "TextContains({{text}})")).toEqual([]);
    expect(foreignLiterals(context("bash", "x"), 'grep "{{text}}" {{file}}')).toEqual([]);
    expect(hasEditable("grep {{text}}")).toBe(true);
    expect(hasEditable("awk '{print $1}'")).toBe(false);
  });
});
