// The browser side of `npm run bench` (scripts/bench.mjs): bench/benchmark.ts on one backend, with the bundle
// fetched like the app fetches it (loader.ts, Cache API). Publishes the result as window.benchResult.
//   ?backend=webgpu|wasm|webgl|cpu   (default: the app's automatic choice)
//   ?model=/models/cf/               (default: the first of /models/{cf,bash,python}/ with a manifest, else the golden bundle)
//   ?only=warm                       (a warm load alone: run it in a new page after a full run, whose load filled the cache)
//   ?plan=default|slow               (default: slow for software WebGPU/WebGL and the cpu backend)
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, probeWebGpu } from "../src/engine/backend";
import { isBackendName } from "../src/engine/protocol";
import { DEFAULT_PLAN, runBenchmark, SLOW_BACKEND_PLAN, type BenchResult } from "./benchmark";
import { clearCachedModels, loadBundle } from "../src/engine/loader";
import { WASM_PATHS } from "../src/engine/wasmPaths";

export type BenchPageResult = BenchResult | { error: string };

declare global {
  interface Window {
    benchResult?: BenchPageResult;
  }
}

const MODEL_CANDIDATES = ["/models/cf/", "/models/bash/", "/models/python/"];
const GOLDEN = "/testdata/golden/";

const logElement = document.getElementById("log");
function log(message: string): void {
  console.log(`[bench] ${message}`);
  if (logElement) logElement.textContent += `${message}\n`;
}

/** The dev server answers unknown paths with index.html (status 200): a manifest is JSON of our format. */
async function hasManifest(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}manifest.json`, { cache: "no-store" });
    if (!response.ok) return false;
    const json = (await response.json()) as { format?: unknown };
    return json.format === "codefusion-bundle";
  } catch {
    return false;
  }
}

async function defaultModel(): Promise<string> {
  for (const base of MODEL_CANDIDATES) if (await hasManifest(base)) return base;
  return GOLDEN;
}

async function deviceDescription(backend: string): Promise<{ device: string; software: boolean }> {
  if (backend === "webgpu") {
    const probe = await probeWebGpu();
    const software = probe.kind === "fallback";
    const what = "description" in probe ? probe.description : probe.kind;
    return { device: `WebGPU adapter: ${what}${software ? " (software fallback)" : ""}`, software };
  }
  if (backend === "wasm") {
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    return { device: `WebAssembly, SIMD ${simd ? "on" : "off"}, threads ${threads ? "on" : "off"}`, software: false };
  }
  if (backend === "webgl") {
    const version = tf.env().getNumber("WEBGL_VERSION");
    const gl = document.createElement("canvas").getContext("webgl2");
    const debug = gl?.getExtension("WEBGL_debug_renderer_info");
    const renderer = gl ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : "unknown renderer";
    return { device: `WebGL ${version}: ${renderer}`, software: /swiftshader|llvmpipe|software/i.test(renderer) };
  }
  return { device: "plain JavaScript (tfjs cpu backend)", software: false };
}

async function run(): Promise<BenchResult> {
  const params = new URLSearchParams(location.search);
  const requested = params.get("backend");
  const choice = await initBackend({ override: isBackendName(requested) ? requested : undefined, wasmPaths: WASM_PATHS });
  if (isBackendName(requested) && choice.backend !== requested) {
    throw new Error(`${requested} was requested but ${choice.backend} runs (${choice.reason})`);
  }
  const modelUrl = params.get("model") ?? (await defaultModel());
  const { device, software } = await deviceDescription(choice.backend);
  // Software WebGPU / WebGL (SwiftShader) and the plain-JS cpu backend get the slow plan (fewer repetitions, K capped).
  const slow = params.get("plan") === "slow" || (params.get("plan") !== "default" && (software || choice.backend === "cpu"));
  const plan = slow ? SLOW_BACKEND_PLAN : DEFAULT_PLAN;
  const only = params.get("only");
  log(`${choice.backend} (${device}), model ${modelUrl}, plan ${slow ? "slow" : "default"}`);
  return runBenchmark(
    {
      load: async () => {
        let fromCache = true;
        const bundle = await loadBundle(modelUrl, { fetch: (input, init) => fetch(input, init), caches }, (p) => {
          if (p.phase === "done") fromCache = p.shards.every((s) => s.fromCache);
        });
        return { bundle, fromCache };
      },
      clearCache: () => clearCachedModels(caches),
      log,
    },
    {
      backend: choice.backend,
      reason: choice.reason,
      device,
      modelUrl,
      plan,
      ...(only === "warm" || only === "cold" ? { loadOnly: only } : {}),
    },
  );
}

const output = document.getElementById("result");
run()
  .catch((err: unknown): BenchPageResult => ({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }))
  .then((result) => {
    window.benchResult = result;
    if (output) output.textContent = JSON.stringify(result, null, 2);
  });
