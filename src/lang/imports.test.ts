// The language modules form no import cycle (type imports included): a type lives in the module that produces it,
// so e.g. bashCommands.ts and bashDanger.ts never import bash.ts, which re-exports from them.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const DIR = new URL("./", import.meta.url);

/** Each module of src/lang (no tests) and the modules of src/lang it imports or re-exports from. */
function importGraph(): Map<string, string[]> {
  const modules = readdirSync(DIR).filter((f) => /\.tsx?$/.test(f) && !f.includes(".test."));
  const graph = new Map<string, string[]>();
  for (const file of modules) {
    const code = readFileSync(new URL(file, DIR), "utf8");
    const deps = [...code.matchAll(/(?:import|export)\s[^;]*?from\s+"\.\/([\w.]+)"/g)]
      .map((m) => `${m[1]}.ts`)
      .filter((dep) => modules.includes(dep));
    graph.set(file, deps);
  }
  return graph;
}

/** A cycle as a path of modules (first = last), or null. */
function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    if (state.get(node) === "done") return null;
    state.set(node, "open");
    path.push(node);
    for (const dep of graph.get(node) ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe("src/lang imports", () => {
  it("sees the Bash modules' imports", () => {
    const graph = importGraph();
    expect(graph.get("bash.ts")).toEqual(expect.arrayContaining(["bashCommands.ts", "bashDanger.ts", "bashParser.ts"]));
  });

  it("form no cycle", () => {
    expect(findCycle(importGraph())).toBeNull();
  });
});
