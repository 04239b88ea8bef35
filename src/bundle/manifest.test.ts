// The golden bundle written by training/golden.py is readable here: its manifest passes the checks, its shards
// verify, and the tokenizer turns the golden sampling run's ids into the golden codes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createCodeTokenizer, PAD_ID } from "../tokenizer";
import { parseManifest, sha256Hex, verifyShard } from "./manifest";

const GOLDEN = join(__dirname, "..", "..", "testdata", "golden");
const readJson = (name: string): unknown => JSON.parse(readFileSync(join(GOLDEN, name), "utf8"));

interface GoldenArray {
  shape: number[];
  dtype: "float32" | "int32";
  data: string;
}

function int32s(array: GoldenArray): Int32Array {
  const bytes = Buffer.from(array.data, "base64");
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe("golden bundle", () => {
  const manifest = parseManifest(readJson("manifest.json"));

  it("has a manifest the loader accepts", () => {
    expect(manifest.language).toBe("cf");
    expect(manifest.diffusion.alpha).toHaveLength(manifest.diffusion.T + 1);
    expect(manifest.tensors.some((t) => t.dtype === "int8")).toBe(true);
  });

  it("has shards whose SHA-256 matches, and a corrupt shard is named", async () => {
    for (const shard of manifest.shards) {
      await verifyShard(shard, readFileSync(join(GOLDEN, shard.file)));
    }
    const corrupt = Uint8Array.from(readFileSync(join(GOLDEN, manifest.shards[0].file)));
    corrupt[10] ^= 0xff;
    await expect(verifyShard(manifest.shards[0], corrupt)).rejects.toThrow(/weights-000\.bin is corrupt/);
  });

  it("refuses another format version", () => {
    expect(() => parseManifest({ ...manifest, version: 2 })).toThrow(/version 2 is not supported/);
  });

  it("decodes the golden sampling run's ids into the golden codes", () => {
    const golden = readJson("golden.json") as { sampling: { final_ids: GoldenArray; codes: string[] } };
    const tokenizer = createCodeTokenizer(readJson(manifest.tokenizer.file));
    const ids = int32s(golden.sampling.final_ids);
    const [n, length] = golden.sampling.final_ids.shape;
    for (let i = 0; i < n; i++) {
      const row = Array.from(ids.subarray(i * length, (i + 1) * length));
      const end = row.indexOf(PAD_ID);
      expect(tokenizer.decode(end === -1 ? row : row.slice(0, end))).toBe(golden.sampling.codes[i]);
    }
  });

  it("computes SHA-256 like everyone else", async () => {
    expect(await sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});
