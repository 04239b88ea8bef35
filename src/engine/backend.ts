// Which tfjs backend runs the model, and why. Order of preference (docs/benchmarks.md has the measurements):
//   1. WebGPU when the adapter is a real GPU;
//   2. wasm when the only WebGPU adapter is a software fallback (SwiftShader is 29–65× slower per step than wasm on a CPU)
//      or when there is no WebGPU at all;
//   3. WebGL, then cpu, when the preferred backends fail to initialise.
// An explicit override (tests, curious users) is tried first and reported as such. No React, no DOM besides
// `navigator.gpu`; the backend packages are imported on demand so a page pays only for the one it uses.
// The backend names themselves are in protocol.ts (the page needs them and must not import tfjs).
import * as tf from "@tensorflow/tfjs-core";
import { BACKENDS, type BackendName } from "./protocol";

/** What the page's WebGPU offers, as far as backend choice is concerned. */
export type WebGpuProbe =
  | { kind: "missing" } // no navigator.gpu (browser without WebGPU, or WebGPU disabled)
  | { kind: "no-adapter" } // navigator.gpu exists but requestAdapter() gave nothing
  | { kind: "fallback"; description: string } // a software adapter (isFallbackAdapter)
  | { kind: "gpu"; description: string };

export interface BackendPlan {
  order: BackendName[];
  reason: string;
}

/** The pure decision: which backends to try in which order, and the sentence that explains it. */
export function planBackends(probe: WebGpuProbe, override?: BackendName): BackendPlan {
  if (override) {
    const rest = BACKENDS.filter((b) => b !== override && b !== "webgpu");
    return { order: [override, ...rest], reason: `${override} was requested (backend setting)` };
  }
  switch (probe.kind) {
    case "gpu":
      return { order: ["webgpu", "wasm", "webgl", "cpu"], reason: `WebGPU on a GPU (${probe.description})` };
    case "fallback":
      return {
        order: ["wasm", "webgl", "cpu"],
        reason:
          `the only WebGPU adapter is a software fallback (${probe.description}); ` +
          "WebAssembly on the CPU is 30 to 65 times faster than that",
      };
    case "no-adapter":
      return { order: ["wasm", "webgl", "cpu"], reason: "WebGPU found no GPU adapter, so the model runs on the CPU (WebAssembly)" };
    case "missing":
      return { order: ["wasm", "webgl", "cpu"], reason: "this browser has no WebGPU, so the model runs on the CPU (WebAssembly)" };
  }
}

// Minimal structural types for the parts of WebGPU used here (lib.dom of TypeScript 5.9 has none).
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

export function navigatorGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu ?? undefined;
}

/** Asks for an adapter (twice: about one launch in twenty of headless Chromium gives none the first time). */
export async function probeWebGpu(gpu: GpuLike | undefined = navigatorGpu()): Promise<WebGpuProbe> {
  if (!gpu) return { kind: "missing" };
  let adapter: GpuAdapterLike | null = null;
  for (let attempt = 0; attempt < 2 && !adapter; attempt++) {
    adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  }
  if (!adapter) return { kind: "no-adapter" };
  const info = adapter.info ?? {};
  const description =
    [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0).join(" ") ||
    "unnamed adapter";
  const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  return fallback ? { kind: "fallback", description } : { kind: "gpu", description };
}

export interface BackendOptions {
  override?: BackendName;
  /** Where the wasm binaries are served (tfjs-backend-wasm's setWasmPaths): a prefix or a file → URL map. */
  wasmPaths?: string | Record<string, string>;
  probe?: WebGpuProbe;
  /** At most this many wasm threads (the bench's single-threaded runs); default: as many as wasmThreads allows. */
  maxWasmThreads?: number;
}

export interface BackendChoice {
  backend: BackendName;
  reason: string;
  /** Resolves with a message when the WebGPU device is lost (never settles on other backends). */
  deviceLost: Promise<string>;
}

let wasmConfigured = false;
/** Threads the wasm backend was asked for (1: single-threaded), and why not more. */
let wasmThreadPlan: { threads: number; why: string } = { threads: 1, why: "" };

/**
 * How many threads the wasm backend may use here: every logical core (at most 8, the pool tfjs builds, and at most
 * `maxThreads` when given), but only in a cross-origin isolated page, where SharedArrayBuffer exists; otherwise 1,
 * and why.
 */
export function wasmThreads(
  scope: { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } } = globalThis,
  maxThreads?: number,
): { threads: number; why: string } {
  if (scope.crossOriginIsolated !== true || typeof SharedArrayBuffer !== "function") {
    return { threads: 1, why: "single-threaded: the page is not cross-origin isolated (its server sends no COOP/COEP headers)" };
  }
  const cores = scope.navigator?.hardwareConcurrency ?? 1;
  if (cores < 2) return { threads: 1, why: "single-threaded: one logical core" };
  if (maxThreads !== undefined && maxThreads < 2) return { threads: 1, why: "single-threaded: one thread was requested" };
  return { threads: Math.min(8, cores, Math.floor(maxThreads ?? Infinity)), why: "" };
}

/**
 * tfjs-backend-wasm 4.x caps its thread pool at navigator.hardwareConcurrency / 2 (it assumes two hardware threads per
 * core), whatever setThreadsCount asks: on a 2-core machine that is one thread. So the worker shows the backend twice
 * the cores it wants used. Only tfjs reads this value in the engine's worker.
 */
function liftWasmThreadCap(threads: number): void {
  Object.defineProperty(globalThis.navigator, "hardwareConcurrency", { value: 2 * threads, configurable: true });
}

/** Imports a backend package (which registers it with tfjs-core). */
async function registerBackend(name: BackendName, options: BackendOptions): Promise<void> {
  switch (name) {
    case "webgpu":
      await import("@tensorflow/tfjs-backend-webgpu");
      return;
    case "wasm": {
      const wasm = await import("@tensorflow/tfjs-backend-wasm");
      if (!wasmConfigured) {
        if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths);
        wasmThreadPlan = wasmThreads(globalThis, options.maxWasmThreads);
        if (wasmThreadPlan.threads > 1) liftWasmThreadCap(wasmThreadPlan.threads);
        // Also 1 explicitly: in an isolated page tfjs would otherwise pick hardwareConcurrency / 2 by itself.
        wasm.setThreadsCount(wasmThreadPlan.threads);
        wasmConfigured = true;
      }
      return;
    }
    case "webgl":
      await import("@tensorflow/tfjs-backend-webgl");
      return;
    case "cpu":
      await import("@tensorflow/tfjs-backend-cpu");
      return;
  }
}

const never = new Promise<string>(() => undefined);

function currentDevice(): GpuDeviceLike | null {
  const backend = tf.backend() as unknown as { device?: GpuDeviceLike };
  return tf.getBackend() === "webgpu" && backend.device ? backend.device : null;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Picks, initialises and activates a backend (tf.setBackend), following planBackends. Each failure of a preferred
 * backend is appended to the reason, so the user sees why the app runs where it runs. Throws only when none works.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  const probe = options.probe ?? (options.override && options.override !== "webgpu" ? { kind: "missing" as const } : await probeWebGpu());
  const plan = planBackends(probe, options.override);
  const failures: string[] = [];
  for (const name of plan.order) {
    try {
      await registerBackend(name, options);
      // setBackend resolves false (it does not throw) when the backend's factory fails, e.g. no WebGPU adapter.
      if (await tf.setBackend(name)) {
        await tf.ready();
        const threads = name === "wasm" ? await wasmThreadsInUse() : null;
        const base = threads === null ? plan.reason : `${plan.reason}; ${threads}`;
        const reason = failures.length > 0 ? `${base}; ${failures.join("; ")}` : base;
        const device = currentDevice();
        const deviceLost = device
          ? device.lost.then((info) => info.message || info.reason || "the GPU device was lost")
          : never;
        return { backend: name, reason, deviceLost };
      }
      failures.push(`${name} could not be initialised`);
    } catch (err) {
      failures.push(`${name} failed: ${errorMessage(err)}`);
    }
  }
  throw new Error(`no tfjs backend could be initialised (${failures.join("; ")})`);
}

/** What the status line says of the active wasm backend's threads: "2 threads", or "single-threaded: why". */
async function wasmThreadsInUse(): Promise<string> {
  const threads = await wasmThreadCount();
  if (threads > 1) return `${threads} threads`;
  return wasmThreadPlan.why || "single-threaded";
}

/** The thread count of the wasm backend's pool (1 without threads). */
export async function wasmThreadCount(): Promise<number> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  return Math.max(1, wasm.getThreadsCount());
}

/**
 * After a lost WebGPU device: drop the dead backend (its tensors are gone) and register its factory again, so
 * the next initBackend() asks for a new device. Weights must then be uploaded again (a new Engine).
 */
export function resetBackend(name: BackendName): void {
  const factory = tf.findBackendFactory(name);
  if (!factory) return;
  try {
    tf.removeBackend(name);
  } catch {
    // Disposing a backend whose device is gone may throw; the registry entry is removed regardless.
  }
  tf.registerBackend(name, factory, name === "webgpu" ? 3 : 1);
}

/** Destroys the current WebGPU device, as a driver reset would (tests of the lost-device path). */
export function destroyWebGpuDevice(): boolean {
  const device = currentDevice();
  device?.destroy();
  return device !== null;
}
