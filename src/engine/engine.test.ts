// The Engine (async-iterator sampler over the golden bundle on the cpu backend), the seeded noise, and the
// worker dispatcher of protocol.ts driven without a real Worker.
import { fileFetch } from "./fileFetch";
import { GOLDEN_DIR, readBytes, readJson, toArrayBuffer } from "./goldenFiles";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { parseManifest } from "../bundle/manifest";
import { Engine, type GenerationRequest, type GenerationStep } from "./engine";
import { loadBundle, type LoadedBundle } from "./loader";
import { createWorkerHandler, type WorkerDeps, type WorkerResponse } from "./protocol";
import { gaussianNoise, mulberry32, portableLog } from "./random";
import { codeIds, sampleFromNoise } from "./sampler";
import { CodeFusionModel } from "./model";
import { dequantize } from "./weights";
import { createCodeTokenizer } from "../tokenizer/index";


function goldenBundle(): LoadedBundle {
  const manifest = parseManifest(readJson("manifest.json"));
  return {
    manifest,
    tokenizerJson: readJson(manifest.tokenizer.file),
    shards: manifest.shards.map((s) => toArrayBuffer(readBytes(s.file))),
  };
}

/** The golden bundle and a bundle that does not exist, as file: URLs for the real loader (fileFetch). */
const GOLDEN_URL = GOLDEN_DIR.href;
const MISSING_URL = new URL("../missing-bundle/", GOLDEN_DIR).href;

async function collect(it: AsyncIterable<GenerationStep>): Promise<GenerationStep[]> {
  const items: GenerationStep[] = [];
  for await (const item of it) items.push(item);
  return items;
}

const UTTERANCE = "Format cells that are greater than 25 and less than 50";

describe("random", () => {
  it("mulberry32 is deterministic and seed-dependent", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    const c = mulberry32(43);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
  });

  it("portableLog matches Math.log closely", () => {
    for (const x of [1e-19, 2 ** -64, 0.001, 0.3, 0.5, 0.70710678, 1, 1.4142135, 2, 3.7, 1e10]) {
      expect(Math.abs(portableLog(x) - Math.log(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(Math.log(x))));
    }
    expect(() => portableLog(0)).toThrow(RangeError);
  });

  it("gives the same noise for a seed and different noise for different seeds", () => {
    const a = gaussianNoise(7, 1001);
    expect(a).toHaveLength(1001);
    expect(gaussianNoise(7, 1001)).toEqual(a);
    expect(gaussianNoise(7, 10)).toEqual(a.subarray(0, 10)); // a prefix does not depend on the count
    for (const seed of [0, 1, 8, 123456789]) expect(gaussianNoise(seed, 64)).not.toEqual(a.subarray(0, 64));
    // Pinned values: a change to the generator (or to Box–Muller) would silently change every result.
    expect(Array.from(gaussianNoise(1, 4))).toEqual([
      0.021917298436164856, 0.38413387537002563, 0.7624596953392029, 1.491576075553894,
    ]);
  });

  it("is roughly standard normal", () => {
    const x = gaussianNoise(2024, 100_000);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    expect(x.every((v) => Number.isFinite(v))).toBe(true);
  });
});

describe("Engine (golden bundle, cpu)", () => {
  let bundle: LoadedBundle;
  let engine: Engine;

  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    bundle = goldenBundle();
    engine = new Engine(bundle);
  });

  afterAll(() => engine?.dispose());

  it("reports the manifest's language and sampler defaults", () => {
    expect(engine.language).toBe(bundle.manifest.language);
    expect(engine.sampler).toEqual(bundle.manifest.sampler);
    expect(engine.maxUtteranceLen).toBe(bundle.manifest.model.max_utterance_len);
  });

  it("yields `steps` items, the last done with at most top_k distinct ranked candidates", async () => {
    const { steps, samples, top_k } = bundle.manifest.sampler;
    const items = await collect(engine.generate({ utterance: UTTERANCE, seed: 1 }));
    expect(items).toHaveLength(steps);
    expect(items.map((i) => i.step)).toEqual(Array.from({ length: steps }, (_, k) => k + 1));
    expect(items.every((i) => i.totalSteps === steps && i.samples.length === samples)).toBe(true);
    const ts = items.map((i) => i.t);
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
    expect(items.slice(0, -1).every((i) => !i.done && i.samples.every((s) => s.confidence === undefined))).toBe(true);
    const last = items[items.length - 1];
    if (!last?.done) throw new Error("the last item is not done");
    expect(last.samples.every((s) => typeof s.confidence === "number")).toBe(true);
    expect(last.candidates.length).toBeGreaterThan(0);
    expect(last.candidates.length).toBeLessThanOrEqual(Math.min(top_k, samples));
    expect(new Set(last.candidates.map((c) => c.code)).size).toBe(last.candidates.length);
    const scores = last.candidates.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(last.truncatedTokens).toBe(0);
  });

  it("is deterministic: same request and seed, same codes and candidates", async () => {
    const request: GenerationRequest = { utterance: UTTERANCE, seed: 99, samples: 4, steps: 5 };
    const a = await collect(engine.generate(request));
    const b = await collect(engine.generate(request));
    expect(b).toEqual(a);
    expect(a).toHaveLength(5);
  });

  it("runs exactly sampleFromNoise on the seed's noise", async () => {
    const request = { utterance: UTTERANCE, seed: 5, samples: 3 };
    const items = await collect(engine.generate(request));
    const { manifest } = bundle;
    const model = new CodeFusionModel(manifest, dequantize(manifest, bundle.shards));
    const tokenizer = createCodeTokenizer(bundle.tokenizerJson);
    try {
      const ids = tokenizer.encode(UTTERANCE);
      const noise = gaussianNoise(5, 3 * manifest.model.max_code_len * manifest.model.d_embed);
      const result = await sampleFromNoise(model, ids, ids.map(() => 1), manifest.sampler.steps, noise, manifest.sampler.clamp);
      const codes = result.stepIds.map((step) => step.map((row) => tokenizer.decode(codeIds(row))));
      expect(items.map((i) => i.samples.map((s) => s.code))).toEqual(codes);
      expect(items[items.length - 1]?.samples.map((s) => s.confidence)).toEqual(result.confidence);
    } finally {
      model.dispose();
    }
  });

  it("decodeEvery=3 yields fewer items but the same final candidates", async () => {
    const request = { utterance: UTTERANCE, seed: 3, steps: 7, samples: 4 };
    const all = await collect(engine.generate(request));
    const sparse = await collect(engine.generate({ ...request, decodeEvery: 3 }));
    expect(all).toHaveLength(7);
    expect(sparse.map((i) => i.step)).toEqual([3, 6, 7]);
    expect(sparse[0]).toEqual(all[2]);
    expect(sparse[sparse.length - 1]).toEqual(all[all.length - 1]);
  });

  it("different seeds give different samples (at least sometimes)", async () => {
    const finals = new Set<string>();
    for (const seed of [1, 2, 3, 4]) {
      const items = await collect(engine.generate({ utterance: UTTERANCE, seed, samples: 4 }));
      finals.add(JSON.stringify(items[items.length - 1]?.samples));
    }
    expect(finals.size).toBeGreaterThan(1);
  });

  it("truncates a long utterance to max_utterance_len and reports how many tokens were cut", async () => {
    const long = Array.from({ length: 40 }, () => UTTERANCE).join(" ");
    const items = await collect(engine.generate({ utterance: long, seed: 1, steps: 2 }));
    expect(items).toHaveLength(2);
    const expected = createCodeTokenizer(bundle.tokenizerJson).encode(long).length - engine.maxUtteranceLen;
    expect(expected).toBeGreaterThan(0);
    expect(items.every((i) => i.truncatedTokens === expected)).toBe(true);
  });

  it("aborts after the 2nd item with an AbortError and leaves no tensors behind", async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: GenerationStep[] = [];
    const run = async (): Promise<void> => {
      for await (const item of engine.generate({ utterance: UTTERANCE, seed: 11, steps: 8 }, controller.signal)) {
        seen.push(item);
        if (seen.length === 2) controller.abort();
      }
    };
    await expect(run()).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects at once on an already aborted signal, and stops cleanly when the consumer breaks", async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    controller.abort();
    await expect(engine.generate({ utterance: UTTERANCE, seed: 1 }, controller.signal).next()).rejects.toMatchObject({
      name: "AbortError",
    });
    for await (const item of engine.generate({ utterance: UTTERANCE, seed: 1, steps: 8 })) {
      expect(item.step).toBe(1);
      break;
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects an empty request and bad parameters with clear errors", async () => {
    await expect(engine.generate({ utterance: "", seed: 1 }).next()).rejects.toThrow("the request is empty");
    await expect(engine.generate({ utterance: "  \n\t", seed: 1 }).next()).rejects.toThrow("the request is empty");
    await expect(engine.generate({ utterance: "x", seed: 1, steps: 0 }).next()).rejects.toThrow(/steps must be/);
    await expect(engine.generate({ utterance: "x", seed: 1, samples: 1.5 }).next()).rejects.toThrow(/samples must be/);
    await expect(engine.generate({ utterance: "x", seed: Number.NaN }).next()).rejects.toThrow(/seed/);
  });

  it("shows the noisy latent condensing: noise-like at the first step, the final code at the last", async () => {
    const items = await collect(engine.generate({ utterance: UTTERANCE, seed: 21, steps: 12, samples: 3 }));
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last?.done) throw new Error("no items");
    expect(last.samples.every((s) => s.noisy === s.code)).toBe(true);
    // At t = T the latent is almost pure noise: its nearest tokens are not the model's answer.
    expect(first.samples.some((s, i) => s.noisy !== last.samples[i]?.code)).toBe(true);
    const distinct = new Set(items.map((item) => item.samples[0]?.noisy));
    expect(distinct.size).toBeGreaterThanOrEqual(3);
  });

  it("leaves tf.memory().numTensors the same after the 1st and the 20th generation", async () => {
    const counts: number[] = [];
    for (let run = 1; run <= 20; run++) {
      for await (const item of engine.generate({ utterance: UTTERANCE, seed: run, steps: 3 })) void item;
      counts.push(tf.memory().numTensors);
    }
    expect(counts[19]).toBe(counts[0]);
  });

  it("warmUp runs a short generation and leaves nothing behind", async () => {
    const before = tf.memory().numTensors;
    expect(await engine.warmUp()).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a disposed engine refuses to generate", async () => {
    const other = new Engine(bundle);
    other.dispose();
    await expect(other.generate({ utterance: UTTERANCE, seed: 1 }).next()).rejects.toThrow(/dispose/);
  });
});

describe("worker handler (protocol.ts)", () => {
  const created: Engine[] = [];
  const deps: WorkerDeps = {
    prepareBackend: async () => {
      await tf.setBackend("cpu");
      await tf.ready();
      return { backend: tf.getBackend(), reason: "tests run on the cpu backend" };
    },
    loadBundle: (baseUrl, onProgress, signal) => loadBundle(baseUrl, { fetch: fileFetch, caches: null }, onProgress, signal),
    createEngine: (b) => {
      const engine = new Engine(b);
      created.push(engine);
      return engine;
    },
    clearCache: async () => 3,
  };

  afterAll(() => {
    for (const e of created) e.dispose();
  });

  it("load → progress… ready; generate → step… done; cancel mid-run → cancelled error; the rest", async () => {
    const handle = createWorkerHandler(deps);
    const posted: WorkerResponse[] = [];
    const post = (m: WorkerResponse): void => void posted.push(m);

    // generate before load
    await handle({ type: "generate", id: "early", request: { utterance: UTTERANCE, seed: 1 } }, post);
    expect(posted.pop()).toEqual({ type: "error", id: "early", message: "the model is not loaded" });

    await handle({ type: "load", baseUrl: GOLDEN_URL }, post);
    const ready = posted[posted.length - 1];
    expect(posted.slice(0, -2).every((m) => m.type === "progress")).toBe(true);
    expect(posted[posted.length - 2]).toEqual({ type: "warming-up", backend: "cpu" });
    expect(posted.some((m) => m.type === "progress" && m.progress.phase === "done")).toBe(true);
    expect(ready).toMatchObject({ type: "ready", backend: "cpu", language: "cf", maxUtteranceLen: 16 });
    expect(ready?.type === "ready" && ready.warmupMs > 0).toBe(true);
    posted.length = 0;

    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1 } }, post);
    const steps = parseManifest(readJson("manifest.json")).sampler.steps;
    expect(posted.map((m) => m.type)).toEqual([...Array<string>(steps).fill("step"), "done"]);
    const done = posted[posted.length - 1];
    const lastStep = posted[posted.length - 2];
    if (done?.type !== "done" || lastStep?.type !== "step" || !lastStep.step.done) throw new Error("no done");
    expect(done.id).toBe("g1");
    expect(done.candidates).toEqual(lastStep.step.candidates);
    posted.length = 0;

    // cancel after the first step message
    const cancelling = (m: WorkerResponse): void => {
      posted.push(m);
      if (m.type === "step" && m.step.step === 1) void handle({ type: "cancel", id: "g2" }, cancelling);
    };
    await handle({ type: "generate", id: "g2", request: { utterance: UTTERANCE, seed: 2, steps: 8 } }, cancelling);
    expect(posted.map((m) => m.type)).toEqual(["step", "error"]);
    expect(posted[1]).toEqual({ type: "error", id: "g2", message: "cancelled", cancelled: true });
    posted.length = 0;

    // a cancel that arrives as its own task, as a worker message does, stops the run between steps
    const fromOutside = (m: WorkerResponse): void => {
      posted.push(m);
      if (m.type === "step" && m.step.step === 1) setTimeout(() => void handle({ type: "cancel", id: "g5" }, post), 0);
    };
    await handle({ type: "generate", id: "g5", request: { utterance: UTTERANCE, seed: 3, steps: 40 } }, fromOutside);
    expect(posted[posted.length - 1]).toEqual({ type: "error", id: "g5", message: "cancelled", cancelled: true });
    expect(posted.filter((m) => m.type === "step").length).toBeLessThan(40);
    posted.length = 0;

    // an empty request is a clear error for that id
    await handle({ type: "generate", id: "g3", request: { utterance: " ", seed: 1 } }, post);
    expect(posted).toEqual([{ type: "error", id: "g3", message: "the request is empty" }]);
    posted.length = 0;

    // unknown and malformed messages
    await handle({ type: "explode" }, post);
    await handle({ type: "generate", id: "g4", request: { seed: 1 } }, post);
    await handle("hello", post);
    expect(posted).toEqual([
      { type: "error", message: "unknown or malformed message (explode)" },
      { type: "error", id: "g4", message: "unknown or malformed message (generate)" },
      { type: "error", message: "unknown or malformed message (string)" },
    ]);
    posted.length = 0;

    // token counts for the prompt box
    await handle({ type: "count-tokens", id: "c1", text: UTTERANCE }, post);
    expect(posted.pop()).toMatchObject({ type: "tokens", id: "c1", max: 16 });

    // cancelling an unknown id is a no-op; clear-cache reports what it removed
    await handle({ type: "cancel", id: "nope" }, post);
    await handle({ type: "clear-cache" }, post);
    expect(posted).toEqual([{ type: "cache-cleared", removed: 3 }]);
  });

  it("a lost device ends the running generation with a clear error; the next request re-initialises", async () => {
    let loseDevice: (detail: string) => void = () => undefined;
    let prepared = 0;
    const resets: string[] = [];
    const lossDeps: WorkerDeps = {
      ...deps,
      prepareBackend: async (override) => {
        prepared++;
        await tf.setBackend("cpu");
        const deviceLost = new Promise<string>((resolve) => {
          loseDevice = resolve;
        });
        return { backend: override ?? "cpu", reason: `attempt ${prepared}`, deviceLost };
      },
      resetBackend: (name) => void resets.push(name),
    };
    const handle = createWorkerHandler(lossDeps);
    const posted: WorkerResponse[] = [];
    const post = (m: WorkerResponse): void => void posted.push(m);
    await handle({ type: "load", baseUrl: GOLDEN_URL }, post);
    expect(posted[posted.length - 1]).toMatchObject({ type: "ready", reason: "attempt 1" });
    posted.length = 0;

    const losing = (m: WorkerResponse): void => {
      posted.push(m);
      if (m.type === "step" && m.step.step === 2) setTimeout(() => loseDevice("test: device destroyed"), 0);
    };
    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1, steps: 40 } }, losing);
    const lostMessage = "The GPU device was lost (test: device destroyed). This run stopped; the next request sets the GPU up again.";
    expect(posted).toContainEqual({ type: "device-lost", message: lostMessage });
    expect(posted[posted.length - 1]).toEqual({ type: "error", id: "g1", message: lostMessage, deviceLost: true });
    expect(posted.filter((m) => m.type === "step").length).toBeLessThan(40);
    posted.length = 0;

    await handle({ type: "generate", id: "g2", request: { utterance: UTTERANCE, seed: 1, steps: 3 } }, post);
    expect(resets).toEqual(["cpu"]);
    expect(prepared).toBe(2);
    expect(posted.map((m) => m.type)).toEqual(["warming-up", "ready", "step", "step", "step", "done"]);
    expect(posted[1]).toMatchObject({ type: "ready", reason: "attempt 2" });
  });

  it("a run that fails on a dying device (an AbortError of WebGPU's own) is reported as a lost device, not a cancel", async () => {
    let loseDevice: (detail: string) => void = () => undefined;
    const deviceLost = new Promise<string>((resolve) => {
      loseDevice = resolve;
    });
    const fakeEngine = {
      language: "cf" as const,
      sampler: { steps: 3, samples: 1, top_k: 1, clamp: "decoder" as const },
      maxUtteranceLen: 16,
      T: 1200,
      cacheWarning: undefined,
      countTokens: () => 1,
      warmUp: async () => 1,
      dispose: () => undefined,
      async *generate(): AsyncGenerator<GenerationStep> {
        yield { step: 1, totalSteps: 3, t: 1200, truncatedTokens: 0, samples: [{ code: "x", noisy: "x" }], done: false };
        setTimeout(() => loseDevice("Device was destroyed."), 20); // announced after the failure
        throw new DOMException("mapAsync: device lost", "AbortError");
      },
    };
    const handle = createWorkerHandler({
      ...deps,
      prepareBackend: async () => ({ backend: "webgpu", reason: "test", deviceLost }),
      createEngine: () => fakeEngine,
    });
    const posted: WorkerResponse[] = [];
    await handle({ type: "load", baseUrl: GOLDEN_URL }, (m) => void posted.push(m));
    posted.length = 0;
    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1 } }, (m) => void posted.push(m));
    expect(posted[posted.length - 1]).toMatchObject({ type: "error", id: "g1", deviceLost: true });
    expect(posted.some((m) => m.type === "error" && m.cancelled)).toBe(false);
  });

  it("passes a backend override to prepareBackend and refuses an unknown backend name", async () => {
    const seen: (string | undefined)[] = [];
    const handle = createWorkerHandler({
      ...deps,
      prepareBackend: async (override) => {
        seen.push(override);
        return deps.prepareBackend();
      },
    });
    const posted: WorkerResponse[] = [];
    await handle({ type: "load", baseUrl: GOLDEN_URL, backend: "cpu" }, (m) => void posted.push(m));
    await handle({ type: "load", baseUrl: GOLDEN_URL, backend: "tpu" }, (m) => void posted.push(m));
    expect(seen).toEqual(["cpu"]);
    expect(posted[posted.length - 1]).toEqual({ type: "error", message: "unknown or malformed message (load)" });
  });

  it("a failed load is an error message", async () => {
    const handle = createWorkerHandler(deps);
    const posted: WorkerResponse[] = [];
    await handle({ type: "load", baseUrl: MISSING_URL }, (m) => void posted.push(m));
    const last = posted[posted.length - 1];
    expect(last?.type).toBe("error");
    expect(last && "message" in last ? last.message : "").toMatch(/manifest\.json/);
  });

});
