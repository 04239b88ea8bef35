// The CodeFusion network in tfjs, mirroring training/model.py operation for operation (docs/model-format.md,
// "The computation"): encoder E, code embedding table L, denoiser N, decoder D and tied head H.
// Code-side tensors are batched, [B, Lc, ·]; the utterance is one request, [Lu, ·], shared by the batch.
import * as tf from "@tensorflow/tfjs-core";
import type { BundleManifest, ModelConfig } from "../bundle/manifest";
import type { HostTensor } from "./weights";

const LN_EPS = 1e-5;
/** Added to the attention scores of padding keys: exp() of it is exactly 0 in float32, like −∞, without NaNs. */
const MASKED = -1e9;

interface Linear {
  /** W transposed once at load: [in, out]. */
  wt: tf.Tensor2D;
  b: tf.Tensor1D | null;
}

interface LayerNorm {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

interface Block {
  ln1: LayerNorm;
  qkv: Linear;
  selfOut: Linear;
  cross: { ln2: LayerNorm; q: Linear; kv: Linear; out: Linear } | null;
  ln3: LayerNorm;
  fc1: Linear;
  fc2: Linear;
}

/** One cross-attention layer's keys and values of the memory, each [h, Lu, dh]. */
export interface LayerKV {
  k: tf.Tensor3D;
  v: tf.Tensor3D;
}

/** The memory projected once per request for every cross-attention layer (denoiser layers, decoder layers). */
export interface MemoryKV {
  denoiser: LayerKV[];
  decoder: LayerKV[];
}

/** What encode() returns; the caller owns these tensors and disposes them with dispose(). */
export interface EncodedUtterance {
  /** Encoder output, [Lu, d_model] (padding rows are computed too; only the real ones mean anything). */
  memory: tf.Tensor2D;
  memoryKV: MemoryKV;
  /** Additive key bias for attention over the memory, [Lu]: 0 at real tokens, a huge negative at padding. */
  mask: tf.Tensor1D;
  dispose(): void;
}

function linear(x: tf.Tensor, layer: Linear): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1] as number;
  const outDim = layer.wt.shape[1];
  let y: tf.Tensor = tf.matMul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, layer.wt);
  if (layer.b) y = tf.add(y, layer.b);
  return tf.reshape(y, [...shape.slice(0, -1), outDim]);
}

function reshapeTranspose(x: tf.Tensor, shape: number[], perm: number[], outShape: number[]): tf.Tensor {
  return tf.reshape(tf.transpose(tf.reshape(x, shape), perm), outShape);
}

function layerNorm(x: tf.Tensor, ln: LayerNorm): tf.Tensor {
  const axis = x.rank - 1;
  const { mean, variance } = tf.moments(x, axis, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LN_EPS)));
  return tf.add(tf.mul(normed, ln.weight), ln.bias);
}

/** GELU, tanh approximation (F.gelu(approximate="tanh")). */
function gelu(x: tf.Tensor): tf.Tensor {
  // x·x·x rather than pow(x, 3): the same value, and several times faster on the wasm backend.
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, cube)));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** The d_model features of integer time t (cos half, then sin half), in float32 arithmetic like PyTorch. */
export function timestepFeatures(t: number, T: number, dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const f = Math.fround;
  const negLog = f(-Math.log(10000.0));
  const u = f(f(t) * f(1000.0 / T));
  const out = new Float32Array(2 * half);
  for (let i = 0; i < half; i++) {
    const freq = f(Math.exp(f(f(negLog * i) / half)));
    const arg = f(u * freq);
    out[i] = Math.cos(arg);
    out[half + i] = Math.sin(arg);
  }
  return out;
}

export class CodeFusionModel {
  readonly config: ModelConfig;
  readonly T: number;
  /** The schedule tables alpha_t, sigma_t for t = 0..T (from the manifest, never recomputed). */
  readonly alpha: readonly number[];
  readonly sigma: readonly number[];
  private readonly heads: number;
  private readonly dh: number;
  private readonly encoder: {
    tokEmb: tf.Tensor2D;
    fromCode: Linear | null;
    posEmb: tf.Tensor2D;
    layers: Block[];
    lnF: LayerNorm;
  };
  private readonly denoiser: {
    inProj: Linear;
    posEmb: tf.Tensor2D;
    time0: Linear;
    time2: Linear;
    layers: Block[];
    lnF: LayerNorm;
    outProj: Linear;
  };
  private readonly decoder: { inProj: Linear; posEmb: tf.Tensor2D; layers: Block[]; lnF: LayerNorm; outProj: Linear };
  private readonly table: tf.Tensor2D;
  private readonly headBias: tf.Tensor1D;
  private readonly headScale: tf.Scalar;
  private readonly owned: tf.Tensor[] = [];
  private disposed = false;

  constructor(manifest: BundleManifest, weights: Map<string, HostTensor>) {
    const cfg = manifest.model;
    this.config = cfg;
    this.T = manifest.diffusion.T;
    this.alpha = manifest.diffusion.alpha;
    this.sigma = manifest.diffusion.sigma;
    this.heads = cfg.n_heads;
    if (cfg.d_model % cfg.n_heads !== 0) throw new Error("model: d_model must be a multiple of n_heads");
    this.dh = cfg.d_model / cfg.n_heads;
    const used = new Set<string>();

    const get = (name: string, shape: number[]): tf.Tensor => {
      const host = weights.get(name);
      if (!host) throw new Error(`model: weight ${name} is missing from the bundle`);
      if (host.shape.length !== shape.length || host.shape.some((s, i) => s !== shape[i])) {
        throw new Error(`model: weight ${name} has shape ${host.shape.join("×")}, expected ${shape.join("×")}`);
      }
      used.add(name);
      const tensor = tf.tensor(host.data, host.shape, "float32");
      this.owned.push(tensor);
      return tensor;
    };
    const vec = (name: string, n: number): tf.Tensor1D => get(name, [n]) as tf.Tensor1D;
    const mat = (name: string, rows: number, cols: number): tf.Tensor2D => get(name, [rows, cols]) as tf.Tensor2D;
    const lin = (prefix: string, inDim: number, outDim: number, bias = true): Linear => {
      const w = mat(`${prefix}.weight`, outDim, inDim);
      const wt = tf.transpose(w);
      this.owned.push(wt);
      return { wt, b: bias ? vec(`${prefix}.bias`, outDim) : null };
    };
    const norm = (prefix: string): LayerNorm => ({
      weight: vec(`${prefix}.weight`, cfg.d_model),
      bias: vec(`${prefix}.bias`, cfg.d_model),
    });
    const d = cfg.d_model;
    const block = (prefix: string, cross: boolean): Block => ({
      ln1: norm(`${prefix}.ln1`),
      qkv: lin(`${prefix}.self_attn.qkv`, d, 3 * d),
      selfOut: lin(`${prefix}.self_attn.out`, d, d),
      cross: cross
        ? {
            ln2: norm(`${prefix}.ln2`),
            q: lin(`${prefix}.cross_attn.q`, d, d),
            kv: lin(`${prefix}.cross_attn.kv`, d, 2 * d),
            out: lin(`${prefix}.cross_attn.out`, d, d),
          }
        : null,
      ln3: norm(`${prefix}.ln3`),
      fc1: lin(`${prefix}.mlp.fc1`, d, cfg.d_ff),
      fc2: lin(`${prefix}.mlp.fc2`, cfg.d_ff, d),
    });
    const blocks = (prefix: string, n: number, cross: boolean): Block[] =>
      Array.from({ length: n }, (_, i) => block(`${prefix}.layers.${i}`, cross));

    this.encoder = {
      tokEmb: mat("encoder.tok_emb.weight", cfg.vocab_size, d),
      fromCode: cfg.shared_input_embedding ? lin("encoder.from_code", cfg.d_embed, d, false) : null,
      posEmb: mat("encoder.pos_emb", cfg.max_utterance_len, d),
      layers: blocks("encoder", cfg.encoder_layers, false),
      lnF: norm("encoder.ln_f"),
    };
    this.denoiser = {
      inProj: lin("denoiser.in_proj", 2 * cfg.d_embed, d),
      posEmb: mat("denoiser.pos_emb", cfg.max_code_len, d),
      time0: lin("denoiser.time_mlp.0", d, d),
      time2: lin("denoiser.time_mlp.2", d, d),
      layers: blocks("denoiser", cfg.denoiser_layers, true),
      lnF: norm("denoiser.ln_f"),
      outProj: lin("denoiser.out_proj", d, cfg.d_embed),
    };
    this.decoder = {
      inProj: lin("decoder.in_proj", cfg.d_embed, d),
      posEmb: mat("decoder.pos_emb", cfg.max_code_len, d),
      layers: blocks("decoder", cfg.decoder_layers, true),
      lnF: norm("decoder.ln_f"),
      outProj: lin("decoder.out_proj", d, cfg.d_embed),
    };
    const codeEmb = mat("code_emb.weight", cfg.vocab_size, cfg.d_embed);
    // F.normalize(w, dim=-1) * sqrt(d_embed): w / max(‖w‖, 1e-12) * sqrt(d_embed).
    this.table = tf.keep(
      tf.tidy(() => {
        const rowNorm = tf.maximum(tf.sqrt(tf.sum(tf.square(codeEmb), 1, true)), 1e-12);
        return tf.mul(tf.div(codeEmb, rowNorm), Math.sqrt(cfg.d_embed)) as tf.Tensor2D;
      }),
    );
    this.owned.push(this.table);
    this.headBias = vec("head_bias", cfg.vocab_size);
    const logScale = get("head_log_scale", [1]);
    this.headScale = tf.tidy(() => tf.exp(tf.reshape(logScale, [])) as tf.Scalar);
    this.owned.push(this.headScale);
    for (const name of weights.keys()) {
      if (!used.has(name)) throw new Error(`model: the bundle has a weight this engine does not know: ${name}`);
    }
  }

  /** The normalised code embedding table L, [V, d_embed] (owned by the model: do not dispose). */
  embeddingTable(): tf.Tensor2D {
    return this.table;
  }

  /** E: encode one utterance (ids and 0/1 mask of the same length) and project its memory for every layer. */
  encode(uttIds: readonly number[], uttMask: readonly number[]): EncodedUtterance {
    this.checkAlive();
    const L = uttIds.length;
    if (L === 0 || L !== uttMask.length) throw new Error("encode: ids and mask must be non-empty and of equal length");
    if (L > this.config.max_utterance_len) throw new Error(`encode: ${L} tokens, at most ${this.config.max_utterance_len}`);
    if (!uttMask.some((m) => m !== 0)) throw new Error("encode: the mask has no real token");
    const result = tf.tidy(() => {
      const ids = tf.tensor1d(Array.from(uttIds), "int32");
      const mask = tf.tensor1d(uttMask.map((m) => (m !== 0 ? 0 : MASKED)), "float32");
      let h: tf.Tensor = tf.gather(this.encoder.tokEmb, ids);
      if (this.encoder.fromCode) h = tf.add(h, linear(tf.gather(this.table, ids), this.encoder.fromCode));
      h = tf.add(h, tf.slice(this.encoder.posEmb, [0, 0], [L, -1]));
      h = tf.expandDims(h, 0); // [1, Lu, d]
      for (const layer of this.encoder.layers) h = this.block(h, layer, mask, null);
      const memory = tf.squeeze(layerNorm(h, this.encoder.lnF), [0]) as tf.Tensor2D;
      const project = (layers: Block[]): LayerKV[] => layers.map((layer) => this.projectMemory(memory, layer));
      const projected = [...project(this.denoiser.layers), ...project(this.decoder.layers)];
      // tf.tidy keeps the tensors of what it returns: a flat list, regrouped below.
      return [memory, mask, ...projected.flatMap((kv) => [kv.k, kv.v])];
    });
    const [memory, mask, ...kvTensors] = result as [tf.Tensor2D, tf.Tensor1D, ...tf.Tensor3D[]];
    const pairs: LayerKV[] = [];
    for (let i = 0; i < kvTensors.length; i += 2) pairs.push({ k: kvTensors[i] as tf.Tensor3D, v: kvTensors[i + 1] as tf.Tensor3D });
    const nDen = this.denoiser.layers.length;
    const memoryKV: MemoryKV = { denoiser: pairs.slice(0, nDen), decoder: pairs.slice(nDen) };
    return {
      memory,
      memoryKV,
      mask,
      dispose: () => tf.dispose(result),
    };
  }

  /** N: x0_hat [B, Lc, d_embed] from x_t [B, Lc, d_embed] at integer time t, and x0_prev (self-conditioning). */
  denoise(xT: tf.Tensor3D, t: number, x0Prev: tf.Tensor3D, memoryKV: MemoryKV, mask: tf.Tensor1D): tf.Tensor3D {
    this.checkAlive();
    const Lc = this.checkCodeShape(xT, "x_t");
    this.checkCodeShape(x0Prev, "x0_prev");
    return tf.tidy(() => {
      const dn = this.denoiser;
      const features = tf.tensor2d(timestepFeatures(t, this.T, this.config.d_model), [1, this.config.d_model]);
      const time = linear(silu(linear(features, dn.time0)), dn.time2); // [1, d]
      let h = linear(tf.concat([xT, x0Prev], -1), dn.inProj);
      h = tf.add(tf.add(h, tf.slice(dn.posEmb, [0, 0], [Lc, -1])), tf.expandDims(time, 1));
      dn.layers.forEach((layer, i) => {
        h = this.block(h, layer, null, { kv: memoryKV.denoiser[i] as LayerKV, mask });
      });
      return linear(layerNorm(h, dn.lnF), dn.outProj) as tf.Tensor3D;
    });
  }

  /** D and H: z [B, Lc, d_embed] and logits [B, Lc, V] of an estimate x0_hat [B, Lc, d_embed]. */
  decode(x0hat: tf.Tensor3D, memoryKV: MemoryKV, mask: tf.Tensor1D): { z: tf.Tensor3D; logits: tf.Tensor3D } {
    this.checkAlive();
    const Lc = this.checkCodeShape(x0hat, "x0_hat");
    return tf.tidy(() => {
      const dc = this.decoder;
      let h = tf.add(linear(x0hat, dc.inProj), tf.slice(dc.posEmb, [0, 0], [Lc, -1]));
      dc.layers.forEach((layer, i) => {
        h = this.block(h, layer, null, { kv: memoryKV.decoder[i] as LayerKV, mask });
      });
      const z = linear(layerNorm(h, dc.lnF), dc.outProj) as tf.Tensor3D;
      const [B] = z.shape;
      const dots = tf.matMul(tf.reshape(z, [-1, this.config.d_embed]) as tf.Tensor2D, this.table, false, true);
      const logits = tf.reshape(tf.add(tf.mul(dots, this.headScale), this.headBias), [B, Lc, this.config.vocab_size]);
      return { z, logits: logits as tf.Tensor3D };
    });
  }

  /** Free every weight tensor. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(this.owned);
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error("CodeFusionModel: used after dispose()");
  }

  private checkCodeShape(x: tf.Tensor, what: string): number {
    if (x.rank !== 3 || x.shape[2] !== this.config.d_embed) {
      throw new Error(`${what}: expected [B, Lc, ${this.config.d_embed}], got [${x.shape.join(", ")}]`);
    }
    const Lc = x.shape[1] as number;
    if (Lc < 1 || Lc > this.config.max_code_len) throw new Error(`${what}: Lc ${Lc} outside 1..${this.config.max_code_len}`);
    return Lc;
  }

  /** Keys and values of the memory for one cross-attention layer: [h, Lu, dh] each (k first, then v). */
  private projectMemory(memory: tf.Tensor2D, layer: Block): LayerKV {
    if (!layer.cross) throw new Error("projectMemory: a block without cross-attention");
    const Lu = memory.shape[0];
    const kv = tf.transpose(tf.reshape(linear(memory, layer.cross.kv), [Lu, 2, this.heads, this.dh]), [1, 2, 0, 3]);
    const [k, v] = tf.unstack(kv, 0) as [tf.Tensor3D, tf.Tensor3D];
    return { k, v };
  }

  /** Pre-LN block on x [B, L, d]; selfMask is the additive key bias of self-attention (encoder only). */
  private block(
    x: tf.Tensor,
    layer: Block,
    selfMask: tf.Tensor1D | null,
    cross: { kv: LayerKV; mask: tf.Tensor1D } | null,
  ): tf.Tensor {
    const [B, L, d] = x.shape as [number, number, number];
    const h = this.heads;
    const dh = this.dh;
    // Self-attention: qkv [B, L, 3d] -> q, k, v [B, L, d] -> [B*h, L, dh] each (three 4-D transposes: wasm has no
    // fast path for the single 5-D one).
    const [q, k, v] = tf
      .split(linear(layerNorm(x, layer.ln1), layer.qkv), 3, -1)
      .map((part) => reshapeTranspose(part, [B, L, h, dh], [0, 2, 1, 3], [B * h, L, dh]) as tf.Tensor3D) as [
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
    ];
    // [B*h, L, dh] -> [B, L, d]
    const attended = reshapeTranspose(this.attention(q, k, v, selfMask), [B, h, L, dh], [0, 2, 1, 3], [B, L, d]);
    let y = tf.add(x, linear(attended, layer.selfOut));
    if (layer.cross) {
      if (!cross) throw new Error("block: cross-attention needs the memory");
      // Queries [B, L, h, dh] -> [h, B*L, dh] against the shared keys [h, Lu, dh].
      const cq = reshapeTranspose(linear(layerNorm(y, layer.cross.ln2), layer.cross.q), [B, L, h, dh], [2, 0, 1, 3], [
        h,
        B * L,
        dh,
      ]) as tf.Tensor3D;
      const crossOut = reshapeTranspose(
        this.attention(cq, cross.kv.k, cross.kv.v, cross.mask),
        [h, B, L, dh],
        [1, 2, 0, 3],
        [B, L, d],
      );
      y = tf.add(y, linear(crossOut, layer.cross.out));
    }
    return tf.add(y, linear(gelu(linear(layerNorm(y, layer.ln3), layer.fc1)), layer.fc2));
  }

  /** softmax(q kᵀ / sqrt(dh) + mask) v over batched [N, Lq, dh] x [N, Lk, dh]. */
  private attention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, keyBias: tf.Tensor1D | null): tf.Tensor3D {
    let scores: tf.Tensor = tf.div(tf.matMul(q, k, false, true), Math.sqrt(this.dh));
    if (keyBias) scores = tf.add(scores, keyBias);
    return tf.matMul(tf.softmax(scores), v);
  }
}
