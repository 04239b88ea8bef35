// The shipped bundles (public/models/<language>/) load in the engine exactly as the app loads them: manifest and
// shards verified, tokenizer built, and a short generation gives ranked candidates. Catches a bundle that was
// exported with a format the engine does not read, before a user does.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { parseManifest, verifyShard } from "../bundle/manifest";
import { Engine } from "./engine";

const MODELS = join(__dirname, "..", "..", "public", "models");
const shipped = ["bash", "python", "cf"].filter((language) => existsSync(join(MODELS, language, "manifest.json")));

describe.skipIf(shipped.length === 0)("shipped models", () => {
  it.each(shipped)("%s: verifies, loads and generates", async (language) => {
    await tf.setBackend("cpu");
    const dir = join(MODELS, language);
    const manifest = parseManifest(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    expect(manifest.language).toBe(language);
    const shards: ArrayBuffer[] = [];
    for (const shard of manifest.shards) {
      const bytes = readFileSync(join(dir, shard.file));
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      await verifyShard(shard, buffer);
      shards.push(buffer);
    }
    const tokenizerJson: unknown = JSON.parse(readFileSync(join(dir, manifest.tokenizer.file), "utf8"));
    const engine = new Engine({ manifest, tokenizerJson, shards });
    try {
      const before = tf.memory().numTensors;
      let last;
      for await (const step of engine.generate({ utterance: "list the files", steps: 3, samples: 2, seed: 1 })) last = step;
      expect(last?.done).toBe(true);
      if (!last?.done) return;
      expect(last.candidates.length).toBeGreaterThan(0);
      expect(last.candidates.length).toBeLessThanOrEqual(manifest.sampler.top_k);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      engine.dispose();
    }
    // The bundle's evaluation report sits beside it (docs/model-format.md).
    expect(existsSync(join(dir, "eval.json"))).toBe(true);
  });
});
