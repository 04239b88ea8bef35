/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Cross-origin isolation (COOP + COEP): what lets the wasm backend run on several threads (SharedArrayBuffer).
// The static build needs the same two headers from its host (docs/engine.md, "Threads").
const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  // ES module workers, so the engine's worker can load each tfjs backend on demand (dynamic imports).
  worker: {
    format: "es",
    // Not minified: tfjs-backend-wasm starts its pthreads from the source text of its threaded factory
    // (factory.toString() in a Blob), which must not refer to names the minifier renamed in the enclosing scope
    // ("ReferenceError: e is not defined" in every pthread, the model never loads). The main chunk stays minified.
    rollupOptions: { output: { minify: false } },
  },
  // Monaco (~3.7 MB) and the Bash explanation table (0.78 MB, loaded on demand) are large by nature.
  build: { chunkSizeWarningLimit: 4096 },
  // Pre-bundle what the worker and pages import lazily, so the dev server never reloads mid-test to add them.
  optimizeDeps: {
    entries: ["index.html", "src/engine/worker.ts", "e2e/pages/*.html", "bench/*.html"],
    include: [
      "@huggingface/tokenizers",
      "@tensorflow/tfjs-core",
      "@tensorflow/tfjs-backend-cpu",
      "@tensorflow/tfjs-backend-wasm",
      "@tensorflow/tfjs-backend-webgl",
      "@tensorflow/tfjs-backend-webgpu",
    ],
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "bench/**/*.test.ts"],
    environment: "node",
    testTimeout: 120_000,
  },
});
