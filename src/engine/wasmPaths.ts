// The wasm backend's binaries, served by the app itself (never a CDN): Vite copies each into the build and gives
// its URL. Imported only by code that runs under Vite (the worker, the browser test and bench pages).
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";

/** File name → URL, the form tfjs-backend-wasm's setWasmPaths takes. */
export const WASM_PATHS: Record<string, string> = {
  "tfjs-backend-wasm.wasm": wasmPlain,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
};
