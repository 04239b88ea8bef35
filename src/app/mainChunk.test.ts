// The main thread never runs tfjs: the production build's entry chunk (what index.html loads) and every chunk it
// imports statically contain no tfjs code. tfjs belongs to the engine's worker (src/engine/worker.ts), which the
// page starts with `new Worker(new URL(…))`, and to the chunks the worker imports. One `vite build` into a temporary
// folder (the same build as `npm run build` writes to dist/), then the chunks are read as text.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Strings only tfjs-core's code carries (its flag registry's URL parameter, its backend errors), minified or not.
 * The test checks that the build has them somewhere (the worker's chunks), so a tfjs upgrade that drops one
 * makes this test fail instead of pass for nothing.
 */
const TFJS_MARKERS = ["tfjsflags", "Could not initialize any backends", "tf.setBackend()"];

let outDir = "";

function chunk(file: string): string {
  return readFileSync(join(outDir, file), "utf8");
}

/** The chunks a chunk imports statically (`import … from "./x.js"`, `import "./x.js"`, `export … from`), not `import()`. */
function staticImports(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:^|[^\w.$])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["'](\.{1,2}\/[^"']+\.js)["']/g)) {
    if (m[1] !== undefined) found.add(m[1]);
  }
  return [...found];
}

/** index.html's module scripts and module preloads, then everything they import statically, as paths under outDir. */
function mainChunks(): string[] {
  const html = chunk("index.html");
  const entries = [
    ...[...html.matchAll(/<script[^>]*type="module"[^>]*src="\/([^"]+)"/g)].map((m) => m[1] ?? ""),
    ...[...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/([^"]+)"/g)].map((m) => m[1] ?? ""),
  ];
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift() ?? "";
    if (seen.has(file)) continue;
    seen.add(file);
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/") + 1) : "";
    for (const spec of staticImports(chunk(file))) queue.push(new URL(spec, `file:///${dir}`).pathname.slice(1));
  }
  return [...seen];
}

describe("the production build", () => {
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), "codefusion-build-"));
    await build({ root: ROOT, logLevel: "error", build: { outDir, emptyOutDir: true } });
  }, 180_000);

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it("has tfjs in some chunk (the worker's), so the markers below are real", () => {
    const all = readdirSync(join(outDir, "assets"))
      .filter((f) => f.endsWith(".js"))
      .map((f) => chunk(join("assets", f)))
      .join("\n");
    for (const marker of TFJS_MARKERS) expect(all, marker).toContain(marker);
  });

  it("loads a main chunk (index.html's entry and its static imports) with no tfjs in it", () => {
    const chunks = mainChunks();
    expect(chunks.some((f) => /^assets\/index-.*\.js$/.test(f))).toBe(true);
    for (const file of chunks) {
      const code = chunk(file);
      for (const marker of [...TFJS_MARKERS, "@tensorflow"]) expect(code.includes(marker), `${file} contains "${marker}"`).toBe(false);
    }
  });
});
