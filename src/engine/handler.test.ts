// The worker's handler (handler.ts) driven without a real Worker: the real loader on the golden bundle (file: URLs,
// an in-memory Cache Storage) and the real Engine on the cpu backend, or a fake engine where a device must die.
import { afterAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { parseManifest } from "../bundle/manifest";
import { FakeCacheStorage } from "../../tests/fakeCaches";
import { GOLDEN_DIR, readJson } from "../../tests/goldenFiles";
import { Engine, type GenerationStep } from "./engine";
import { fileFetch } from "./fileFetch";
import { createWorkerHandler, type WorkerDeps, type WorkerHandler } from "./handler";
import { listCachedModels, loadBundle } from "./loader";
import type { WorkerResponse } from "./protocol";

/** The golden bundle and a bundle that does not exist, as file: URLs for the real loader (fileFetch). */
const GOLDEN_URL = GOLDEN_DIR.href;
const MISSING_URL = new URL("../missing-bundle/", GOLDEN_DIR).href;
const UTTERANCE = "Format cells that are greater than 25 and less than 50";
const MANIFEST = parseManifest(readJson("manifest.json"));

const created: Engine[] = [];
afterAll(() => {
  for (const e of created) e.dispose();
});

/** Real dependencies on the cpu backend; the loader caches into `caches` when one is given. */
function realDeps(caches: CacheStorage | null = null): WorkerDeps {
  return {
    prepareBackend: async () => {
      await tf.setBackend("cpu");
      await tf.ready();
      return { backend: tf.getBackend(), reason: "tests run on the cpu backend" };
    },
    loadBundle: (baseUrl, onProgress, signal) => loadBundle(baseUrl, { fetch: fileFetch, caches }, onProgress, signal),
    createEngine: (b) => {
      const engine = new Engine(b);
      created.push(engine);
      return engine;
    },
    caches,
  };
}

/** A handler and the messages it posts (`posted`, emptied by `take()`). */
function harness(deps: WorkerDeps = realDeps()) {
  const handle: WorkerHandler = createWorkerHandler(deps);
  const posted: WorkerResponse[] = [];
  const post = (m: WorkerResponse): void => void posted.push(m);
  const take = (): WorkerResponse[] => posted.splice(0);
  return { handle, posted, post, take };
}

/** A harness whose handler has loaded the golden bundle (its load messages already taken). */
async function loaded(deps?: WorkerDeps) {
  const h = harness(deps);
  await h.handle({ type: "load", baseUrl: GOLDEN_URL }, h.post);
  const last = h.take().pop();
  if (last?.type !== "ready") throw new Error(`the load ended with ${JSON.stringify(last)}`);
  return h;
}

describe("worker handler: load", () => {
  it("posts progress up to done, then warming-up, then ready", async () => {
    const { handle, post, take } = harness();
    await handle({ type: "load", baseUrl: GOLDEN_URL }, post);
    const posted = take();
    expect(posted.slice(0, -2).every((m) => m.type === "progress")).toBe(true);
    expect(posted.some((m) => m.type === "progress" && m.progress.phase === "done")).toBe(true);
    expect(posted[posted.length - 2]).toEqual({ type: "warming-up", backend: "cpu" });
    expect(posted[posted.length - 1]?.type).toBe("ready");
  });

  it("ready carries the backend, its reason, the model's language, sampler, request length, T and the warm-up time", async () => {
    const { handle, post, take } = harness();
    await handle({ type: "load", baseUrl: GOLDEN_URL }, post);
    const ready = take().pop();
    if (ready?.type !== "ready") throw new Error("no ready message");
    expect(MANIFEST.model.request_len).toBe(16);
    expect(ready).toMatchObject({
      backend: "cpu",
      reason: "tests run on the cpu backend",
      language: MANIFEST.language,
      sampler: MANIFEST.sampler,
      maxUtteranceLen: MANIFEST.model.request_len,
      T: MANIFEST.diffusion.T,
    });
    expect(ready.warmupMs).toBeGreaterThan(0);
  });

  it("a failed load is an error message naming the missing file", async () => {
    const { handle, post, take } = harness();
    await handle({ type: "load", baseUrl: MISSING_URL }, post);
    const last = take().pop();
    expect(last?.type).toBe("error");
    expect(last && "message" in last ? last.message : "").toMatch(/manifest\.json/);
  });

  it("passes a backend override to prepareBackend and refuses an unknown backend name", async () => {
    const seen: (string | undefined)[] = [];
    const deps = realDeps();
    const { handle, post, take } = harness({
      ...deps,
      prepareBackend: async (override) => {
        seen.push(override);
        return deps.prepareBackend();
      },
    });
    await handle({ type: "load", baseUrl: GOLDEN_URL, backend: "cpu" }, post);
    await handle({ type: "load", baseUrl: GOLDEN_URL, backend: "tpu" }, post);
    expect(seen).toEqual(["cpu"]);
    expect(take().pop()).toEqual({ type: "error", message: "unknown or malformed message (load)" });
  });
});

describe("worker handler: generate and cancel", () => {
  it("generate before load is an error for that id", async () => {
    const { handle, post, take } = harness();
    await handle({ type: "generate", id: "early", request: { utterance: UTTERANCE, seed: 1 } }, post);
    expect(take()).toEqual([{ type: "error", id: "early", message: "the model is not loaded" }]);
  });

  it("posts one step per denoising step (the manifest's default), then done with the last step's candidates", async () => {
    const { handle, post, take } = await loaded();
    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1 } }, post);
    const posted = take();
    expect(posted.map((m) => m.type)).toEqual([...Array<string>(MANIFEST.sampler.steps).fill("step"), "done"]);
    const done = posted[posted.length - 1];
    const lastStep = posted[posted.length - 2];
    if (done?.type !== "done" || lastStep?.type !== "step" || !lastStep.step.done) throw new Error("no done");
    expect(done.id).toBe("g1");
    expect(posted.every((m) => "id" in m && m.id === "g1")).toBe(true);
    expect(done.candidates.length).toBeGreaterThan(0);
    expect(done.candidates).toEqual(lastStep.step.candidates);
    expect(lastStep.step.knownRequests).toHaveLength(2); // the step message carries them to the page
  });

  it("runs the number of steps the request asks for", async () => {
    const { handle, post, take } = await loaded();
    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1, steps: 3 } }, post);
    expect(take().map((m) => m.type)).toEqual(["step", "step", "step", "done"]);
  });

  it("passes the page's frame-rate cap through: a run whose steps come faster than it posts the first step and the last", async () => {
    const { handle, post, take } = await loaded();
    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1, steps: 4, minStepIntervalMs: 3_600_000 } }, post);
    expect(take().map((m) => (m.type === "step" ? `step ${m.step.step}` : m.type))).toEqual(["step 1", "step 4", "done"]);
    await handle({ type: "generate", id: "g2", request: { utterance: UTTERANCE, seed: 1, minStepIntervalMs: "16" } }, post);
    expect(take()).toEqual([{ type: "error", id: "g2", message: "unknown or malformed message (generate)" }]);
  });

  it("a cancel during the run ends it with a cancelled error and no done", async () => {
    const { handle, posted, take } = await loaded();
    const cancelling = (m: WorkerResponse): void => {
      posted.push(m);
      if (m.type === "step" && m.step.step === 1) void handle({ type: "cancel", id: "g2" }, cancelling);
    };
    await handle({ type: "generate", id: "g2", request: { utterance: UTTERANCE, seed: 2, steps: 8 } }, cancelling);
    expect(take()).toEqual([expect.objectContaining({ type: "step" }), { type: "error", id: "g2", message: "cancelled", cancelled: true }]);
  });

  it("a cancel that arrives as its own task, as a worker message does, stops the run between steps", async () => {
    const { handle, posted, post, take } = await loaded();
    const fromOutside = (m: WorkerResponse): void => {
      posted.push(m);
      if (m.type === "step" && m.step.step === 1) setTimeout(() => void handle({ type: "cancel", id: "g5" }, post), 0);
    };
    await handle({ type: "generate", id: "g5", request: { utterance: UTTERANCE, seed: 3, steps: 40 } }, fromOutside);
    const all = take();
    expect(all[all.length - 1]).toEqual({ type: "error", id: "g5", message: "cancelled", cancelled: true });
    expect(all.filter((m) => m.type === "step").length).toBeLessThan(40);
  });

  it("a new generate cancels the running one", async () => {
    const { handle, posted, post, take } = await loaded();
    let second: Promise<void> | null = null;
    const startSecond = (m: WorkerResponse): void => {
      posted.push(m);
      if (m.type === "step" && m.step.step === 1 && m.id === "a" && !second) {
        second = handle({ type: "generate", id: "b", request: { utterance: UTTERANCE, seed: 4, steps: 2 } }, post);
      }
    };
    await handle({ type: "generate", id: "a", request: { utterance: UTTERANCE, seed: 3, steps: 40 } }, startSecond);
    await second;
    const all = take();
    expect(all).toContainEqual({ type: "error", id: "a", message: "cancelled", cancelled: true });
    expect(all.filter((m) => m.type === "done").map((m) => ("id" in m ? m.id : ""))).toEqual(["b"]);
  });

  it("cancelling an id that is not running posts nothing", async () => {
    const { handle, post, take } = await loaded();
    await handle({ type: "cancel", id: "nope" }, post);
    expect(take()).toEqual([]);
  });

  it("an empty request is an error for its id", async () => {
    const { handle, post, take } = await loaded();
    await handle({ type: "generate", id: "g3", request: { utterance: " ", seed: 1 } }, post);
    expect(take()).toEqual([{ type: "error", id: "g3", message: "the request is empty" }]);
  });
});

describe("worker handler: messages", () => {
  it("unknown and malformed messages are errors naming their type, with their id when they have one", async () => {
    const { handle, post, take } = harness();
    await handle({ type: "explode" }, post);
    await handle({ type: "generate", id: "g4", request: { seed: 1 } }, post);
    await handle("hello", post);
    await handle({ type: "clear-cache", id: "c", baseUrl: 7 }, post);
    expect(take()).toEqual([
      { type: "error", message: "unknown or malformed message (explode)" },
      { type: "error", id: "g4", message: "unknown or malformed message (generate)" },
      { type: "error", message: "unknown or malformed message (string)" },
      { type: "error", id: "c", message: "unknown or malformed message (clear-cache)" },
    ]);
  });

  it("count-tokens answers with the prompt's token count and the model's maximum", async () => {
    const { handle, post, take } = await loaded();
    await handle({ type: "count-tokens", id: "c1", text: UTTERANCE }, post);
    await handle({ type: "count-tokens", id: "c2", text: `${UTTERANCE} ${UTTERANCE}` }, post);
    const [one, two] = take();
    expect(one).toMatchObject({ type: "tokens", id: "c1", max: MANIFEST.model.request_len });
    expect(two).toMatchObject({ type: "tokens", id: "c2", max: MANIFEST.model.request_len });
    if (one?.type !== "tokens" || two?.type !== "tokens") throw new Error("no token counts");
    expect(one.count).toBeGreaterThan(0);
    expect(two.count).toBeGreaterThan(one.count);
  });

  it("count-tokens before a load is an error for its id", async () => {
    const { handle, post, take } = harness();
    await handle({ type: "count-tokens", id: "c1", text: UTTERANCE }, post);
    expect(take()).toEqual([{ type: "error", id: "c1", message: "the model is not loaded" }]);
  });
});

describe("worker handler: the model cache", () => {
  it("list-cache answers with the files the load cached, under the bundle's URL", async () => {
    const storage = new FakeCacheStorage();
    const { handle, post, take } = await loaded(realDeps(storage.storage));
    await handle({ type: "list-cache", id: "l1" }, post);
    const [reply] = take();
    if (reply?.type !== "cache-list") throw new Error(`no cache-list: ${JSON.stringify(reply)}`);
    expect(reply.id).toBe("l1");
    expect(reply.files).toEqual(await listCachedModels(storage.storage));
    expect(reply.files.length).toBeGreaterThan(MANIFEST.shards.length); // the shards, manifest, tokenizer…
    expect(reply.files.every((f) => f.url.startsWith(GOLDEN_URL) && f.bytes > 0)).toBe(true);
  });

  it("clear-cache with a base URL deletes that model's files and no other's", async () => {
    const storage = new FakeCacheStorage();
    const { handle, post, take } = await loaded(realDeps(storage.storage));
    const files = await listCachedModels(storage.storage);
    await handle({ type: "clear-cache", id: "x", baseUrl: "file:///another/model/" }, post);
    expect(take()).toEqual([{ type: "cache-cleared", id: "x", removed: 0 }]);
    expect(await listCachedModels(storage.storage)).toEqual(files);
    await handle({ type: "clear-cache", id: "y", baseUrl: GOLDEN_URL }, post);
    expect(take()).toEqual([{ type: "cache-cleared", id: "y", removed: files.length }]);
    expect(await listCachedModels(storage.storage)).toEqual([]);
  });

  it("clear-cache without a base URL empties the whole cache", async () => {
    const storage = new FakeCacheStorage();
    const { handle, post, take } = await loaded(realDeps(storage.storage));
    const count = (await listCachedModels(storage.storage)).length;
    expect(count).toBeGreaterThan(0);
    await handle({ type: "clear-cache", id: "all" }, post);
    expect(take()).toEqual([{ type: "cache-cleared", id: "all", removed: count }]);
    await handle({ type: "list-cache", id: "l" }, post);
    expect(take()).toEqual([{ type: "cache-list", id: "l", files: [] }]);
  });

  it("without Cache Storage, the cache is empty and clearing it removes nothing", async () => {
    const { handle, post, take } = harness(realDeps(null));
    await handle({ type: "list-cache", id: "l" }, post);
    await handle({ type: "clear-cache", id: "c" }, post);
    expect(take()).toEqual([
      { type: "cache-list", id: "l", files: [] },
      { type: "cache-cleared", id: "c", removed: 0 },
    ]);
  });

  it("a cache that fails is an error for the request's id", async () => {
    const storage = new FakeCacheStorage();
    const broken = Object.assign(storage.storage, {
      has: async () => {
        throw new Error("the cache is broken");
      },
    });
    const { handle, post, take } = harness(realDeps(broken));
    await handle({ type: "list-cache", id: "l" }, post);
    await handle({ type: "clear-cache", id: "c", baseUrl: GOLDEN_URL }, post);
    expect(take()).toEqual([
      { type: "error", id: "l", message: "the cache is broken" },
      { type: "error", id: "c", message: "the cache is broken" },
    ]);
  });
});

describe("worker handler: a lost device", () => {
  it("ends the running generation with a clear error; the next request re-initialises", async () => {
    let loseDevice: (detail: string) => void = () => undefined;
    let prepared = 0;
    const resets: string[] = [];
    const { handle, posted, post, take } = harness({
      ...realDeps(),
      prepareBackend: async (override) => {
        prepared++;
        await tf.setBackend("cpu");
        const deviceLost = new Promise<string>((resolve) => {
          loseDevice = resolve;
        });
        return { backend: override ?? "cpu", reason: `attempt ${prepared}`, deviceLost };
      },
      resetBackend: (name) => void resets.push(name),
    });
    await handle({ type: "load", baseUrl: GOLDEN_URL }, post);
    expect(take().pop()).toMatchObject({ type: "ready", reason: "attempt 1" });

    const losing = (m: WorkerResponse): void => {
      posted.push(m);
      if (m.type === "step" && m.step.step === 2) setTimeout(() => loseDevice("test: device destroyed"), 0);
    };
    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1, steps: 40 } }, losing);
    const lostMessage = "The GPU device was lost (test: device destroyed). This run stopped; the next request sets the GPU up again.";
    const lost = take();
    expect(lost).toContainEqual({ type: "device-lost", message: lostMessage });
    expect(lost[lost.length - 1]).toEqual({ type: "error", id: "g1", message: lostMessage, deviceLost: true });
    expect(lost.filter((m) => m.type === "step").length).toBeLessThan(40);

    await handle({ type: "generate", id: "g2", request: { utterance: UTTERANCE, seed: 1, steps: 3 } }, post);
    expect(resets).toEqual(["cpu"]);
    expect(prepared).toBe(2);
    const revived = take();
    expect(revived.map((m) => m.type)).toEqual(["warming-up", "ready", "step", "step", "step", "done"]);
    expect(revived[1]).toMatchObject({ type: "ready", reason: "attempt 2" });
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
    const { handle, post, take } = harness({
      ...realDeps(),
      prepareBackend: async () => ({ backend: "webgpu", reason: "test", deviceLost }),
      createEngine: () => fakeEngine,
    });
    await handle({ type: "load", baseUrl: GOLDEN_URL }, post);
    take();
    await handle({ type: "generate", id: "g1", request: { utterance: UTTERANCE, seed: 1 } }, post);
    const posted = take();
    expect(posted[posted.length - 1]).toMatchObject({ type: "error", id: "g1", deviceLost: true });
    expect(posted.some((m) => m.type === "error" && m.cancelled)).toBe(false);
  });
});
