// Weight shards -> float32 tensors, exactly as docs/model-format.md ("Tensors") says: float32 as is, float16
// converted exactly, int8 as float32(q) * scale[row] (one float32 multiplication per element).
import type { BundleManifest, TensorEntry } from "../bundle/manifest";

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** IEEE half (bits) -> the float32 of the same value (exact: every half is a float32). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function shardBytes(shards: readonly ArrayBuffer[], index: number, what: string): ArrayBuffer {
  const shard = shards[index];
  if (!shard) throw new Error(`${what}: weight shard ${index} was not given`);
  return shard;
}

function checkRange(buffer: ArrayBuffer, offset: number, length: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + length > buffer.byteLength) {
    throw new Error(`${what}: bytes ${offset}..${offset + length} lie outside its shard (${buffer.byteLength} bytes)`);
  }
}

function dequantizeOne(entry: TensorEntry, shards: readonly ArrayBuffer[]): Float32Array {
  const buffer = shardBytes(shards, entry.shard, entry.name);
  checkRange(buffer, entry.offset, entry.byteLength, entry.name);
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(buffer, entry.offset, entry.byteLength);
  const out = new Float32Array(count);
  switch (entry.dtype) {
    case "float32":
      if (entry.byteLength !== count * 4) throw new Error(`${entry.name}: ${entry.byteLength} bytes for ${count} float32`);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case "float16":
      if (entry.byteLength !== count * 2) throw new Error(`${entry.name}: ${entry.byteLength} bytes for ${count} float16`);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    case "int8": {
      const q = entry.quantization;
      if (!q || q.scheme !== "int8-symmetric-per-row" || q.axis !== 0) {
        throw new Error(`${entry.name}: int8 tensor without an int8-symmetric-per-row quantization`);
      }
      const rows = entry.shape[0] ?? 1;
      if (q.scaleLength !== rows) throw new Error(`${entry.name}: ${q.scaleLength} scales for ${rows} rows`);
      if (entry.byteLength !== count) throw new Error(`${entry.name}: ${entry.byteLength} bytes for ${count} int8`);
      const scaleBuffer = shardBytes(shards, q.scaleShard, `${entry.name} (scales)`);
      checkRange(scaleBuffer, q.scaleOffset, rows * 4, `${entry.name} (scales)`);
      const scales = new DataView(scaleBuffer, q.scaleOffset, rows * 4);
      const perRow = rows === 0 ? 0 : count / rows;
      for (let r = 0; r < rows; r++) {
        const scale = scales.getFloat32(r * 4, true);
        for (let j = 0; j < perRow; j++) {
          const i = r * perRow + j;
          out[i] = view.getInt8(i) * scale; // stored as float32: the one rounding of a float32 multiplication
        }
      }
      return out;
    }
    default: {
      const dtype: never = entry.dtype;
      throw new Error(`${(entry as TensorEntry).name}: unknown dtype ${String(dtype)}`);
    }
  }
}

/** Every tensor of the manifest as float32, keyed by its state_dict name. Verify the shards first (verifyShard). */
export function dequantize(manifest: BundleManifest, shards: readonly ArrayBuffer[]): Map<string, HostTensor> {
  const tensors = new Map<string, HostTensor>();
  for (const entry of manifest.tensors) {
    if (tensors.has(entry.name)) throw new Error(`manifest.json: tensor ${entry.name} is listed twice`);
    tensors.set(entry.name, { shape: [...entry.shape], data: dequantizeOne(entry, shards) });
  }
  return tensors;
}
