// The hook that owns the engine's Web Worker (src/engine/worker.ts): it turns the worker's messages into React
// state (the model's status, the current run) and gives the components a few commands. The worker owns the model;
// nothing heavy runs on the main thread.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import type { LanguageId, SamplerDefaults } from "../bundle/manifest";
import type { LoadProgress } from "../engine/loader";
import type { BackendName, CachedFile, WorkerRequest, WorkerResponse } from "../engine/protocol";
import { modelUrl } from "./languages";
import { INITIAL_RUN, runReducer, type RunRequest, type RunState } from "./runState";

/** One frame at 60 Hz: steps are decoded and shown no more often than a screen refreshes (engine minStepIntervalMs). */
const FRAME_MS = 1000 / 60;

export type ModelStatus =
  | { state: "idle" }
  | { state: "loading"; language: LanguageId; progress: LoadProgress | null }
  | { state: "warming-up"; language: LanguageId; backend: string }
  | {
      state: "ready";
      language: LanguageId;
      backend: string;
      reason: string;
      warmupMs: number;
      maxUtteranceLen: number;
      T: number;
      sampler: SamplerDefaults;
      cacheWarning?: string;
    }
  | { state: "error"; language: LanguageId; message: string };

export interface TokenCount {
  count: number;
  max: number;
  /** The request's words and those no known request uses (absent for a model without retrieval). */
  words?: number;
  unknownWords?: string[];
}

export interface EngineHandle {
  status: ModelStatus;
  run: RunState;
  /** A message about the GPU (device lost) that outlives the run it ended. */
  notice: string | null;
  load(language: LanguageId, backend?: BackendName): void;
  generate(request: RunRequest): void;
  cancel(): void;
  countTokens(text: string): Promise<TokenCount | null>;
  /** Every file in the model cache (the worker reads it); rejects with the worker's error. */
  listCache(): Promise<CachedFile[]>;
  /** Deletes the cached files of one model (its bundle URL), or all of them; resolves to how many there were. */
  clearCache(baseUrl?: string): Promise<number>;
  /** Destroys the WebGPU device (tests of the lost-device path). */
  loseDevice(): void;
  dismissNotice(): void;
}

export function useEngine(): EngineHandle {
  const worker = useRef<Worker | null>(null);
  const language = useRef<LanguageId | null>(null);
  const runId = useRef(0);
  const currentRun = useRef<string | null>(null);
  /** Requests waiting for their reply (tokens, cache-list, cache-cleared or an error with their id). */
  const replies = useRef(new Map<string, (reply: WorkerResponse) => void>());
  /** Messages posted before the worker exists (a child's effect runs before this hook's). */
  const queued = useRef<WorkerRequest[]>([]);
  const [status, setStatus] = useState<ModelStatus>({ state: "idle" });
  const [run, dispatch] = useReducer(runReducer, INITIAL_RUN);
  const [notice, setNotice] = useState<string | null>(null);

  const post = useCallback((message: WorkerRequest) => {
    if (worker.current) worker.current.postMessage(message);
    else queued.current.push(message);
  }, []);

  /** Posts a request that has a reply and resolves with it. */
  const ask = useCallback(
    (make: (id: string) => WorkerRequest) =>
      new Promise<WorkerResponse>((resolve) => {
        const message = make(`ask-${++runId.current}`);
        if (!("id" in message)) throw new Error(`${message.type} has no reply`);
        replies.current.set(message.id, resolve);
        post(message);
      }),
    [post],
  );

  useEffect(() => {
    const w = new Worker(new URL("../engine/worker.ts", import.meta.url), { type: "module", name: "codefusion-engine" });
    worker.current = w;
    for (const message of queued.current.splice(0)) w.postMessage(message);
    const onMessage = (event: MessageEvent<WorkerResponse>): void => {
      const m = event.data;
      const lang = language.current;
      const id = "id" in m ? m.id : undefined;
      const reply = id !== undefined ? replies.current.get(id) : undefined;
      if (id !== undefined && reply) {
        replies.current.delete(id);
        reply(m);
        return;
      }
      switch (m.type) {
        case "progress":
          if (lang) setStatus({ state: "loading", language: lang, progress: m.progress });
          return;
        case "warming-up":
          if (lang) setStatus({ state: "warming-up", language: lang, backend: m.backend });
          return;
        case "ready": {
          const ready: ModelStatus = {
            state: "ready",
            language: m.language,
            backend: m.backend,
            reason: m.reason,
            warmupMs: m.warmupMs,
            maxUtteranceLen: m.maxUtteranceLen,
            T: m.T,
            sampler: m.sampler,
          };
          if (m.cacheWarning !== undefined) ready.cacheWarning = m.cacheWarning;
          setStatus(ready);
          return;
        }
        case "step":
          dispatch({ type: "step", id: m.id, step: m.step });
          return;
        case "done":
          return; // the final step item already carried the candidates
        case "tokens":
        case "cache-list":
        case "cache-cleared":
          return; // a reply nobody waits for any more
        case "device-lost":
          setNotice(m.message);
          return;
        case "error": {
          if (m.id !== undefined) {
            dispatch({ type: "error", id: m.id, message: m.message, cancelled: m.cancelled, deviceLost: m.deviceLost });
            return;
          }
          if (lang) setStatus({ state: "error", language: lang, message: m.message });
          return;
        }
      }
    };
    w.addEventListener("message", onMessage);
    w.addEventListener("error", (event) => {
      const lang = language.current ?? "bash";
      setStatus({ state: "error", language: lang, message: `the model worker failed: ${event.message || "unknown error"}` });
    });
    return () => {
      w.terminate();
      worker.current = null;
      replies.current.clear(); // the terminated worker answers none of them
    };
  }, []);

  const load = useCallback(
    (lang: LanguageId, backend?: BackendName) => {
      language.current = lang;
      if (currentRun.current) post({ type: "cancel", id: currentRun.current });
      dispatch({ type: "reset" });
      setStatus({ state: "loading", language: lang, progress: null });
      const message: WorkerRequest = { type: "load", baseUrl: modelUrl(lang) };
      if (backend) message.backend = backend;
      post(message);
    },
    [post],
  );

  const generate = useCallback(
    (request: RunRequest) => {
      const id = `run-${++runId.current}`;
      currentRun.current = id;
      setNotice(null);
      dispatch({ type: "start", id, request });
      post({ type: "generate", id, request: { ...request, decodeEvery: 1, minStepIntervalMs: FRAME_MS } });
    },
    [post],
  );

  const cancel = useCallback(() => {
    if (currentRun.current) post({ type: "cancel", id: currentRun.current });
  }, [post]);

  const countTokens = useCallback(
    async (text: string): Promise<TokenCount | null> => {
      if (!worker.current) return null;
      const reply = await ask((id) => ({ type: "count-tokens", id, text }));
      if (reply.type !== "tokens") return null;
      const { count, max, words, unknownWords } = reply;
      return { count, max, ...(words !== undefined && unknownWords ? { words, unknownWords } : {}) };
    },
    [ask],
  );

  const listCache = useCallback(async (): Promise<CachedFile[]> => {
    const reply = await ask((id) => ({ type: "list-cache", id }));
    if (reply.type === "cache-list") return reply.files;
    throw new Error(reply.type === "error" ? reply.message : `unexpected reply ${reply.type}`);
  }, [ask]);

  const clearCache = useCallback(
    async (baseUrl?: string): Promise<number> => {
      const reply = await ask((id) => (baseUrl === undefined ? { type: "clear-cache", id } : { type: "clear-cache", id, baseUrl }));
      if (reply.type === "cache-cleared") return reply.removed;
      throw new Error(reply.type === "error" ? reply.message : `unexpected reply ${reply.type}`);
    },
    [ask],
  );

  const loseDevice = useCallback(() => post({ type: "lose-device" }), [post]);
  const dismissNotice = useCallback(() => setNotice(null), []);

  return { status, run, notice, load, generate, cancel, countTokens, listCache, clearCache, loseDevice, dismissNotice };
}
