// The Web Worker that owns the engine: it wires the protocol's handler (handler.ts) to the real backend
// choice, loader, model cache and Engine. The page creates it with
//   new Worker(new URL("./engine/worker.ts", import.meta.url), { type: "module" })
// and talks to it only through WorkerRequest / WorkerResponse messages.
import { destroyWebGpuDevice, initBackend, resetBackend } from "./backend";
import { Engine } from "./engine";
import { createWorkerHandler } from "./handler";
import { loadBundle } from "./loader";
import { isBackendName, type WorkerResponse } from "./protocol";
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
  caches: scope.caches ?? null,
});

scope.onmessage = (event) => {
  void handle(event.data, (message) => scope.postMessage(message));
};
