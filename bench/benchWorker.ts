// The worker of `npm run bench`'s page (bench.ts starts it with the page's query): bench/benchmark.ts on one
// backend, in a Web Worker as the app runs its engine (worker.ts), with the bundle fetched like the app fetches it
// (loader.ts, Cache API). Posts {log} lines, then {result}.
//   ?backend=webgpu|wasm|webgl|cpu   (default: the app's automatic choice)
//   ?model=/models/cf/               (default: the first of /models/{cf,bash,python}/ with a manifest, else the golden bundle)
//   ?only=warm                       (a warm load alone: run it in a new page after a full run, whose load filled the cache)
//   ?plan=default|slow               (default: slow for software WebGPU/WebGL and the cpu backend)
//   ?threads=1                       (wasm: at most this many threads; default: every core the page may use)
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, probeWebGpu, wasmThreadCount } from "../src/engine/backend";
import { isBackendName } from "../src/engine/protocol";
import { DEFAULT_PLAN, runBenchmark, SLOW_BACKEND_PLAN, type BenchResult } from "./benchmark";
import { clearCachedModels, loadBundle } from "../src/engine/loader";
import { WASM_PATHS } from "../src/engine/wasmPaths";

export type BenchPageResult = BenchResult | { error: string };

/** What the worker posts to the page. */
export type BenchMessage = { log: string } | { result: BenchPageResult };

function post(message: BenchMessage): void {
  (self as unknown as { postMessage(m: BenchMessage): void }).postMessage(message);
}

const MODEL_CANDIDATES = ["/models/cf/", "/models/bash/", "/models/python/"];
const GOLDEN = "/testdata/golden/";

function log(message: string): void {
  post({ log: message });
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
    const threads = await wasmThreadCount();
    return { device: `WebAssembly, SIMD ${simd ? "on" : "off"}, ${threads} thread${threads > 1 ? "s" : ""}`, software: false };
  }
  if (backend === "webgl") {
    const version = tf.env().getNumber("WEBGL_VERSION");
    const gl = new OffscreenCanvas(1, 1).getContext("webgl2");
    const debug = gl?.getExtension("WEBGL_debug_renderer_info");
    const renderer = gl ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : "unknown renderer";
    return { device: `WebGL ${version}: ${renderer}`, software: /swiftshader|llvmpipe|software/i.test(renderer) };
  }
  return { device: "plain JavaScript (tfjs cpu backend)", software: false };
}

async function run(query: string): Promise<BenchResult> {
  const params = new URLSearchParams(query);
  const requested = params.get("backend");
  const maxThreads = Number(params.get("threads") ?? NaN);
  const choice = await initBackend({
    override: isBackendName(requested) ? requested : undefined,
    wasmPaths: WASM_PATHS,
    ...(Number.isInteger(maxThreads) && maxThreads >= 1 ? { maxWasmThreads: maxThreads } : {}),
  });
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
      threads: choice.backend === "wasm" ? await wasmThreadCount() : null,
      modelUrl,
      plan,
      ...(only === "warm" || only === "cold" ? { loadOnly: only } : {}),
    },
  );
}

self.onmessage = (event: MessageEvent<{ query: string }>): void => {
  run(event.data.query)
    .catch((err: unknown): BenchPageResult => ({ error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }))
    .then((result) => post({ result }));
};
