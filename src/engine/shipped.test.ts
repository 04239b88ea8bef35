// The shipped bundles (public/models/<language>/) load in the engine as the app loads them: through loader.ts
// (manifest parsed, every shard checked against its SHA-256, tokenizer built), and a short generation gives ranked
// candidates. Catches a bundle exported with a format the engine does not read, before a user does.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { Engine } from "./engine";
import { fileFetch } from "./fileFetch";
import { loadBundle } from "./loader";

const MODELS = join(__dirname, "..", "..", "public", "models");
const shipped = ["bash", "python", "cf"].filter((language) => existsSync(join(MODELS, language, "manifest.json")));

describe.skipIf(shipped.length === 0)("shipped models", () => {
  it.each(shipped)("%s: verifies, loads and generates", async (language) => {
    await tf.setBackend("cpu");
    const dir = join(MODELS, language);
    const bundle = await loadBundle(pathToFileURL(`${dir}/`).href, { fetch: fileFetch, caches: null });
    expect(bundle.manifest.language).toBe(language);
    const engine = new Engine(bundle);
    try {
      const before = tf.memory().numTensors;
      let last;
      for await (const step of engine.generate({ utterance: "list the files", steps: 3, samples: 2, seed: 1 })) last = step;
      expect(last?.done).toBe(true);
      if (!last?.done) return;
      expect(last.candidates.length).toBeGreaterThan(0);
      expect(last.candidates.length).toBeLessThanOrEqual(bundle.manifest.sampler.top_k);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      engine.dispose();
    }
    // The bundle's evaluation report sits beside it (docs/model-format.md).
    expect(existsSync(join(dir, "eval.json"))).toBe(true);
  });
});
