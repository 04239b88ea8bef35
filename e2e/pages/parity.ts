// Browser side of the parity test (e2e/parity.spec.ts): the golden check of the Node tests, on a real browser
// backend (WebGPU through SwiftShader, wasm, WebGL). Publishes its result as window.parityResult.
import { parseManifest, verifyShard } from "../../src/bundle/manifest";
import { initBackend, isBackendName } from "../../src/engine/backend";
import { checkGolden, type Golden, type GoldenReport } from "../../src/engine/goldenCheck";
import { WASM_PATHS } from "../../src/engine/wasmPaths";

export type ParityResult = { backend: string; reason: string; report: GoldenReport } | { error: string };

declare global {
  interface Window {
    parityResult?: ParityResult;
  }
}

const GOLDEN = "/testdata/golden/";

async function fetchOk(file: string): Promise<Response> {
  const response = await fetch(GOLDEN + file);
  if (!response.ok) throw new Error(`${file}: HTTP ${response.status}`);
  return response;
}

async function run(): Promise<ParityResult> {
  const requested = new URLSearchParams(location.search).get("backend");
  const choice = await initBackend({ override: isBackendName(requested) ? requested : undefined, wasmPaths: WASM_PATHS });
  const golden = (await (await fetchOk("golden.json")).json()) as Golden;
  const manifest = parseManifest(await (await fetchOk("manifest.json")).json());
  const tokenizerJson: unknown = await (await fetchOk(manifest.tokenizer.file)).json();
  const shards: ArrayBuffer[] = [];
  for (const shard of manifest.shards) {
    const bytes = await (await fetchOk(shard.file)).arrayBuffer();
    await verifyShard(shard, bytes);
    shards.push(bytes);
  }
  const report = await checkGolden(golden, manifest, shards, tokenizerJson);
  return { backend: choice.backend, reason: choice.reason, report };
}

const output = document.getElementById("result");
run()
  .catch((err: unknown): ParityResult => ({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }))
  .then((result) => {
    window.parityResult = result;
    if (output) output.textContent = JSON.stringify(result, null, 2);
  });
