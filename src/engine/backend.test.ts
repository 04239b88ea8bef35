// The backend choice (backend.ts): the pure plan for each kind of WebGPU, and the adapter probe with fakes.
import { describe, expect, it } from "vitest";
import { planBackends, probeWebGpu, wasmThreads, type GpuLike } from "./backend";

describe("planBackends", () => {
  it("prefers WebGPU on a real GPU, with wasm, WebGL and cpu behind it", () => {
    const plan = planBackends({ kind: "gpu", description: "nvidia hopper" });
    expect(plan.order).toEqual(["webgpu", "wasm", "webgl", "cpu"]);
    expect(plan.reason).toBe("WebGPU on a GPU (nvidia hopper)");
  });

  it("takes wasm over a software WebGPU adapter and says why", () => {
    const plan = planBackends({ kind: "fallback", description: "google swiftshader" });
    expect(plan.order).toEqual(["wasm", "webgl", "cpu"]);
    expect(plan.reason).toMatch(/software fallback \(google swiftshader\).*WebAssembly/);
  });

  it("falls back to wasm without WebGPU or without an adapter", () => {
    expect(planBackends({ kind: "missing" }).order[0]).toBe("wasm");
    expect(planBackends({ kind: "missing" }).reason).toMatch(/no WebGPU/);
    expect(planBackends({ kind: "no-adapter" }).reason).toMatch(/no GPU adapter/);
  });

  it("tries an override first, whatever the adapter", () => {
    expect(planBackends({ kind: "fallback", description: "x" }, "webgpu").order).toEqual(["webgpu", "wasm", "webgl", "cpu"]);
    expect(planBackends({ kind: "gpu", description: "x" }, "cpu").order).toEqual(["cpu", "wasm", "webgl"]);
    expect(planBackends({ kind: "gpu", description: "x" }, "cpu").reason).toBe("cpu was requested (backend setting)");
  });
});

describe("probeWebGpu", () => {
  const gpu = (adapters: (object | null)[]): GpuLike & { calls: number } => {
    const fake = {
      calls: 0,
      requestAdapter: async () => (adapters[fake.calls++] ?? null) as never,
    };
    return fake;
  };

  it("reports a missing navigator.gpu", async () => {
    expect(await probeWebGpu(undefined)).toEqual({ kind: "missing" });
  });

  it("retries once when the first request gives no adapter", async () => {
    const fake = gpu([null, { info: { vendor: "nvidia", architecture: "hopper", isFallbackAdapter: false } }]);
    expect(await probeWebGpu(fake)).toEqual({ kind: "gpu", description: "nvidia hopper" });
    expect(fake.calls).toBe(2);
    expect(await probeWebGpu(gpu([null, null]))).toEqual({ kind: "no-adapter" });
  });

  it("recognises a fallback adapter by info.isFallbackAdapter or the older adapter.isFallbackAdapter", async () => {
    expect(await probeWebGpu(gpu([{ info: { vendor: "google", architecture: "swiftshader", isFallbackAdapter: true } }]))).toEqual({
      kind: "fallback",
      description: "google swiftshader",
    });
    expect((await probeWebGpu(gpu([{ isFallbackAdapter: true, info: {} }]))).kind).toBe("fallback");
  });
});

describe("wasmThreads", () => {
  const isolated = (cores: number) => ({ crossOriginIsolated: true, navigator: { hardwareConcurrency: cores } });

  it("uses every core up to 8 in a cross-origin isolated page, and says why not otherwise", () => {
    expect(wasmThreads(isolated(2))).toEqual({ threads: 2, why: "" });
    expect(wasmThreads(isolated(16))).toEqual({ threads: 8, why: "" });
    expect(wasmThreads(isolated(1))).toEqual({ threads: 1, why: "single-threaded: one logical core" });
    expect(wasmThreads({ crossOriginIsolated: false, navigator: { hardwareConcurrency: 8 } }).why).toMatch(/not cross-origin isolated/);
  });

  it("keeps to a requested maximum (the bench's single-threaded runs)", () => {
    expect(wasmThreads(isolated(16), 4)).toEqual({ threads: 4, why: "" });
    expect(wasmThreads(isolated(2), 8)).toEqual({ threads: 2, why: "" });
    expect(wasmThreads(isolated(8), 1)).toEqual({ threads: 1, why: "single-threaded: one thread was requested" });
  });
});
