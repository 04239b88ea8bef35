// The app's engine in Node, for the command-line tools (`npm run generate`, `npm run eval -- --functional`): a
// tfjs backend (wasm by default, with the wasm binaries from node_modules; cpu on request) and a bundle directory
// loaded through the real loader (manifest parsing, SHA-256 checks) over file: URLs.
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { Engine } from "./engine";
import { fileFetch } from "./fileFetch";
import { loadBundle, type LoadedBundle } from "./loader";

export type NodeBackend = "wasm" | "cpu";

/** Starts the backend once per process; a second call with the same backend does nothing. */
export async function startNodeBackend(backend: NodeBackend): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (backend === "wasm") {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"))}/`);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`the ${backend} backend did not start`);
  await tf.ready();
}

/** Loads the bundle in `dir` (e.g. public/models/bash) and builds its engine on the current backend. */
export async function loadNodeEngine(dir: string): Promise<{ bundle: LoadedBundle; engine: Engine }> {
  const base = pathToFileURL(`${resolve(dir)}/`).href;
  const bundle = await loadBundle(base, { fetch: fileFetch, caches: null });
  return { bundle, engine: new Engine(bundle) };
}
