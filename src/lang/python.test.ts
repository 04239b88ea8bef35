// Python 3 syntax check (src/lang/python.ts) against CPython 3.12.1's `ast.parse`: a hand-made list of tricky cases
// (verdicts pasted from CPython 3.12.1), every benchmark code, every stdlib snippet, and the 4,000 token-level mutants
// of src/lang/python.fixture.json (generator and figures: docs/python-metrics.md).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkPythonSyntax, isValidPython } from "./python";

function readData(relativeToRoot: string): string {
  return readFileSync(fileURLToPath(new URL(`../../${relativeToRoot}`, import.meta.url)), "utf8");
}

interface Fixture {
  python: string;
  benchmarkRejected: number[];
  stdlibRejected: number[];
  mutants: [string, boolean][];
}

interface BenchmarkItem {
  ID: number;
  "NL Utterance": string;
  Code: string;
}

// [code, CPython 3.12.1 ast.parse accepts it]
const TRICKY: [string, boolean][] = [
  ["x = (1, 2", false],
  ["foo(a, [b, c)", false],
  ["{'a': 1", false],
  ["print \"x\"", false],
  ["print x, y", false],
  ["print(\"x\")", true],
  ["print", true],
  ["print >>sys.stderr, \"x\"", true],
  ["(y := f(x))", true],
  ["if (n := len(a)) > 10:\n    pass", true],
  ["y := f(x)", false],
  ["[y := 1, y**2]", true],
  ["f\"{x!r:>10}\"", true],
  ["f\"{x['a']}\"", true],
  ["f'{a} {b:{w}}'", true],
  ["f\"{x[\"a\"]}\"", true],
  ["f'{'nested'}'", true],
  ["f\"{'a' + \"b\"}\"", true],
  ["f'{x'", false],
  ["lambda x, y=2, *a, **k: x + y", true],
  ["f = lambda: 0", true],
  ["lambda x=1, y: 0", false],
  ["lambda *a, *b: 0", false],
  ["x if y else z", true],
  ["a = x if y else z", true],
  ["x if y", false],
  ["x = 1 if 2 else", false],
  ["@dec\ndef f():\n    pass", true],
  ["@a.b(c)\n@d\nclass C:\n    pass", true],
  ["@dec\nx = 1", false],
  ["match command:\n    case [x, *rest]:\n        pass\n    case {'k': v, **kw}:\n        pass\n    case Point(x=0) | None:\n        pass\n    case _:\n        pass", true],
  ["match = 1", true],
  ["match(x)", true],
  ["def f():\n  return 1\n    x = 2", false],
  ["def f():\nreturn 1", false],
  ["if x:\n    pass\n  else:\n    pass", false],
  ["  x = 1", false],
  ["x = 1\n    y = 2", false],
  ["a = = b", false],
  ["a == b", true],
  ["a =", false],
  ["= a", false],
  ["async def f():\n    async with a as b:\n        await c\n    async for i in x:\n        pass\n    return [y async for y in z]", true],
  ["sum(d * 10 ** i for i, d in enumerate(x[::-1]))", true],
  ["r = int(''.join(map(str, x)))", true],
  ["f(x for x in y, 1)", false],
  ["f(1, x for x in y)", false],
  ["{k: v for k, v in d.items()}", true],
  ["[x for x in y if x]", true],
  ["x = 20.", true],
  ["x = 1.__class__", false],
  ["x = 0777", false],
  ["x = 0o777", true],
  ["x = 1_000", true],
  ["x = 1__000", false],
  ["x = 123L", false],
  ["x = yield", true],
  ["(yield)", true],
  ["f(yield)", false],
  ["f() = 1", false],
  ["1 = x", false],
  ["None = 1", false],
  ["x.None = 1", false],
  ["a, *b = c", true],
  ["del f()", false],
  ["del a, b[0], c.d", true],
  ["for f() in x:\n    pass", false],
  ["x += 1", true],
  ["f() += 1", false],
  ["(a, b) += 1", false],
  ["x: int = 1", true],
  ["(a, b): int = 1", false],
  ["f(a=1, 2)", false],
  ["f(a=1, *b)", true],
  ["f(**k, *a)", false],
  ["f(**k, a=1)", true],
  ["def f(a=1, b):\n    pass", false],
  ["def f(a, /, b, *, c):\n    pass", true],
  ["def f(*):\n    pass", false],
  ["def f(**k, a):\n    pass", false],
  ["exec \"code\"", false],
  ["raise E, \"msg\"", false],
  ["try:\n    pass\nexcept Exception, e:\n    pass", false],
  ["try:\n    pass\nexcept (A, B) as e:\n    pass", true],
  ["a <> b", false],
  ["x = `y`", false],
  ["ur\"abc\"", false],
  ["b\"é\"", false],
  ["from a import b,", false],
  ["from a import (b,)", true],
  ["x = 1;;", false],
  ["x = 1;", true],
  ["x = 1; y = 2", true],
  ["'''multi\nline'''", true],
  ["x = (1 +\n     2)", true],
  ["x = 1 + \\\n    2", true],
  ["", true],
  ["# just a comment", true],
  ["'unterminated", false],
  ["type X = int", true],
  ["def f[T](x: T) -> T:\n    return x", true],
  ["try:\n    pass\nexcept* E:\n    pass", true],
  ["x = [*a, *b]", true],
  ["print(*a, sep='')", true],
  ["x = {**a, 'b': 1}", true],
  ["return 1", true],
  ["await x", true],
  ["class C(A, metaclass=M):\n    pass", true],
  ["global x", true],
  ["import a.b as c", true],
  ["from .. a import (b, c,)", true],
  ["x = lambda: (yield)", true],
  ["if x:\npass", false],
  ["while 1:\n    pass\nelse:\n    pass", true],
  ["for i in range(10): print(i)", true],
  ["x = [1, 2,", false],
  ["x)", false],
  ["a[1:2, ::3]", true],
  ["x = not", false],
  ["import", false],
  ["def f(:\n    pass", false],
];

describe("checkPythonSyntax: tricky cases", () => {
  it.each(TRICKY)("%j → %s", (code, valid) => {
    const result = checkPythonSyntax(code);
    expect(result.valid).toBe(valid);
    expect(isValidPython(code)).toBe(valid);
    if (valid) expect(result.error).toBeUndefined();
    else {
      expect(result.error?.message).toMatch(/\S/);
      expect(result.error?.position).toBeGreaterThanOrEqual(0);
      expect(result.error?.position).toBeLessThanOrEqual(code.length);
    }
  });

  it("points at the problem", () => {
    expect(checkPythonSyntax("a = = b").error?.position).toBe(4);
    expect(checkPythonSyntax("x = (1, 2").error).toEqual({ message: "unexpected end of input", position: 9 });
    expect(checkPythonSyntax('print "x"').error?.position).toBe(6);
    expect(checkPythonSyntax("f(a=1, 2)").error).toEqual({
      message: "positional argument follows keyword argument",
      position: 7,
    });
    expect(checkPythonSyntax("f() = 1").error).toEqual({ message: "cannot assign to function call", position: 0 });
    expect(checkPythonSyntax("x = 0777").error?.message).toMatch(/leading zeros/);
    expect(checkPythonSyntax("x = 1\n    y = 2").error).toEqual({ message: "unexpected indent", position: 6 });
  });
});

describe("checkPythonSyntax agrees with CPython", () => {
  const fixture = JSON.parse(readData("src/lang/python.fixture.json")) as Fixture;

  it("on every CodeFusion Python benchmark code (train + test)", () => {
    const data = JSON.parse(readData("data/codefusion/benchmarks/PythonBenchmarks.json")) as {
      train: BenchmarkItem[];
      test: BenchmarkItem[];
    };
    const codes = [...data.train, ...data.test].map((item) => item.Code);
    expect(codes.length).toBe(2879);
    const rejected = new Set(fixture.benchmarkRejected);
    const disagreements = codes.filter((code, i) => isValidPython(code) === rejected.has(i));
    const agreement = 1 - disagreements.length / codes.length;
    expect(agreement).toBeGreaterThanOrEqual(0.99);
    expect(disagreements).toEqual([]); // measured: 2,879 / 2,879
  });

  it("on every stdlib snippet", () => {
    const lines = readData("data/python-stdlib/snippets.txt").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    expect(lines.length).toBe(64134);
    const rejected = new Set(fixture.stdlibRejected);
    const disagreements = lines.filter((code, i) => isValidPython(code) === rejected.has(i));
    expect(disagreements).toEqual([]); // measured: 64,134 / 64,134
  }, 60_000);

  it("on the mutants of the fixture (valid and invalid)", () => {
    expect(fixture.python).toBe("3.12.1");
    expect(fixture.mutants.length).toBe(4000);
    const valid = fixture.mutants.filter(([, v]) => v).length;
    expect(valid).toBe(1763);
    const disagreements = fixture.mutants.filter(([code, v]) => isValidPython(code) !== v);
    expect(disagreements).toEqual([]); // measured: 4,000 / 4,000
  });
});
