// Browser side of the parity test (e2e/parity.spec.ts): the golden check of the Node tests, on a real browser
// backend (WebGPU through SwiftShader, wasm, WebGL). Publishes its result as window.parityResult.
import { initBackend } from "../../src/engine/backend";
import { isBackendName } from "../../src/engine/protocol";
import { checkGolden, checkGoldenEdit, type Golden, type GoldenEditReport, type GoldenReport } from "../../tests/goldenCheck";
import { loadBundle } from "../../src/engine/loader";
import { WASM_PATHS } from "../../src/engine/wasmPaths";

export type ParityResult = { backend: string; reason: string; report: GoldenReport; edit: GoldenEditReport } | { error: string };

declare global {
  interface Window {
    parityResult?: ParityResult;
  }
}

const GOLDEN = "/testdata/golden/";

async function run(): Promise<ParityResult> {
  const requested = new URLSearchParams(location.search).get("backend");
  const choice = await initBackend({ override: isBackendName(requested) ? requested : undefined, wasmPaths: WASM_PATHS });
  const response = await fetch(`${GOLDEN}golden.json`);
  if (!response.ok) throw new Error(`golden.json: HTTP ${response.status}`);
  const golden = (await response.json()) as Golden;
  // The bundle through the app's own loader (manifest, tokenizer, SHA-256 of every shard), without the cache.
  const bundle = await loadBundle(GOLDEN, { fetch: (input, init) => fetch(input, init), caches: null });
  const report = await checkGolden(golden, bundle);
  const edit = await checkGoldenEdit(golden, bundle); // retrieve and edit: samples that start from known codes
  return { backend: choice.backend, reason: choice.reason, report, edit };
}

const output = document.getElementById("result");
run()
  .catch((err: unknown): ParityResult => ({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }))
  .then((result) => {
    window.parityResult = result;
    if (output) output.textContent = JSON.stringify(result, null, 2);
  });
