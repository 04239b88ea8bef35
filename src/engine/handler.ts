// The worker's side of the protocol (protocol.ts): it checks each message from the page and drives the engine.
// createWorkerHandler(deps) is pure (no `self`, no tfjs import of its own): worker.ts only wires it up, e.g.
//   const handle = createWorkerHandler({ ...realDeps });
//   self.onmessage = (e: MessageEvent<unknown>) => void handle(e.data, (m) => self.postMessage(m));
// and tests drive it with fakes or with the real Engine on the cpu backend. Only worker.ts imports this file.
import type { LanguageId, SamplerDefaults } from "../bundle/manifest";
import { abortError, isAbortError, type GenerationRequest, type GenerationStep } from "./engine";
import { clearCachedModel, clearCachedModels, listCachedModels, type LoadedBundle, type LoadProgress } from "./loader";
import { isBackendName, type BackendName, type WorkerRequest, type WorkerResponse } from "./protocol";

/** What the worker needs of an engine (Engine implements it). */
export interface EngineLike {
  readonly language: LanguageId;
  readonly sampler: SamplerDefaults;
  readonly maxUtteranceLen: number;
  readonly T: number;
  readonly cacheWarning: string | undefined;
  generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationStep>;
  /** Number of tokens the tokenizer gives for a text (before truncation to maxUtteranceLen). */
  countTokens(text: string): number;
  /** Engine.unknownWords (optional: a fake engine of the tests may leave it out). */
  unknownWords?(text: string): { words: number; unknown: string[] } | null;
  /** Compiles the kernels with one short run; resolves to its duration in ms. */
  warmUp(): Promise<number>;
  dispose(): void;
}

export interface PreparedBackend {
  backend: string;
  reason: string;
  /** Resolves with a message if the device behind the backend is lost (WebGPU); absent or never otherwise. */
  deviceLost?: Promise<string>;
}

export interface WorkerDeps {
  /** Pick and initialise the tfjs backend; called once per load, and again after a lost device. */
  prepareBackend(override?: BackendName): Promise<PreparedBackend>;
  /** Forget a backend whose device was lost, so the next prepareBackend() starts a new one. */
  resetBackend?(backend: string): void;
  /** Destroy the WebGPU device (lose-device message); false when the backend has none. */
  loseDevice?(): boolean;
  loadBundle(baseUrl: string, onProgress: (p: LoadProgress) => void, signal: AbortSignal): Promise<LoadedBundle>;
  createEngine(bundle: LoadedBundle): EngineLike;
  /** Where the loader keeps the model cache (the worker's `caches`); null where there is none. */
  caches: CacheStorage | null;
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
    optionalNumber("decodeEvery") &&
    optionalNumber("minStepIntervalMs") &&
    optionalNumber("editSamples") &&
    optionalNumber("editT0") &&
    (value.header === undefined || (Array.isArray(value.header) && value.header.every((h) => typeof h === "string")))
  );
}

/** Checks the shape of a message from the page; null when it is not a WorkerRequest. */
export function parseWorkerRequest(message: unknown): WorkerRequest | null {
  if (!isRecord(message)) return null;
  switch (message.type) {
    case "load": {
      if (typeof message.baseUrl !== "string") return null;
      if (message.backend === undefined) return { type: "load", baseUrl: message.baseUrl };
      return isBackendName(message.backend) ? { type: "load", baseUrl: message.baseUrl, backend: message.backend } : null;
    }
    case "generate":
      return typeof message.id === "string" && isGenerationRequest(message.request)
        ? { type: "generate", id: message.id, request: message.request }
        : null;
    case "cancel":
      return typeof message.id === "string" ? { type: "cancel", id: message.id } : null;
    case "list-cache":
      return typeof message.id === "string" ? { type: "list-cache", id: message.id } : null;
    case "clear-cache": {
      if (typeof message.id !== "string") return null;
      if (message.baseUrl === undefined) return { type: "clear-cache", id: message.id };
      return typeof message.baseUrl === "string" ? { type: "clear-cache", id: message.id, baseUrl: message.baseUrl } : null;
    }
    case "count-tokens":
      return typeof message.id === "string" && typeof message.text === "string"
        ? { type: "count-tokens", id: message.id, text: message.text }
        : null;
    case "lose-device":
      return { type: "lose-device" };
    default:
      return null;
  }
}

/** The abort reason of a generation stopped by a lost device (an AbortController's reason). */
class DeviceLostReason {
  constructor(readonly message: string) {}
}

export function deviceLostMessage(detail: string): string {
  return `The GPU device was lost (${detail}). This run stopped; the next request sets the GPU up again.`;
}

/**
 * The worker's dispatcher. One engine at a time: a new load cancels a load in progress and any generation, and
 * replaces the engine once the new one is ready (after its warm-up run). One generation at a time: a new generate
 * cancels the running one (which ends with an error message, cancelled: true). A lost WebGPU device ends the
 * running generation with an error (deviceLost: true); the next generate re-initialises the backend, rebuilds
 * the engine from the bundle already in memory and posts "ready" again before it runs. Each message's promise
 * settles when its work is over (for generate: after "done" or "error"); it never rejects, failures are posted.
 */
export function createWorkerHandler(deps: WorkerDeps): WorkerHandler {
  let engine: EngineLike | null = null;
  let bundle: LoadedBundle | null = null;
  let override: BackendName | undefined;
  let backend: PreparedBackend | null = null;
  /** Set when the device behind `backend` was lost: the detail, until the next re-initialisation. */
  let lostDevice: string | null = null;
  let loading: AbortController | null = null;
  let reviving: Promise<void> | null = null;
  const generations = new Map<string, AbortController>();

  const cancelAll = (reason?: unknown): void => {
    for (const controller of generations.values()) controller.abort(reason);
  };

  /** Prepares the backend and watches its device; a loss stops every generation. */
  async function prepare(post: Post): Promise<PreparedBackend> {
    const prepared = await deps.prepareBackend(override);
    backend = prepared;
    lostDevice = null;
    void prepared.deviceLost?.then((detail) => {
      if (backend !== prepared) return; // a device we already replaced
      lostDevice = detail;
      cancelAll(new DeviceLostReason(detail));
      post({ type: "device-lost", message: deviceLostMessage(detail) });
    });
    return prepared;
  }

  /** Builds the engine on the current backend, warms it up and says so. */
  async function start(loaded: LoadedBundle, prepared: PreparedBackend, post: Post): Promise<void> {
    const next = deps.createEngine(loaded);
    post({ type: "warming-up", backend: prepared.backend });
    let warmupMs: number;
    try {
      warmupMs = await next.warmUp();
    } catch (err) {
      next.dispose();
      throw err;
    }
    engine = next;
    bundle = loaded;
    const ready: WorkerResponse = {
      type: "ready",
      backend: prepared.backend,
      reason: prepared.reason,
      language: next.language,
      sampler: next.sampler,
      maxUtteranceLen: next.maxUtteranceLen,
      T: next.T,
      warmupMs,
    };
    if (next.cacheWarning !== undefined) ready.cacheWarning = next.cacheWarning;
    post(ready);
  }

  /** Frees the engine and, after a lost device, forgets the dead backend so prepare() asks for a new device. */
  function dropEngine(): void {
    try {
      engine?.dispose();
    } catch {
      // the old engine's tensors lived on the lost device
    }
    engine = null;
    if (backend && lostDevice !== null) deps.resetBackend?.(backend.backend);
  }

  async function load(baseUrl: string, backendOverride: BackendName | undefined, post: Post): Promise<void> {
    loading?.abort();
    cancelAll();
    const controller = new AbortController();
    loading = controller;
    try {
      const changed = backend === null || lostDevice !== null || backendOverride !== override;
      override = backendOverride;
      if (changed) dropEngine();
      const prepared = changed ? await prepare(post) : (backend as PreparedBackend);
      const loaded = await deps.loadBundle(baseUrl, (progress) => post({ type: "progress", progress }), controller.signal);
      if (controller.signal.aborted) throw abortError("the load was superseded");
      engine?.dispose();
      engine = null;
      await start(loaded, prepared, post);
    } catch (err) {
      // A superseded load stays quiet: the newer one reports.
      if (!(controller.signal.aborted && isAbortError(err))) post({ type: "error", message: errorMessage(err) });
    } finally {
      if (loading === controller) loading = null;
    }
  }

  /** After a lost device: a new device, the same weights uploaded again, warmed up. */
  async function revive(post: Post): Promise<void> {
    if (!bundle || !backend) return;
    const loaded = bundle;
    dropEngine();
    await start(loaded, await prepare(post), post);
  }

  async function generate(id: string, request: GenerationRequest, post: Post): Promise<void> {
    if (lostDevice !== null && bundle) {
      try {
        reviving ??= revive(post).finally(() => {
          reviving = null;
        });
        await reviving;
      } catch (err) {
        post({ type: "error", id, message: `the GPU could not be set up again: ${errorMessage(err)}` });
        return;
      }
    }
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
      const reason: unknown = controller.signal.reason;
      let lost = reason instanceof DeviceLostReason ? reason.message : lostDevice;
      if (lost === null && !controller.signal.aborted && backend?.deviceLost) {
        // A run on a dying device fails before the loss is announced (WebGPU's mapAsync rejects with an
        // "AbortError" of its own): give the announcement a moment before calling it an ordinary error.
        lost = await Promise.race([backend.deviceLost, new Promise<null>((resolve) => setTimeout(() => resolve(null), 1000))]);
      }
      if (lost !== null) {
        post({ type: "error", id, message: deviceLostMessage(lost), deviceLost: true });
      } else if (controller.signal.aborted && isAbortError(err)) {
        post({ type: "error", id, message: CANCELLED_MESSAGE, cancelled: true });
      } else {
        post({ type: "error", id, message: errorMessage(err) });
      }
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
        return load(request.baseUrl, request.backend, post);
      case "generate":
        return generate(request.id, request.request, post);
      case "cancel":
        // Cancelling an id that is not running (finished, or never started) is a no-op.
        generations.get(request.id)?.abort();
        return;
      case "list-cache":
        try {
          post({ type: "cache-list", id: request.id, files: deps.caches ? await listCachedModels(deps.caches) : [] });
        } catch (err) {
          post({ type: "error", id: request.id, message: errorMessage(err) });
        }
        return;
      case "clear-cache":
        try {
          const { caches } = deps;
          let removed = 0;
          if (caches) removed = request.baseUrl !== undefined ? await clearCachedModel(caches, request.baseUrl) : await clearCachedModels(caches);
          post({ type: "cache-cleared", id: request.id, removed });
        } catch (err) {
          post({ type: "error", id: request.id, message: errorMessage(err) });
        }
        return;
      case "count-tokens":
        if (!engine) post({ type: "error", id: request.id, message: "the model is not loaded" });
        else {
          const vocabulary = engine.unknownWords?.(request.text) ?? null;
          post({
            type: "tokens",
            id: request.id,
            count: engine.countTokens(request.text),
            max: engine.maxUtteranceLen,
            ...(vocabulary ? { words: vocabulary.words, unknownWords: vocabulary.unknown } : {}),
          });
        }
        return;
      case "lose-device":
        if (!deps.loseDevice?.()) post({ type: "error", message: "the current backend has no GPU device to lose" });
        return;
    }
  };
}
