// analyzeCode: what each language's views are told about a piece of code.
import { describe, expect, it } from "vitest";
import { analyzeCode } from "./analyze";

describe("analyzeCode", () => {
  it("Bash: finds destructive patterns, checks no syntax, explains utilities and flags", async () => {
    const analysis = analyzeCode("bash", "sudo rm -rf /");
    expect(analysis.dangers.map((d) => d.id)).toContain("rm-recursive-broad");
    expect(analysis.syntax).toBeNull();
    expect(analysis.marker).toBeNull();
    const explained = await analysis.explain?.();
    expect(explained?.items.map((u) => u.utility)).toEqual(["sudo", "rm"]);
    expect(explained?.items[1]?.flags.map((f) => f.flag)).toContain("-r");
    expect(explained?.source).toMatch(/tldr/);
  });

  it("Bash: a harmless command has no dangers", () => {
    expect(analyzeCode("bash", 'echo "rm -rf /"').dangers).toEqual([]);
  });

  it("Python: valid code parses, with no marker and no dangers", () => {
    const analysis = analyzeCode("python", "x = [i * 2 for i in range(3)]");
    expect(analysis.syntax).toEqual({ valid: true });
    expect(analysis.marker).toBeNull();
    expect(analysis.dangers).toEqual([]);
    expect(analysis.explain).toBeNull();
  });

  it("Python: a syntax error gives the verdict and a marker at the place the parse stops", () => {
    const code = "def f(:\n    return 1";
    const analysis = analyzeCode("python", code);
    expect(analysis.syntax?.valid).toBe(false);
    const error = analysis.syntax?.error;
    expect(error).toBeDefined();
    expect(analysis.marker).toEqual({ message: error?.message, offset: error?.position });
    expect(analysis.marker?.offset).toBeGreaterThan(0);
    expect(analysis.marker?.offset).toBeLessThan(code.length);
  });

  it("CF rules: nothing to check here (the preview shows what the rule does)", () => {
    expect(analyzeCode("cf", "=A1>5")).toEqual({ dangers: [], syntax: null, marker: null, explain: null });
  });

  it("Python code is not checked for Bash dangers, nor Bash code for Python syntax", () => {
    expect(analyzeCode("python", "import os; os.system('rm -rf /')").dangers).toEqual([]);
    expect(analyzeCode("bash", "def f(:").syntax).toBeNull();
  });
});
