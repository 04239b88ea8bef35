// The Web Worker that owns the engine: it wires the protocol's dispatcher (protocol.ts) to the real backend
// choice, loader and Engine. The page creates it with
//   new Worker(new URL("./engine/worker.ts", import.meta.url), { type: "module" })
// and talks to it only through WorkerRequest / WorkerResponse messages.
import { destroyWebGpuDevice, initBackend, isBackendName, resetBackend } from "./backend";
import { Engine } from "./engine";
import { clearCachedModels, loadBundle } from "./loader";
import { createWorkerHandler, type WorkerResponse } from "./protocol";
import { WASM_PATHS } from "./wasmPaths";

const scope = self as unknown as {
  postMessage(message: WorkerResponse): void;
  onmessage: ((event: MessageEvent<unknown>) => void) | null;
  caches?: CacheStorage;
};

const handle = createWorkerHandler({
  prepareBackend: (override) => initBackend({ override, wasmPaths: WASM_PATHS }),
  resetBackend: (name) => {
    if (isBackendName(name)) resetBackend(name);
  },
  loseDevice: destroyWebGpuDevice,
  loadBundle: (baseUrl, onProgress, signal) =>
    loadBundle(baseUrl, { fetch: (input, init) => fetch(input, init), caches: scope.caches ?? null }, onProgress, signal),
  createEngine: (bundle) => new Engine(bundle),
  clearCache: async () => (scope.caches ? clearCachedModels(scope.caches) : 0),
});

scope.onmessage = (event) => {
  void handle(event.data, (message) => scope.postMessage(message));
};
