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
  return { wt: w.own(tf.transpose(weight)), b: bias ? w.vector(`${prefix}.bias`, outDim) : null };
}

function linear(x: tf.Tensor, layer: Linear): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1] as number;
  const outDim = layer.wt.shape[1];
  let y: tf.Tensor = tf.matMul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, layer.wt);
  if (layer.b) y = tf.add(y, layer.b);
  return tf.reshape(y, [...shape.slice(0, -1), outDim]);
}

interface LayerNorm {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
}

function loadLayerNorm(w: WeightReader, prefix: string, d: number): LayerNorm {
  return { weight: w.vector(`${prefix}.weight`, d), bias: w.vector(`${prefix}.bias`, d) };
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

function reshapeTranspose(x: tf.Tensor, shape: number[], perm: number[], outShape: number[]): tf.Tensor {
  return tf.reshape(tf.transpose(tf.reshape(x, shape), perm), outShape);
}

// ---- Attention: attention(), SelfAttention, CrossAttention, MLP ---------------------------------------------------

/** softmax(q kᵀ / sqrt(dh) + keyBias) v over batched [N, Lq, dh] x [N, Lk, dh]; keyBias [Lk] is 0 or MASKED. */
function attention(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, keyBias: tf.Tensor1D | null): tf.Tensor3D {
  const dh = q.shape[2];
  let scores: tf.Tensor = tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh));
  if (keyBias) scores = tf.add(scores, keyBias);
  return tf.matMul(tf.softmax(scores), v);
}

/** Heads of width d / nHeads. */
interface Heads {
  h: number;
  dh: number;
}

class SelfAttention {
  private readonly qkv: Linear;
  private readonly out: Linear;

  constructor(w: WeightReader, prefix: string, d: number, private readonly heads: Heads) {
    this.qkv = loadLinear(w, `${prefix}.qkv`, d, 3 * d);
    this.out = loadLinear(w, `${prefix}.out`, d, d);
  }

  /** x [B, L, d]; mask is the additive key bias (the encoder's padding) or null. */
  forward(x: tf.Tensor, mask: tf.Tensor1D | null): tf.Tensor {
    const [B, L, d] = x.shape as [number, number, number];
    const { h, dh } = this.heads;
    // qkv [B, L, 3d] -> q, k, v [B, L, d] -> [B*h, L, dh] each (three 4-D transposes: wasm has no fast path for the
    // single 5-D one).
    const [q, k, v] = tf
      .split(linear(x, this.qkv), 3, -1)
      .map((part) => reshapeTranspose(part, [B, L, h, dh], [0, 2, 1, 3], [B * h, L, dh]) as tf.Tensor3D) as [
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
    ];
    // [B*h, L, dh] -> [B, L, d]
    const attended = reshapeTranspose(attention(q, k, v, mask), [B, h, L, dh], [0, 2, 1, 3], [B, L, d]);
    return linear(attended, this.out);
  }
}

/** One cross-attention layer's keys and values of the memory, each [h, Lu, dh]. */
export interface LayerKV {
  k: tf.Tensor3D;
  v: tf.Tensor3D;
}

/** Queries from the code positions, keys and values from the encoder's memory (projected once per request). */
class CrossAttention {
  private readonly q: Linear;
  private readonly kv: Linear;
  private readonly out: Linear;

  constructor(w: WeightReader, prefix: string, d: number, private readonly heads: Heads) {
    this.q = loadLinear(w, `${prefix}.q`, d, d);
    this.kv = loadLinear(w, `${prefix}.kv`, d, 2 * d);
    this.out = loadLinear(w, `${prefix}.out`, d, d);
  }

  /** Keys and values of the memory [Lu, d]: [h, Lu, dh] each. */
  projectMemory(memory: tf.Tensor2D): LayerKV {
    const Lu = memory.shape[0];
    const { h, dh } = this.heads;
    const kv = tf.transpose(tf.reshape(linear(memory, this.kv), [Lu, 2, h, dh]), [1, 2, 0, 3]);
    const [k, v] = tf.unstack(kv, 0) as [tf.Tensor3D, tf.Tensor3D];
    return { k, v };
  }

  forward(x: tf.Tensor, memoryKV: LayerKV, memoryMask: tf.Tensor1D): tf.Tensor {
    const [B, L, d] = x.shape as [number, number, number];
    const { h, dh } = this.heads;
    // Queries [B, L, h, dh] -> [h, B*L, dh] against the shared keys [h, Lu, dh].
    const q = reshapeTranspose(linear(x, this.q), [B, L, h, dh], [2, 0, 1, 3], [h, B * L, dh]) as tf.Tensor3D;
    const attended = reshapeTranspose(attention(q, memoryKV.k, memoryKV.v, memoryMask), [h, B, L, dh], [1, 2, 0, 3], [
      B,
      L,
      d,
    ]);
    return linear(attended, this.out);
  }
}

class MLP {
  private readonly fc1: Linear;
  private readonly fc2: Linear;

  constructor(w: WeightReader, prefix: string, d: number, dFF: number) {
    this.fc1 = loadLinear(w, `${prefix}.fc1`, d, dFF);
    this.fc2 = loadLinear(w, `${prefix}.fc2`, dFF, d);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return linear(gelu(linear(x, this.fc1)), this.fc2);
  }
}

// ---- Block ----------------------------------------------------------------------------------------------------------

/** The memory of one cross-attention layer and its padding bias. */
interface CrossInput {
  kv: LayerKV;
  mask: tf.Tensor1D;
}

/** Pre-LayerNorm transformer block; with cross-attention, a sublayer between self-attention and MLP. */
class Block {
  private readonly ln1: LayerNorm;
  private readonly selfAttn: SelfAttention;
  private readonly cross: { ln2: LayerNorm; crossAttn: CrossAttention } | null;
  private readonly ln3: LayerNorm;
  private readonly mlp: MLP;

  constructor(w: WeightReader, prefix: string, cfg: ModelConfig, heads: Heads, cross: boolean) {
    const d = cfg.d_model;
    this.ln1 = loadLayerNorm(w, `${prefix}.ln1`, d);
    this.selfAttn = new SelfAttention(w, `${prefix}.self_attn`, d, heads);
    this.cross = cross
      ? { ln2: loadLayerNorm(w, `${prefix}.ln2`, d), crossAttn: new CrossAttention(w, `${prefix}.cross_attn`, d, heads) }
      : null;
    this.ln3 = loadLayerNorm(w, `${prefix}.ln3`, d);
    this.mlp = new MLP(w, `${prefix}.mlp`, d, cfg.d_ff);
  }

  /** This block's keys and values of the memory (blocks with cross-attention only). */
  projectMemory(memory: tf.Tensor2D): LayerKV {
    if (!this.cross) throw new Error("projectMemory: a block without cross-attention");
    return this.cross.crossAttn.projectMemory(memory);
  }

  /** x [B, L, d]; selfMask is the additive key bias of self-attention (encoder only). */
  forward(x: tf.Tensor, selfMask: tf.Tensor1D | null, cross: CrossInput | null): tf.Tensor {
    let y = tf.add(x, this.selfAttn.forward(layerNorm(x, this.ln1), selfMask));
    if (this.cross) {
      if (!cross) throw new Error("block: cross-attention needs the memory");
      y = tf.add(y, this.cross.crossAttn.forward(layerNorm(y, this.cross.ln2), cross.kv, cross.mask));
    }
    return tf.add(y, this.mlp.forward(layerNorm(y, this.ln3)));
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
  private readonly lnF: LayerNorm;
  private readonly outProj: Linear;

  constructor(w: WeightReader, prefix: string, cfg: ModelConfig, heads: Heads, private readonly T: number) {
    const d = cfg.d_model;
    this.inProj = loadLinear(w, `${prefix}.in_proj`, 2 * cfg.d_embed, d);
    this.posEmb = w.matrix(`${prefix}.pos_emb`, cfg.max_code_len, d);
    this.timeMlp = new TimeMLP(w, `${prefix}.time_mlp`, d);
    this.layers = loadBlocks(w, prefix, cfg.denoiser_layers, cfg, heads, true);
    this.lnF = loadLayerNorm(w, `${prefix}.ln_f`, d);
    this.outProj = loadLinear(w, `${prefix}.out_proj`, d, cfg.d_embed);
  }

  forward(xT: tf.Tensor3D, t: number, x0Prev: tf.Tensor3D, memoryKV: LayerKV[], mask: tf.Tensor1D): tf.Tensor3D {
    const Lc = xT.shape[1];
    const d = this.posEmb.shape[1];
    const features = tf.tensor2d(timestepFeatures(t, this.T, d), [1, d]);
    const time = this.timeMlp.forward(features); // [1, d]
    let h = linear(tf.concat([xT, x0Prev], -1), this.inProj);
    h = tf.add(tf.add(h, tf.slice(this.posEmb, [0, 0], [Lc, -1])), tf.expandDims(time, 1));
    this.layers.forEach((layer, i) => {
      h = layer.forward(h, null, { kv: memoryKV[i] as LayerKV, mask });
    });
    return linear(layerNorm(h, this.lnF), this.outProj) as tf.Tensor3D;
  }
}

// ---- Decoder D ------------------------------------------------------------------------------------------------------

/** D: a transformer with cross-attention that maps x0_hat back towards the clean embeddings, z. */
class Decoder {
  readonly layers: Block[];
  private readonly inProj: Linear;
  private readonly posEmb: tf.Tensor2D;
  private readonly lnF: LayerNorm;
  private readonly outProj: Linear;

  constructor(w: WeightReader, prefix: string, cfg: ModelConfig, heads: Heads) {
    const d = cfg.d_model;
    this.inProj = loadLinear(w, `${prefix}.in_proj`, cfg.d_embed, d);
    this.posEmb = w.matrix(`${prefix}.pos_emb`, cfg.max_code_len, d);
    this.layers = loadBlocks(w, prefix, cfg.decoder_layers, cfg, heads, true);
    this.lnF = loadLayerNorm(w, `${prefix}.ln_f`, d);
    this.outProj = loadLinear(w, `${prefix}.out_proj`, d, cfg.d_embed);
  }

  forward(x0hat: tf.Tensor3D, memoryKV: LayerKV[], mask: tf.Tensor1D): tf.Tensor3D {
    const Lc = x0hat.shape[1];
    let h = tf.add(linear(x0hat, this.inProj), tf.slice(this.posEmb, [0, 0], [Lc, -1]));
    this.layers.forEach((layer, i) => {
      h = layer.forward(h, null, { kv: memoryKV[i] as LayerKV, mask });
    });
    return linear(layerNorm(h, this.lnF), this.outProj) as tf.Tensor3D;
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
  memoryKV: MemoryKV;
  /** Additive key bias for attention over the memory, [Lu]: 0 at real tokens, a huge negative at padding. */
  mask: tf.Tensor1D;
  dispose(): void;
}

/**
 * The code embedding L, normalised (F.normalize(w, dim=-1) · sqrt(d_embed): w / max(‖w‖, 1e-12) · sqrt(d_embed)),
 * and the head tied to it: logits = exp(head_log_scale) · (z · Lᵀ) + head_bias.
 */
class Head {
  readonly table: tf.Tensor2D;
  private readonly bias: tf.Tensor1D;
  private readonly scale: tf.Scalar;

  constructor(w: WeightReader, cfg: ModelConfig) {
    const codeEmb = w.matrix("code_emb.weight", cfg.vocab_size, cfg.d_embed);
    this.table = w.own(
      tf.tidy(() => {
        const rowNorm = tf.maximum(tf.sqrt(tf.sum(tf.square(codeEmb), 1, true)), 1e-12);
        return tf.mul(tf.div(codeEmb, rowNorm), Math.sqrt(cfg.d_embed)) as tf.Tensor2D;
      }),
    );
    this.bias = w.vector("head_bias", cfg.vocab_size);
    const logScale = w.tensor("head_log_scale", [1]);
    this.scale = w.own(tf.tidy(() => tf.exp(tf.reshape(logScale, [])) as tf.Scalar));
  }

  /** z [B, Lc, d_embed] -> logits [B, Lc, V]. */
  forward(z: tf.Tensor3D): tf.Tensor3D {
    const [B, Lc, e] = z.shape;
    const V = this.table.shape[0];
    const dots = tf.matMul(tf.reshape(z, [-1, e]) as tf.Tensor2D, this.table, false, true);
    return tf.reshape(tf.add(tf.mul(dots, this.scale), this.bias), [B, Lc, V]) as tf.Tensor3D;
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
      const project = (layers: Block[]): LayerKV[] => layers.map((layer) => layer.projectMemory(memory));
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
    this.checkCodeShape(xT, "x_t");
    this.checkCodeShape(x0Prev, "x0_prev");
    return tf.tidy(() => this.denoiser.forward(xT, t, x0Prev, memoryKV.denoiser, mask));
  }

  /** D and H: z [B, Lc, d_embed] and logits [B, Lc, V] of an estimate x0_hat [B, Lc, d_embed]. */
  decode(x0hat: tf.Tensor3D, memoryKV: MemoryKV, mask: tf.Tensor1D): { z: tf.Tensor3D; logits: tf.Tensor3D } {
    this.checkAlive();
    this.checkCodeShape(x0hat, "x0_hat");
    return tf.tidy(() => {
      const z = this.decoder.forward(x0hat, memoryKV.decoder, mask);
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
