// The seam between the page and the Web Worker that owns the model: the messages each way, and the names the page
// may use (backends). This file imports no tfjs and no engine code at run time (type imports only), so the main
// thread can import it freely; the worker's side of the conversation is handler.ts.

import type { LanguageId, SamplerDefaults } from "../bundle/manifest";
import type { Candidate, GenerationRequest, GenerationStep } from "./engine";
import type { LoadProgress } from "./loader";

/** The tfjs backends the worker can run on (backend.ts picks one; the page may ask for one). */
export const BACKENDS = ["webgpu", "wasm", "webgl", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === "string" && (BACKENDS as readonly string[]).includes(value);
}

/** One file in the model cache: its URL (the cache key, under a bundle's base URL) and its size in bytes. */
export interface CachedFile {
  url: string;
  bytes: number;
}

export type WorkerRequest =
  /** backend: an override of the automatic choice (backend.ts), for tests and curious users. */
  | { type: "load"; baseUrl: string; backend?: BackendName }
  | { type: "generate"; id: string; request: GenerationRequest }
  | { type: "cancel"; id: string }
  /** Every file in the model cache (answered by "cache-list" with the same id). */
  | { type: "list-cache"; id: string }
  /** Deletes the cached files of the bundle at baseUrl, or the whole model cache without one ("cache-cleared"). */
  | { type: "clear-cache"; id: string; baseUrl?: string }
  /** How many tokens a prompt takes (the model reads at most maxUtteranceLen of them). */
  | { type: "count-tokens"; id: string; text: string }
  /** Destroys the WebGPU device, as a driver reset would: how tests reach the lost-device path. */
  | { type: "lose-device" };

export type WorkerResponse =
  | { type: "progress"; progress: LoadProgress }
  /** The weights are loaded; one short run now compiles every kernel (part of loading). */
  | { type: "warming-up"; backend: string }
  | {
      type: "ready";
      /** The tfjs backend in use ("webgl", "wasm", "cpu", …) and why it was chosen (e.g. a fallback). */
      backend: string;
      reason: string;
      language: LanguageId;
      sampler: SamplerDefaults;
      maxUtteranceLen: number;
      /** Diffusion steps T of the schedule (t of the step items runs from T down to 1). */
      T: number;
      /** How long the warm-up run took, ms. */
      warmupMs: number;
      cacheWarning?: string;
    }
  | { type: "step"; id: string; step: GenerationStep }
  | { type: "done"; id: string; candidates: Candidate[] }
  | { type: "cache-list"; id: string; files: CachedFile[] }
  | { type: "cache-cleared"; id: string; removed: number }
  /** words/unknownWords: the request's words and those no known request uses (Engine.unknownWords; absent for a
   * model without retrieval). */
  | { type: "tokens"; id: string; count: number; max: number; words?: number; unknownWords?: string[] }
  /** The WebGPU device was lost; a running generation ends with an error, the next request re-initialises. */
  | { type: "device-lost"; message: string }
  /** id: the request it answers (absent for load and for malformed messages without one); cancelled: an abort. */
  | { type: "error"; id?: string; message: string; cancelled?: boolean; deviceLost?: boolean };
