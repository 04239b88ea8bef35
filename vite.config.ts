/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  server: { port: 5173 },
  // ES module workers, so the engine's worker can load each tfjs backend on demand (dynamic imports).
  worker: { format: "es" },
  // Monaco (~3.7 MB) and the Bash explanation table (1.4 MB, loaded on demand) are large by nature.
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
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
    testTimeout: 120_000,
  },
});
