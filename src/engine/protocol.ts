// The message protocol between the page and the Web Worker that owns the Engine, and the worker's dispatcher.
// createWorkerHandler(deps) is pure (no `self`, no tfjs import): the worker file only wires it up, e.g.
//   const handle = createWorkerHandler({ ...realDeps });
//   self.onmessage = (e: MessageEvent<unknown>) => void handle(e.data, (m) => self.postMessage(m));
// and tests drive it with fakes or with the real Engine on the cpu backend.
import type { LanguageId, SamplerDefaults } from "../bundle/manifest";
import { abortError, isAbortError, type Candidate, type GenerationRequest, type GenerationStep } from "./engine";
import type { LoadedBundle, LoadProgress } from "./loader";

export type WorkerRequest =
  | { type: "load"; baseUrl: string }
  | { type: "generate"; id: string; request: GenerationRequest }
  | { type: "cancel"; id: string }
  | { type: "clear-cache" };

export type WorkerResponse =
  | { type: "progress"; progress: LoadProgress }
  | {
      type: "ready";
      /** The tfjs backend in use ("webgl", "wasm", "cpu", …) and why it was chosen (e.g. a fallback). */
      backend: string;
      reason: string;
      language: LanguageId;
      sampler: SamplerDefaults;
      maxUtteranceLen: number;
      cacheWarning?: string;
    }
  | { type: "step"; id: string; step: GenerationStep }
  | { type: "done"; id: string; candidates: Candidate[] }
  | { type: "cache-cleared"; removed: number }
  /** id: the generation it concerns (absent for load, clear-cache and malformed messages); cancelled: an abort. */
  | { type: "error"; id?: string; message: string; cancelled?: boolean };

/** What the worker needs of an engine (Engine implements it). */
export interface EngineLike {
  readonly language: LanguageId;
  readonly sampler: SamplerDefaults;
  readonly maxUtteranceLen: number;
  readonly cacheWarning: string | undefined;
  generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationStep>;
  dispose(): void;
}

export interface WorkerDeps {
  /** Pick and initialise the tfjs backend; called once per load, before the engine is built. */
  prepareBackend(): Promise<{ backend: string; reason: string }>;
  loadBundle(baseUrl: string, onProgress: (p: LoadProgress) => void, signal: AbortSignal): Promise<LoadedBundle>;
  createEngine(bundle: LoadedBundle): EngineLike;
  /** Empties the model cache; resolves to the number of shards removed. */
  clearCache(): Promise<number>;
}

export type Post = (message: WorkerResponse) => void;
export type WorkerHandler = (message: unknown, post: Post) => Promise<void>;

const CANCELLED_MESSAGE = "cancelled";

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isGenerationRequest(value: unknown): value is GenerationRequest {
  if (!isRecord(value)) return false;
  const optionalNumber = (key: string): boolean => value[key] === undefined || typeof value[key] === "number";
  return (
    typeof value.utterance === "string" &&
    typeof value.seed === "number" &&
    optionalNumber("steps") &&
    optionalNumber("samples") &&
    optionalNumber("decodeEvery")
  );
}

/** Checks the shape of a message from the page; null when it is not a WorkerRequest. */
export function parseWorkerRequest(message: unknown): WorkerRequest | null {
  if (!isRecord(message)) return null;
  switch (message.type) {
    case "load":
      return typeof message.baseUrl === "string" ? { type: "load", baseUrl: message.baseUrl } : null;
    case "generate":
      return typeof message.id === "string" && isGenerationRequest(message.request)
        ? { type: "generate", id: message.id, request: message.request }
        : null;
    case "cancel":
      return typeof message.id === "string" ? { type: "cancel", id: message.id } : null;
    case "clear-cache":
      return { type: "clear-cache" };
    default:
      return null;
  }
}

/**
 * The worker's dispatcher. One engine at a time: a new load cancels a load in progress and any generation, and
 * replaces the engine once the new one is ready. One generation at a time: a new generate cancels the running one
 * (which ends with an error message, cancelled: true). Each message's promise settles when its work is over
 * (for generate: after "done" or "error"); it never rejects, failures are posted as error messages.
 */
export function createWorkerHandler(deps: WorkerDeps): WorkerHandler {
  let engine: EngineLike | null = null;
  let loading: AbortController | null = null;
  const generations = new Map<string, AbortController>();

  const cancelAll = (): void => {
    for (const controller of generations.values()) controller.abort();
  };

  async function load(baseUrl: string, post: Post): Promise<void> {
    loading?.abort();
    cancelAll();
    const controller = new AbortController();
    loading = controller;
    try {
      const { backend, reason } = await deps.prepareBackend();
      const bundle = await deps.loadBundle(baseUrl, (progress) => post({ type: "progress", progress }), controller.signal);
      if (controller.signal.aborted) throw abortError("the load was superseded");
      engine?.dispose();
      engine = null;
      const next = deps.createEngine(bundle);
      engine = next;
      const ready: WorkerResponse = {
        type: "ready",
        backend,
        reason,
        language: next.language,
        sampler: next.sampler,
        maxUtteranceLen: next.maxUtteranceLen,
      };
      if (next.cacheWarning !== undefined) ready.cacheWarning = next.cacheWarning;
      post(ready);
    } catch (err) {
      // A superseded load stays quiet: the newer one reports.
      if (!(controller.signal.aborted && isAbortError(err))) post({ type: "error", message: errorMessage(err) });
    } finally {
      if (loading === controller) loading = null;
    }
  }

  async function generate(id: string, request: GenerationRequest, post: Post): Promise<void> {
    if (!engine) {
      post({ type: "error", id, message: "the model is not loaded" });
      return;
    }
    if (generations.has(id)) {
      post({ type: "error", id, message: `a generation with id ${id} is already running` });
      return;
    }
    cancelAll();
    const controller = new AbortController();
    generations.set(id, controller);
    try {
      for await (const step of engine.generate(request, controller.signal)) {
        post({ type: "step", id, step });
        if (step.done) post({ type: "done", id, candidates: step.candidates });
      }
    } catch (err) {
      if (isAbortError(err)) post({ type: "error", id, message: CANCELLED_MESSAGE, cancelled: true });
      else post({ type: "error", id, message: errorMessage(err) });
    } finally {
      generations.delete(id);
    }
  }

  return async (message, post) => {
    const request = parseWorkerRequest(message);
    if (!request) {
      const type = isRecord(message) && typeof message.type === "string" ? message.type : typeof message;
      const id = isRecord(message) && typeof message.id === "string" ? message.id : undefined;
      const error: WorkerResponse = { type: "error", message: `unknown or malformed message (${type})` };
      if (id !== undefined) error.id = id;
      post(error);
      return;
    }
    switch (request.type) {
      case "load":
        return load(request.baseUrl, post);
      case "generate":
        return generate(request.id, request.request, post);
      case "cancel":
        // Cancelling an id that is not running (finished, or never started) is a no-op.
        generations.get(request.id)?.abort();
        return;
      case "clear-cache":
        try {
          post({ type: "cache-cleared", removed: await deps.clearCache() });
        } catch (err) {
          post({ type: "error", message: errorMessage(err) });
        }
        return;
    }
  };
}
