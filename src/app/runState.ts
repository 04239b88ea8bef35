// The state of one generation run as the page sees it, driven by the worker's messages: a pure reducer, so the
// transitions (stale messages, cancel, errors, the mapping from candidates back to the sample that denoised into
// them) are unit-tested without React or a worker.
import type { GenerationStep, KnownRequest } from "../engine/engine";
import { normalizeWhitespace } from "../lang/whitespace";

export interface RunRequest {
  utterance: string;
  steps: number;
  samples: number;
  seed: number;
  /** CF: the column names of the preview's table, which the model may name (GenerationRequest.header). */
  header?: readonly string[];
}

/** What every sample looked like after one denoising step. */
export interface Snapshot {
  step: number;
  totalSteps: number;
  t: number;
  /** The decoded estimate x̂0 of each sample. */
  codes: string[];
  /** The noisy latent of each sample read as tokens: what the editor shows while denoising. */
  noisy: string[];
  /** Retrieve and edit: which samples started from a known code (absent: none did). */
  edited?: boolean[];
}

export interface RankedCandidate {
  code: string;
  score: number;
  /**
   * The sample whose final code this is (the first, when several samples agree): its snapshots replay it. −1 for a
   * code that only a similar known request gave (retrieval's pool): no sample denoised into it, there is no replay.
   */
  sample: number;
  /** The code of a similar known request (with this request's literals filled in, unless `knownRequest` is set). */
  fromKnownRequest: boolean;
  /** The known request whose code this is, as written (rankings "retrieval-first" and "channel"). */
  knownRequest?: KnownRequest;
  /** Retrieve and edit: the known code (as shown) the sample that denoised into this candidate started from; its
   * replay shows that code first. Absent for a sample from noise and for a known code. */
  start?: string;
}

export type RunPhase = "idle" | "running" | "done" | "cancelled" | "failed";

export interface RunState {
  phase: RunPhase;
  /** The id of the current run; messages of other ids are stale and ignored. */
  id: string | null;
  request: RunRequest | null;
  snapshots: Snapshot[];
  candidates: RankedCandidate[];
  /** The similar known requests the model read beside this one (retrieval). */
  knownRequests: KnownRequest[];
  truncatedTokens: number;
  error: string | null;
  /** The run ended because the GPU device was lost. */
  deviceLost: boolean;
}

export type RunEvent =
  | { type: "start"; id: string; request: RunRequest }
  | { type: "step"; id: string; step: GenerationStep }
  | { type: "error"; id: string; message: string; cancelled?: boolean; deviceLost?: boolean }
  | { type: "reset" };

export const INITIAL_RUN: RunState = {
  phase: "idle",
  id: null,
  request: null,
  snapshots: [],
  candidates: [],
  knownRequests: [],
  truncatedTokens: 0,
  error: null,
  deviceLost: false,
};

/** Maps each ranked candidate to the first sample whose final code it is (whitespace-insensitive, as ranking is). */
export function attachSamples(
  candidates: readonly { code: string; score: number; fromKnownRequest?: boolean; knownRequest?: KnownRequest; start?: string }[],
  finalCodes: readonly string[],
): RankedCandidate[] {
  const normalized = finalCodes.map(normalizeWhitespace);
  return candidates.map((c) => {
    const sample = normalized.indexOf(normalizeWhitespace(c.code));
    const fromKnownRequest = c.fromKnownRequest ?? false;
    // A code no sample produced: a retrieved one has no replay (−1); otherwise (never expected) sample 0's.
    return {
      code: c.code,
      score: c.score,
      sample: sample >= 0 ? sample : fromKnownRequest ? -1 : 0,
      fromKnownRequest,
      ...(c.knownRequest ? { knownRequest: c.knownRequest } : {}),
      ...(c.start !== undefined ? { start: c.start } : {}),
    };
  });
}

export function runReducer(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case "reset":
      return INITIAL_RUN;
    case "start":
      return { ...INITIAL_RUN, phase: "running", id: event.id, request: event.request };
    case "step": {
      if (event.id !== state.id || state.phase !== "running") return state;
      const { step } = event;
      const snapshot: Snapshot = {
        step: step.step,
        totalSteps: step.totalSteps,
        t: step.t,
        codes: step.samples.map((s) => s.code),
        noisy: step.samples.map((s) => s.noisy),
        ...(step.samples.some((s) => s.start !== undefined) ? { edited: step.samples.map((s) => s.start !== undefined) } : {}),
      };
      const next: RunState = { ...state, snapshots: [...state.snapshots, snapshot], truncatedTokens: step.truncatedTokens };
      if (!step.done) return next;
      return {
        ...next,
        phase: "done",
        candidates: attachSamples(step.candidates, snapshot.codes),
        knownRequests: step.knownRequests,
      };
    }
    case "error": {
      if (event.id !== state.id || state.phase !== "running") return state;
      if (event.cancelled) return { ...state, phase: "cancelled" };
      return { ...state, phase: "failed", error: event.message, deviceLost: event.deviceLost ?? false };
    }
  }
}

/**
 * One sample at a step index (0-based into snapshots), for the editor and the scrubber: the noisy view (code
 * condensing out of noise) or the model's estimate x̂0 at that step.
 */
export function sampleAt(state: RunState, snapshotIndex: number, sample: number, view: "noisy" | "estimate" = "noisy"): string {
  const snapshot = state.snapshots[Math.min(Math.max(snapshotIndex, 0), state.snapshots.length - 1)];
  return (view === "noisy" ? snapshot?.noisy[sample] : snapshot?.codes[sample]) ?? "";
}

/**
 * Share of the way from pure noise (t = T) to t = 0 after a step (0 … 1), for the progress bar over t. The K steps
 * are evenly strided over T, so after step k of K the noise level has come down k/K of the way.
 */
export function denoisedFraction(step: number, totalSteps: number): number {
  return totalSteps > 0 ? Math.min(Math.max(step / totalSteps, 0), 1) : 0;
}
