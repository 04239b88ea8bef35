// The CodeFusion network in tfjs. It mirrors training/model.py section by section, in the same order: attention,
// block, encoder, denoiser, decoder, head (docs/model-format.md, "The computation"). Each module loads its own
// weights by the name prefix its PyTorch counterpart has in the state dict, so an architecture change is one diff
// in model.py and a parallel one here.
//
//   utterance ids --Encoder--> memory, projected once into every cross-attention layer's keys and values
//   (x_t, t, x0_prev, memory) --Denoiser--> x0_hat
//   (x0_hat, memory) --Decoder--> z --head (tied to the code embedding L)--> logits
//
// Code-side tensors are batched, [B, Lc, ·]; the utterance is one request, [Lu, ·], shared by the batch.
import * as tf from "@tensorflow/tfjs-core";
import type { BundleManifest, ModelConfig } from "../bundle/manifest";
import type { HostTensor } from "./weights";

const LN_EPS = 1e-5;
/** Added to the attention scores of padding keys: exp() of it is exactly 0 in float32, like −∞, without NaNs. */
const MASKED = -1e9;

// ---- Weights: what every module's loader reads from ---------------------------------------------------------------

/** The bundle's dequantised weights by state-dict name; records which were read, and owns the tensors it makes. */
class WeightReader {
  private readonly used = new Set<string>();
  readonly owned: tf.Tensor[] = [];

  constructor(private readonly host: Map<string, HostTensor>) {}

  has(name: string): boolean {
    return this.host.has(name);
  }

  tensor(name: string, shape: number[]): tf.Tensor {
    const host = this.host.get(name);
    if (!host) throw new Error(`model: weight ${name} is missing from the bundle`);
    if (host.shape.length !== shape.length || host.shape.some((s, i) => s !== shape[i])) {
      throw new Error(`model: weight ${name} has shape ${host.shape.join("×")}, expected ${shape.join("×")}`);
    }
    this.used.add(name);
    return this.own(tf.tensor(host.data, host.shape, "float32"));
  }

  vector(name: string, n: number): tf.Tensor1D {
    return this.tensor(name, [n]) as tf.Tensor1D;
  }

  matrix(name: string, rows: number, cols: number): tf.Tensor2D {
    return this.tensor(name, [rows, cols]) as tf.Tensor2D;
  }

  /** A tensor derived at load time (a transpose, a normalised table) that lives as long as the model. */
  own<T extends tf.Tensor>(tensor: T): T {
    this.owned.push(tensor);
    return tensor;
  }

  /** Tensors only read to make others at load (a transpose's or a fold's inputs): freed now, not kept with the model. */
  release(...tensors: (tf.Tensor | null)[]): void {
    for (const tensor of tensors) {
      if (!tensor) continue;
      const i = this.owned.indexOf(tensor);
      if (i >= 0) this.owned.splice(i, 1);
      tensor.dispose();
    }
  }

  /** Every weight of the bundle must have been read by some module: an unknown one means a format mismatch. */
  checkAllUsed(): void {
    for (const name of this.host.keys()) {
      if (!this.used.has(name)) throw new Error(`model: the bundle has a weight this engine does not know: ${name}`);
    }
  }
}

// ---- Layers: nn.Linear, nn.LayerNorm, GELU, SiLU ------------------------------------------------------------------

interface Linear {
  /** W transposed once at load: [in, out]. */
  wt: tf.Tensor2D;
  b: tf.Tensor1D | null;
}

function loadLinear(w: WeightReader, prefix: string, inDim: number, outDim: number, bias = true): Linear {
  const weight = w.matrix(`${prefix}.weight`, outDim, inDim);
  const wt = w.own(tf.transpose(weight));
  w.release(weight);
  return { wt, b: bias ? w.vector(`${prefix}.bias`, outDim) : null };
}

/**
 * x [..., in] -> [..., out]: one 2-D matrix product with the bias fused in. Every product of a step is 2-D: the wasm
 * backend runs those on XNNPACK (tens of GFLOP/s, and on every thread of the pool), but a batched [B, m, k] product
 * on a naive loop at about 3 GFLOP/s on one thread (docs/engine.md, "Less work per step").
 */
function linear(x: tf.Tensor, layer: Linear): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1] as number;
  const outDim = layer.wt.shape[1];
  const y = tf.fused.matMul({ a: tf.reshape(x, [-1, inDim]) as tf.Tensor2D, b: layer.wt, bias: layer.b ?? undefined });
  return tf.reshape(y, [...shape.slice(0, -1), outDim]);
}

interface LayerNorm {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

function loadLayerNorm(w: WeightReader, prefix: string, d: number): LayerNorm {
  return { weight: w.vector(`${prefix}.weight`, d), bias: w.vector(`${prefix}.bias`, d) };
}

/** (x − mean) / sqrt(var + eps) over the last axis: LayerNorm without its affine part. */
function normalize(x: tf.Tensor): tf.Tensor {
  const axis = x.rank - 1;
  const centred = tf.sub(x, tf.mean(x, axis, true));
  const variance = tf.mean(tf.square(centred), axis, true);
  return tf.mul(centred, tf.rsqrt(tf.add(variance, LN_EPS)));
}

function layerNorm(x: tf.Tensor, ln: LayerNorm): tf.Tensor {
  return tf.add(tf.mul(normalize(x), ln.weight), ln.bias);
}

/**
 * The linear that follows a LayerNorm, with the LayerNorm's affine part folded in at load:
 * (x̂·w + b)·W + c = x̂·(diag(w)·W) + (b·W + c), so a step runs normalize(x) and one product.
 */
function foldLayerNorm(w: WeightReader, ln: LayerNorm, layer: Linear): Linear {
  const [inDim, outDim] = layer.wt.shape;
  const folded = tf.tidy(() => {
    const wt = tf.mul(layer.wt, tf.reshape(ln.weight, [inDim, 1])) as tf.Tensor2D;
    let b = tf.reshape(tf.matMul(tf.reshape(ln.bias, [1, inDim]) as tf.Tensor2D, layer.wt), [outDim]);
    if (layer.b) b = tf.add(b, layer.b);
    return { wt: w.own(tf.keep(wt)), b: w.own(tf.keep(b as tf.Tensor1D)) };
  });
  w.release(layer.wt, layer.b, ln.weight, ln.bias);
  return folded;
}

/** 2·sqrt(2/π) and 2·sqrt(2/π)·0.044715: GELU's tanh argument, doubled for the sigmoid form below. */
const GELU_A = 2 * Math.sqrt(2 / Math.PI);
const GELU_B = GELU_A * 0.044715;

/**
 * GELU, tanh approximation (F.gelu(approximate="tanh")): 0.5·x·(1 + tanh(u)) with u = sqrt(2/π)(x + 0.044715x³),
 * written as x·sigmoid(2u), the same function (1 + tanh(u) = 2·sigmoid(2u)). The wasm backend's tanh is a scalar
 * loop, about 8 times slower than its sigmoid; in float32 the two forms differ by a few ulps.
 */
function gelu(x: tf.Tensor): tf.Tensor {
  const twoU = tf.mul(x, tf.add(GELU_A, tf.mul(GELU_B, tf.mul(x, x))));
  return tf.mul(x, tf.sigmoid(twoU));
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

// ---- Attention: SelfAttention, CrossAttention, MLP ----------------------------------------------------------------

/** Heads of width d / nHeads. */
interface Heads {
  h: number;
  dh: number;
}

/** At most this many rows (samples × positions) share one self-attention product (see SelfAttention). */
const SELF_ATTENTION_ROWS = 256;

/** Block-diagonal additive masks by (samples, length): 0 within a sample, MASKED across samples (host memory). */
const sampleMasks = new Map<string, Float32Array>();

function sampleMask(samples: number, L: number): Float32Array {
  const key = `${samples}x${L}`;
  let mask = sampleMasks.get(key);
  if (!mask) {
    const n = samples * L;
    mask = new Float32Array(n * n).fill(MASKED);
    for (let b = 0; b < samples; b++) for (let i = b * L; i < (b + 1) * L; i++) mask.fill(0, i * n + b * L, i * n + (b + 1) * L);
    sampleMasks.set(key, mask);
  }
  return mask;
}

/**
 * softmax(q kᵀ / sqrt(dh) + key bias) v for each head and each sample, on the normalised input x̂ (the block's
 * LayerNorm is folded into the weights). Every product is 2-D: the wasm backend runs those on XNNPACK (and on every
 * thread of its pool), but batched [B·h, L, L] products on a naive loop at about 3 GFLOP/s, one thread. So, per head,
 * the rows of up to SELF_ATTENTION_ROWS / L samples go at once against each other, with a block-diagonal mask that
 * keeps every sample to its own positions: more multiplications than needed (the samples' cross blocks), far less
 * time. Each head has its own query and value weights (no column slice per call; the keys of all heads come from one
 * product, each head's a contiguous row block), and two biases need no work at all:
 * - the keys' bias adds q·b_k to every score of a query, the same for all keys: softmax ignores it;
 * - the values' bias adds b_v to every output row (the weights of a row sum to 1): folded into the output's bias.
 */
class SelfAttention {
  /** Per head: queries' weights [d, dh] (scaled by 1 / sqrt(dh)) and bias, and values' weights [d, dh]. */
  private readonly q: Linear[];
  private readonly v: tf.Tensor2D[];
  /** Keys' weights transposed, [d, d]: row block i is head i's, so each head's kᵀ is a contiguous slice (a copy). */
  private readonly kT: tf.Tensor2D;
  private readonly dh: number;
  private readonly out: Linear;

  constructor(w: WeightReader, prefix: string, d: number, heads: Heads, ln: LayerNorm) {
    const { h, dh } = heads;
    // PyTorch's qkv is one [3d, d] linear: queries, keys, values, each head's dh columns side by side.
    const qkv = foldLayerNorm(w, ln, loadLinear(w, `${prefix}.qkv`, d, 3 * d));
    const columns = (part: number, head: number): tf.Tensor2D =>
      tf.slice(qkv.wt, [0, part * d + head * dh], [d, dh]) as tf.Tensor2D;
    const bias = (part: number, head: number): tf.Tensor1D => tf.slice(qkv.b as tf.Tensor1D, [part * d + head * dh], [dh]) as tf.Tensor1D;
    const scale = 1 / Math.sqrt(dh);
    this.q = Array.from({ length: h }, (_, i) => ({
      wt: w.own(tf.tidy(() => tf.mul(columns(0, i), scale) as tf.Tensor2D)),
      b: w.own(tf.tidy(() => tf.mul(bias(0, i), scale) as tf.Tensor1D)),
    }));
    this.kT = w.own(tf.tidy(() => tf.transpose(tf.slice(qkv.wt, [0, d], [d, d]))));
    this.dh = dh;
    this.v = Array.from({ length: h }, (_, i) => w.own(tf.tidy(() => columns(2, i))));
    const out = loadLinear(w, `${prefix}.out`, d, d);
    const valueBias = tf.tidy(() => tf.slice(qkv.b as tf.Tensor1D, [2 * d], [d]));
    this.out = {
      wt: out.wt,
      b: w.own(tf.tidy(() => tf.add(tf.reshape(tf.matMul(tf.reshape(valueBias, [1, d]) as tf.Tensor2D, out.wt), [d]), out.b ?? 0) as tf.Tensor1D)),
    };
    valueBias.dispose();
    w.release(qkv.wt, qkv.b, out.b);
  }

  /** x̂ [B, L, d] (normalised); keyBias [L] is the additive key bias (the encoder's padding) or null. */
  forward(x: tf.Tensor, keyBias: tf.Tensor1D | null): tf.Tensor {
    const [B, L, d] = x.shape as [number, number, number];
    const rows = tf.reshape(x, [B * L, d]) as tf.Tensor2D;
    const perGroup = Math.max(1, Math.floor(SELF_ATTENTION_ROWS / L));
    const groups: tf.Tensor[] = [];
    for (let first = 0; first < B; first += perGroup) {
      const samples = Math.min(perGroup, B - first);
      const n = samples * L;
      const group = samples === B ? rows : (tf.slice(rows, [first * L, 0], [n, d]) as tf.Tensor2D);
      // kᵀ of every head, [d, n]: a transposed operand is the slow path on wasm, so kᵀ is computed as such.
      const keysT = tf.matMul(this.kT, tf.transpose(group));
      let bias: tf.Tensor | null = samples > 1 ? tf.tensor2d(sampleMask(samples, L), [n, n]) : null;
      if (keyBias) bias = bias ? tf.add(bias, tf.tile(keyBias, [samples])) : keyBias;
      const heads = this.q.map((q, i) => {
        let scores = tf.matMul(linear(group, q) as tf.Tensor2D, tf.slice(keysT, [i * this.dh, 0], [this.dh, n]) as tf.Tensor2D);
        if (bias) scores = tf.add(scores, bias);
        return tf.matMul(tf.softmax(scores) as tf.Tensor2D, tf.matMul(group, this.v[i] as tf.Tensor2D));
      });
      groups.push(tf.concat(heads, 1));
    }
    const attended = groups.length === 1 ? (groups[0] as tf.Tensor) : tf.concat(groups, 0);
    return tf.reshape(linear(attended, this.out), [B, L, d]);
  }
}

/**
 * One cross-attention layer's view of the request, made once per request by projectMemory. The memory is the same
 * for every step and sample, so the query and output projections are folded into it (per head i, with K_i, V_i the
 * memory's keys and values [Lu, dh], W_q,i the query columns and W_out,i the output rows of head i):
 *   scores_i = x W_q,i K_iᵀ / sqrt(dh) + b_q,i K_iᵀ / sqrt(dh) + padding bias   -> keys, keyBias
 *   out      = Σ_i softmax(scores_i) (V_i W_out,i) + b_out                       -> values, CrossAttention.out.b
 * A step then runs two 2-D matrix products per layer, the same function as q, kᵀ, v and out one by one.
 */
export interface LayerKV {
  /** [d, h·Lu]: the heads' W_q,i K_iᵀ / sqrt(dh) side by side. */
  keys: tf.Tensor2D;
  /** [h·Lu]: b_q,i K_iᵀ / sqrt(dh), and MASKED at the padding keys. */
  keyBias: tf.Tensor1D;
  /** [h·Lu, d]: the heads' V_i W_out,i stacked. */
  values: tf.Tensor2D;
}

/** Queries from the code positions, keys and values from the encoder's memory (projected once per request). */
class CrossAttention {
  private readonly q: Linear;
  private readonly kv: Linear;
  private readonly out: Linear;

  constructor(w: WeightReader, prefix: string, d: number, private readonly heads: Heads, ln: LayerNorm) {
    this.q = foldLayerNorm(w, ln, loadLinear(w, `${prefix}.q`, d, d));
    this.kv = loadLinear(w, `${prefix}.kv`, d, 2 * d);
    this.out = loadLinear(w, `${prefix}.out`, d, d);
  }

  /** The memory [Lu, d] and its additive padding bias [Lu], folded for every step (LayerKV). */
  projectMemory(memory: tf.Tensor2D, memoryMask: tf.Tensor1D): LayerKV {
    const [Lu, d] = memory.shape;
    const { h, dh } = this.heads;
    const kv = linear(memory, this.kv) as tf.Tensor2D; // [Lu, 2d]: keys, then values, each head's dh side by side
    const scale = 1 / Math.sqrt(dh);
    const keys: tf.Tensor[] = [];
    const keyBias: tf.Tensor[] = [];
    const values: tf.Tensor[] = [];
    for (let i = 0; i < h; i++) {
      const kT = tf.transpose(tf.slice(kv, [0, i * dh], [Lu, dh])); // [dh, Lu]
      keys.push(tf.matMul(tf.slice(this.q.wt, [0, i * dh], [d, dh]), kT)); // [d, Lu]
      if (this.q.b) keyBias.push(tf.matMul(tf.reshape(tf.slice(this.q.b, [i * dh], [dh]), [1, dh]), kT)); // [1, Lu]
      values.push(tf.matMul(tf.slice(kv, [0, d + i * dh], [Lu, dh]), tf.slice(this.out.wt, [i * dh, 0], [dh, d])));
    }
    const bias = tf.tile(memoryMask, [h]);
    return {
      keys: tf.mul(tf.concat(keys, 1), scale) as tf.Tensor2D,
      // The last op makes a tensor of its own: the wasm backend's fused product reads a bias's rank from the tensor
      // it was first created as, and would see the [1, h·Lu] before a reshape.
      keyBias: (this.q.b ? tf.add(tf.mul(tf.reshape(tf.concat(keyBias, 1), [h * Lu]), scale), bias) : bias) as tf.Tensor1D,
      values: tf.concat(values, 0) as tf.Tensor2D,
    };
  }

  /** x̂ [B, L, d] (normalised: the block's LayerNorm is folded into the query weights). */
  forward(x: tf.Tensor, memory: LayerKV): tf.Tensor {
    const [B, L, d] = x.shape as [number, number, number];
    const rows = B * L;
    const Lu = memory.keyBias.shape[0] / this.heads.h;
    const scores = tf.fused.matMul({ a: tf.reshape(x, [rows, d]) as tf.Tensor2D, b: memory.keys, bias: memory.keyBias });
    const weights = tf.reshape(tf.softmax(tf.reshape(scores, [rows, this.heads.h, Lu])), [rows, this.heads.h * Lu]);
    const out = tf.fused.matMul({ a: weights as tf.Tensor2D, b: memory.values, bias: this.out.b ?? undefined });
    return tf.reshape(out, [B, L, d]);
  }
}

class MLP {
  private readonly fc1: Linear;
  private readonly fc2: Linear;

  /** ln: the block's LayerNorm before the MLP, folded into fc1. */
  constructor(w: WeightReader, prefix: string, d: number, dFF: number, ln: LayerNorm) {
    this.fc1 = foldLayerNorm(w, ln, loadLinear(w, `${prefix}.fc1`, d, dFF));
    this.fc2 = loadLinear(w, `${prefix}.fc2`, dFF, d);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(gelu(linear(x, this.fc1)), this.fc2);
  }
}

// ---- Block ----------------------------------------------------------------------------------------------------------

/** Pre-LayerNorm transformer block; with cross-attention, a sublayer between self-attention and MLP. */
class Block {
  private readonly selfAttn: SelfAttention;
  private readonly crossAttn: CrossAttention | null;
  private readonly mlp: MLP;

  constructor(w: WeightReader, prefix: string, cfg: ModelConfig, heads: Heads, cross: boolean) {
    const d = cfg.d_model;
    // Each LayerNorm's affine part is folded into the linears that read it (foldLayerNorm): a step normalises only.
    this.selfAttn = new SelfAttention(w, `${prefix}.self_attn`, d, heads, loadLayerNorm(w, `${prefix}.ln1`, d));
    this.crossAttn = cross
      ? new CrossAttention(w, `${prefix}.cross_attn`, d, heads, loadLayerNorm(w, `${prefix}.ln2`, d))
      : null;
    this.mlp = new MLP(w, `${prefix}.mlp`, d, cfg.d_ff, loadLayerNorm(w, `${prefix}.ln3`, d));
  }

  /** This block's view of the memory (blocks with cross-attention only). */
  projectMemory(memory: tf.Tensor2D, memoryMask: tf.Tensor1D): LayerKV {
    if (!this.crossAttn) throw new Error("projectMemory: a block without cross-attention");
    return this.crossAttn.projectMemory(memory, memoryMask);
  }

  /** x [B, L, d]; selfMask is the additive key bias of self-attention (encoder only). */
  forward(x: tf.Tensor, selfMask: tf.Tensor1D | null, cross: LayerKV | null): tf.Tensor {
    let y = tf.add(x, this.selfAttn.forward(normalize(x), selfMask));
    if (this.crossAttn) {
      if (!cross) throw new Error("block: cross-attention needs the memory");
      y = tf.add(y, this.crossAttn.forward(normalize(y), cross));
    }
    return tf.add(y, this.mlp.forward(normalize(y)));
  }
}

function loadBlocks(w: WeightReader, prefix: string, n: number, cfg: ModelConfig, heads: Heads, cross: boolean): Block[] {
  return Array.from({ length: n }, (_, i) => new Block(w, `${prefix}.layers.${i}`, cfg, heads, cross));
}

// ---- Time: TimeMLP and the sinusoidal features of t ---------------------------------------------------------------

/** The denoiser's time embedding: fc2(SiLU(fc1(features(t)))). */
class TimeMLP {
  private readonly fc1: Linear;
  private readonly fc2: Linear;

  constructor(w: WeightReader, prefix: string, d: number) {
    // Bundles exported before TimeMLP named its layers held nn.Sequential(Linear, SiLU, Linear): .0 and .2
    // (model.py TimeMLP.OLD_KEYS); a browser may still have such a bundle in its cache.
    const old = !w.has(`${prefix}.fc1.weight`) && w.has(`${prefix}.0.weight`);
    this.fc1 = loadLinear(w, `${prefix}.${old ? "0" : "fc1"}`, d, d);
    this.fc2 = loadLinear(w, `${prefix}.${old ? "2" : "fc2"}`, d, d);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(silu(linear(x, this.fc1)), this.fc2);
  }
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

// ---- Encoder E ------------------------------------------------------------------------------------------------------

/** E: a transformer over the utterance; with shared_input_embedding each token also enters through L (from_code). */
class Encoder {
  private readonly tokEmb: tf.Tensor2D;
  private readonly fromCode: Linear | null;
  private readonly posEmb: tf.Tensor2D;
  private readonly layers: Block[];
  private readonly lnF: LayerNorm;

  constructor(w: WeightReader, prefix: string, cfg: ModelConfig, heads: Heads) {
    const d = cfg.d_model;
    this.tokEmb = w.matrix(`${prefix}.tok_emb.weight`, cfg.vocab_size, d);
    this.fromCode = cfg.shared_input_embedding ? loadLinear(w, `${prefix}.from_code`, cfg.d_embed, d, false) : null;
    this.posEmb = w.matrix(`${prefix}.pos_emb`, cfg.max_utterance_len, d);
    this.layers = loadBlocks(w, prefix, cfg.encoder_layers, cfg, heads, false);
    this.lnF = loadLayerNorm(w, `${prefix}.ln_f`, d);
  }

  /** ids [Lu] int32, mask [Lu] additive key bias, codeTable [V, d_embed] -> memory [Lu, d_model]. */
  forward(ids: tf.Tensor1D, mask: tf.Tensor1D, codeTable: tf.Tensor2D): tf.Tensor2D {
    const L = ids.shape[0];
    let h: tf.Tensor = tf.gather(this.tokEmb, ids);
    if (this.fromCode) h = tf.add(h, linear(tf.gather(codeTable, ids), this.fromCode));
    h = tf.add(h, tf.slice(this.posEmb, [0, 0], [L, -1]));
    h = tf.expandDims(h, 0); // [1, Lu, d]
    for (const layer of this.layers) h = layer.forward(h, mask, null);
    return tf.squeeze(layerNorm(h, this.lnF), [0]) as tf.Tensor2D;
  }
}

// ---- Denoiser N -----------------------------------------------------------------------------------------------------

/** N: estimates x0 from x_t, the time t and (self-conditioning) its own previous estimate. */
class Denoiser {
  readonly layers: Block[];
  private readonly inProj: Linear;
  private readonly posEmb: tf.Tensor2D;
  private readonly timeMlp: TimeMLP;
  private readonly outProj: Linear;

  constructor(w: WeightReader, prefix: string, cfg: ModelConfig, heads: Heads, private readonly T: number) {
    const d = cfg.d_model;
    this.inProj = loadLinear(w, `${prefix}.in_proj`, 2 * cfg.d_embed, d);
    this.posEmb = w.matrix(`${prefix}.pos_emb`, cfg.max_code_len, d);
    this.timeMlp = new TimeMLP(w, `${prefix}.time_mlp`, d);
    this.layers = loadBlocks(w, prefix, cfg.denoiser_layers, cfg, heads, true);
    this.outProj = foldLayerNorm(w, loadLayerNorm(w, `${prefix}.ln_f`, d), loadLinear(w, `${prefix}.out_proj`, d, cfg.d_embed));
  }

  forward(xT: tf.Tensor3D, t: number, x0Prev: tf.Tensor3D, memoryKV: LayerKV[]): tf.Tensor3D {
    const Lc = xT.shape[1];
    const d = this.posEmb.shape[1];
    const features = tf.tensor2d(timestepFeatures(t, this.T, d), [1, d]);
    const time = this.timeMlp.forward(features); // [1, d]
    let h = linear(tf.concat([xT, x0Prev], -1), this.inProj);
    h = tf.add(tf.add(h, tf.slice(this.posEmb, [0, 0], [Lc, -1])), tf.expandDims(time, 1));
    this.layers.forEach((layer, i) => {
      h = layer.forward(h, null, memoryKV[i] as LayerKV);
    });
    return linear(normalize(h), this.outProj) as tf.Tensor3D;
  }
}

// ---- Decoder D ------------------------------------------------------------------------------------------------------

/** D: a transformer with cross-attention that maps x0_hat back towards the clean embeddings, z. */
class Decoder {
  readonly layers: Block[];
  private readonly inProj: Linear;
  private readonly posEmb: tf.Tensor2D;
  private readonly outProj: Linear;

  constructor(w: WeightReader, prefix: string, cfg: ModelConfig, heads: Heads) {
    const d = cfg.d_model;
    this.inProj = loadLinear(w, `${prefix}.in_proj`, cfg.d_embed, d);
    this.posEmb = w.matrix(`${prefix}.pos_emb`, cfg.max_code_len, d);
    this.layers = loadBlocks(w, prefix, cfg.decoder_layers, cfg, heads, true);
    this.outProj = foldLayerNorm(w, loadLayerNorm(w, `${prefix}.ln_f`, d), loadLinear(w, `${prefix}.out_proj`, d, cfg.d_embed));
  }

  forward(x0hat: tf.Tensor3D, memoryKV: LayerKV[]): tf.Tensor3D {
    const Lc = x0hat.shape[1];
    let h = tf.add(linear(x0hat, this.inProj), tf.slice(this.posEmb, [0, 0], [Lc, -1]));
    this.layers.forEach((layer, i) => {
      h = layer.forward(h, null, memoryKV[i] as LayerKV);
    });
    return linear(normalize(h), this.outProj) as tf.Tensor3D;
  }
}

// ---- Head H and the whole model -------------------------------------------------------------------------------------

/** The memory projected once per request for every cross-attention layer (denoiser layers, decoder layers). */
export interface MemoryKV {
  denoiser: LayerKV[];
  decoder: LayerKV[];
}

/** What encode() returns; the caller owns these tensors and disposes them with dispose(). */
export interface EncodedUtterance {
  /** Encoder output, [Lu, d_model] (padding rows are computed too; only the real ones mean anything). */
  memory: tf.Tensor2D;
  /** Every cross-attention layer's view of the memory, its padding bias included. */
  memoryKV: MemoryKV;
  dispose(): void;
}

/**
 * The code embedding L, normalised (F.normalize(w, dim=-1) · sqrt(d_embed): w / max(‖w‖, 1e-12) · sqrt(d_embed)),
 * and the head tied to it: logits = exp(head_log_scale) · (z · Lᵀ) + head_bias.
 */
class Head {
  readonly table: tf.Tensor2D;
  /**
   * −2·Lᵀ [d_embed, V] and ‖L_v‖² [V]: x·(−2Lᵀ) + ‖L‖² is the squared distance from x to every embedding less ‖x‖²,
   * which is the same for all of them, so its argmin is the nearest embedding, in one product.
   */
  readonly distance: { weights: tf.Tensor2D; bias: tf.Tensor1D };
  /** exp(head_log_scale) · Lᵀ: the head is one product with its bias fused in. */
  private readonly logitWeights: tf.Tensor2D;
  private readonly bias: tf.Tensor1D;

  constructor(w: WeightReader, cfg: ModelConfig) {
    const codeEmb = w.matrix("code_emb.weight", cfg.vocab_size, cfg.d_embed);
    this.table = w.own(
      tf.tidy(() => {
        const rowNorm = tf.maximum(tf.sqrt(tf.sum(tf.square(codeEmb), 1, true)), 1e-12);
        return tf.mul(tf.div(codeEmb, rowNorm), Math.sqrt(cfg.d_embed)) as tf.Tensor2D;
      }),
    );
    // Lᵀ, [d_embed, V]: the wasm backend multiplies by a transposed operand about 9 times slower than by Lᵀ itself.
    const tableT = tf.transpose(this.table);
    this.distance = {
      weights: w.own(tf.tidy(() => tf.mul(tableT, -2) as tf.Tensor2D)),
      bias: w.own(tf.tidy(() => tf.sum(tf.square(this.table), 1) as tf.Tensor1D)),
    };
    this.bias = w.vector("head_bias", cfg.vocab_size);
    const logScale = w.tensor("head_log_scale", [1]);
    this.logitWeights = w.own(tf.tidy(() => tf.mul(tableT, tf.exp(tf.reshape(logScale, []))) as tf.Tensor2D));
    tableT.dispose();
    w.release(codeEmb, logScale);
  }

  /** z [B, Lc, d_embed] -> logits [B, Lc, V]. */
  forward(z: tf.Tensor3D): tf.Tensor3D {
    const [B, Lc, e] = z.shape;
    const V = this.table.shape[0];
    const logits = tf.fused.matMul({ a: tf.reshape(z, [-1, e]) as tf.Tensor2D, b: this.logitWeights, bias: this.bias });
    return tf.reshape(logits, [B, Lc, V]) as tf.Tensor3D;
  }
}

export class CodeFusionModel {
  readonly config: ModelConfig;
  readonly T: number;
  /** The schedule tables alpha_t, sigma_t for t = 0..T (from the manifest, never recomputed). */
  readonly alpha: readonly number[];
  readonly sigma: readonly number[];
  private readonly encoder: Encoder;
  private readonly denoiser: Denoiser;
  private readonly decoder: Decoder;
  private readonly head: Head;
  private readonly owned: tf.Tensor[];
  private disposed = false;

  constructor(manifest: BundleManifest, weights: Map<string, HostTensor>) {
    const cfg = manifest.model;
    this.config = cfg;
    this.T = manifest.diffusion.T;
    this.alpha = manifest.diffusion.alpha;
    this.sigma = manifest.diffusion.sigma;
    if (cfg.d_model % cfg.n_heads !== 0) throw new Error("model: d_model must be a multiple of n_heads");
    const heads: Heads = { h: cfg.n_heads, dh: cfg.d_model / cfg.n_heads };
    const w = new WeightReader(weights);
    this.owned = w.owned;
    this.encoder = new Encoder(w, "encoder", cfg, heads);
    this.denoiser = new Denoiser(w, "denoiser", cfg, heads, this.T);
    this.decoder = new Decoder(w, "decoder", cfg, heads);
    this.head = new Head(w, cfg);
    w.checkAllUsed();
  }

  /** The normalised code embedding table L, [V, d_embed] (owned by the model: do not dispose). */
  embeddingTable(): tf.Tensor2D {
    return this.head.table;
  }

  /** −2·Lᵀ and ‖L‖² (owned by the model): the terms of the distance to every embedding that depend on L (Head). */
  embeddingDistance(): { weights: tf.Tensor2D; bias: tf.Tensor1D } {
    return this.head.distance;
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
      const memory = this.encoder.forward(ids, mask, this.head.table);
      const project = (layers: Block[]): LayerKV[] => layers.map((layer) => layer.projectMemory(memory, mask));
      const projected = [...project(this.denoiser.layers), ...project(this.decoder.layers)];
      // tf.tidy keeps the tensors of what it returns: a flat list, regrouped below.
      return [memory, ...projected.flatMap((kv) => [kv.keys, kv.keyBias, kv.values])];
    });
    const [memory, ...kvTensors] = result as [tf.Tensor2D, ...tf.Tensor[]];
    const layers: LayerKV[] = [];
    for (let i = 0; i < kvTensors.length; i += 3) {
      const [keys, keyBias, values] = kvTensors.slice(i, i + 3) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
      layers.push({ keys, keyBias, values });
    }
    const nDen = this.denoiser.layers.length;
    const memoryKV: MemoryKV = { denoiser: layers.slice(0, nDen), decoder: layers.slice(nDen) };
    return {
      memory,
      memoryKV,
      dispose: () => tf.dispose(result),
    };
  }

  /** N: x0_hat [B, Lc, d_embed] from x_t [B, Lc, d_embed] at integer time t, and x0_prev (self-conditioning). */
  denoise(xT: tf.Tensor3D, t: number, x0Prev: tf.Tensor3D, memoryKV: MemoryKV): tf.Tensor3D {
    this.checkAlive();
    this.checkCodeShape(xT, "x_t");
    this.checkCodeShape(x0Prev, "x0_prev");
    // scale_input: N reads alpha_t · x_t (CodeFusion.denoise): at high noise its input fades to 0 instead of pure noise
    return tf.tidy(() => {
      const input = this.config.scale_input ? (tf.mul(xT, this.alpha[t] as number) as tf.Tensor3D) : xT;
      return this.denoiser.forward(input, t, x0Prev, memoryKV.denoiser);
    });
  }

  /** D and H: z [B, Lc, d_embed] and logits [B, Lc, V] of an estimate x0_hat [B, Lc, d_embed]. */
  decode(x0hat: tf.Tensor3D, memoryKV: MemoryKV): { z: tf.Tensor3D; logits: tf.Tensor3D } {
    this.checkAlive();
    this.checkCodeShape(x0hat, "x0_hat");
    return tf.tidy(() => {
      const z = this.decoder.forward(x0hat, memoryKV.decoder);
      return { z, logits: this.head.forward(z) };
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

  private checkCodeShape(x: tf.Tensor, what: string): void {
    if (x.rank !== 3 || x.shape[2] !== this.config.d_embed) {
      throw new Error(`${what}: expected [B, Lc, ${this.config.d_embed}], got [${x.shape.join(", ")}]`);
    }
    const Lc = x.shape[1] as number;
    if (Lc < 1 || Lc > this.config.max_code_len) throw new Error(`${what}: Lc ${Lc} outside 1..${this.config.max_code_len}`);
  }
}
