// Test support: the golden bundle of testdata/golden/ (written by training/golden.py) read from disk in Node.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseManifest } from "../src/bundle/manifest";
import type { LoadedBundle } from "../src/engine/loader";

export const GOLDEN_DIR = new URL("../testdata/golden/", import.meta.url);
export const readBytes = (file: string): Buffer => readFileSync(fileURLToPath(new URL(file, GOLDEN_DIR)));
export const readJson = (file: string): unknown => JSON.parse(readBytes(file).toString("utf8"));

/** A standalone ArrayBuffer with the bytes (a Buffer may be a view into a larger pool). */
export function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/** The golden bundle as the loader gives it: with the slot tagger and the retrieval index. */
export function goldenBundle(): LoadedBundle {
  const manifest = parseManifest(readJson("manifest.json"));
  return {
    manifest,
    tokenizerJson: readJson(manifest.tokenizer.file),
    taggerJson: readJson("tagger.json"),
    indexJson: readJson("index.json"),
    shards: manifest.shards.map((s) => toArrayBuffer(readBytes(s.file))),
  };
}
