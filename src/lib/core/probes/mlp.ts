/**
 * The multilayer perceptron behind the SEP-MLP and SAPLMA probes, whole in one file (nanoGPT's habit): blocks of
 *
 *   Linear(prev → h_i) → [LayerNorm(h_i, eps)] → Mish | ReLU → [Dropout(p_i), training only]
 *
 * then a final Linear(prev → 1). The raw output z is unbounded; the probe maps it (identity for a regressor, a
 * sigmoid for a classifier). Parameters keep PyTorch's layout (Linear weight `[out × in]`) and its
 * `nn.Sequential` state-dict names (`model.{index}.weight`), so that a seed probe converted to safetensors loads
 * as is: the SEP `ProbeModel` has 4 modules per block (Linear, LayerNorm, Mish, Dropout), SAPLMA's Sequential 2
 * (Linear, ReLU).
 *
 * Shapes: B rows in a batch, D inputs, h_i block widths. Activations are float32, sums float64.
 */
import type { Random } from '../random';
import { matmulAB, matmulABt, matmulAtB } from './linalg';

export type Activation = 'mish' | 'relu';

export interface Dense {
  readonly inputs: number;
  readonly outputs: number;
  /** `[outputs × inputs]`, row-major. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface Norm {
  readonly size: number;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly eps: number;
}

export interface MlpBlock {
  readonly dense: Dense;
  readonly norm: Norm | null;
  readonly activation: Activation;
  /** Dropout probability in training (0: none). */
  readonly dropout: number;
}

export interface Mlp {
  readonly inputs: number;
  readonly blocks: readonly MlpBlock[];
  readonly head: Dense;
  /** Modules per block in the PyTorch `nn.Sequential` (for state-dict names). */
  readonly stride: number;
}

export interface MlpSpec {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** LayerNorm after each hidden Linear, with this eps (null: none). */
  readonly layerNormEps: number | null;
  /** Dropout probability of block i. */
  readonly dropout: readonly number[];
  /** Modules per block in the PyTorch Sequential; default 2 + (LayerNorm ? 1 : 0) + (any dropout ? 1 : 0). */
  readonly stride?: number;
}

function dense(inputs: number, outputs: number): Dense {
  return { inputs, outputs, weight: new Float32Array(inputs * outputs), bias: new Float32Array(outputs) };
}

/** An MLP of zeros with the given shape (also the container of its gradients). */
export function mlpZeros(spec: MlpSpec): Mlp {
  if (!Number.isInteger(spec.inputs) || spec.inputs < 1) throw new TypeError(`inputs must be a positive integer, got ${String(spec.inputs)}`);
  if (spec.dropout.length !== spec.hidden.length) throw new TypeError(`dropout must give one probability per hidden layer (${spec.hidden.length}), got ${spec.dropout.length}`);
  const blocks: MlpBlock[] = [];
  let prev = spec.inputs;
  spec.hidden.forEach((h, i) => {
    if (!Number.isInteger(h) || h < 1) throw new TypeError(`hidden[${i}] must be a positive integer, got ${String(h)}`);
    const p = spec.dropout[i];
    if (!(p >= 0 && p < 1)) throw new TypeError(`dropout[${i}] must be in [0, 1), got ${String(p)}`);
    const norm = spec.layerNormEps === null ? null : { size: h, weight: new Float32Array(h), bias: new Float32Array(h), eps: spec.layerNormEps };
    blocks.push({ dense: dense(prev, h), norm, activation: spec.activation, dropout: p });
    prev = h;
  });
  const stride = spec.stride ?? 2 + (spec.layerNormEps === null ? 0 : 1) + (spec.dropout.some((p) => p > 0) ? 1 : 0);
  return { inputs: spec.inputs, blocks, head: dense(prev, 1), stride };
}

/**
 * A freshly initialised MLP, as PyTorch initialises one: Linear weights and biases uniform in ±1/√fan_in
 * (`kaiming_uniform_(a=√5)` and its bias rule), LayerNorm weight 1 and bias 0.
 */
export function createMlp(spec: MlpSpec, random: Random): Mlp {
  const mlp = mlpZeros(spec);
  const init = (d: Dense) => {
    const bound = 1 / Math.sqrt(d.inputs);
    for (let i = 0; i < d.weight.length; i++) d.weight[i] = (2 * random() - 1) * bound;
    for (let i = 0; i < d.bias.length; i++) d.bias[i] = (2 * random() - 1) * bound;
  };
  for (const b of mlp.blocks) {
    init(b.dense);
    if (b.norm) b.norm.weight.fill(1);
  }
  init(mlp.head);
  return mlp;
}

export function mlpSpecOf(mlp: Mlp): MlpSpec {
  return {
    inputs: mlp.inputs,
    hidden: mlp.blocks.map((b) => b.dense.outputs),
    activation: mlp.blocks[0]?.activation ?? 'relu',
    layerNormEps: mlp.blocks[0]?.norm?.eps ?? null,
    dropout: mlp.blocks.map((b) => b.dropout),
    stride: mlp.stride
  };
}

export interface NamedParameter {
  /** PyTorch state-dict name, e.g. `model.0.weight`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: Float32Array;
}

/** Every parameter in state-dict order, named as PyTorch names them. */
export function mlpParameters(mlp: Mlp): NamedParameter[] {
  const out: NamedParameter[] = [];
  mlp.blocks.forEach((b, i) => {
    const k = i * mlp.stride;
    out.push({ name: `model.${k}.weight`, shape: [b.dense.outputs, b.dense.inputs], value: b.dense.weight });
    out.push({ name: `model.${k}.bias`, shape: [b.dense.outputs], value: b.dense.bias });
    if (b.norm) {
      out.push({ name: `model.${k + 1}.weight`, shape: [b.norm.size], value: b.norm.weight });
      out.push({ name: `model.${k + 1}.bias`, shape: [b.norm.size], value: b.norm.bias });
    }
  });
  const k = mlp.blocks.length * mlp.stride;
  out.push({ name: `model.${k}.weight`, shape: [1, mlp.head.inputs], value: mlp.head.weight });
  out.push({ name: `model.${k}.bias`, shape: [1], value: mlp.head.bias });
  return out;
}

/** softplus with PyTorch's threshold: x itself above 20. */
function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

export function mish(x: number): number {
  return x * Math.tanh(softplus(x));
}

/** d mish / dx = tanh(sp(x)) + x · (1 − tanh²(sp(x))) · σ(x). */
export function mishGrad(x: number): number {
  const t = Math.tanh(softplus(x));
  const s = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  return t + x * (1 - t * t) * s;
}

interface BlockCache {
  /** Input `[B × in]`. */
  readonly x: Float32Array;
  /** Normalised pre-affine values `[B × out]` and 1/σ per row (LayerNorm only). */
  readonly xhat: Float32Array | null;
  readonly rstd: Float64Array | null;
  /** Activation input `[B × out]`. */
  readonly pre: Float32Array;
  /** Dropout scale per element (0 or 1/(1 − p)), or null. */
  readonly mask: Float32Array | null;
  /** Block output `[B × out]`. */
  readonly out: Float32Array;
}

export interface ForwardCache {
  readonly batch: number;
  readonly blocks: readonly BlockCache[];
  /** Input of the head `[B × last hidden]`. */
  readonly last: Float32Array;
}

/**
 * forwardMlp(mlp, X, B) returns the raw outputs z `[B]` for the rows of X `[B × D]`. With `train` and a random
 * source, dropout is applied (inverted: kept values scale by 1/(1 − p)) and a cache for `backwardMlp` is returned.
 */
export function forwardMlp(mlp: Mlp, X: Float32Array, B: number, train?: { random: Random | null }): { z: Float32Array; cache: ForwardCache } {
  let x = X;
  const caches: BlockCache[] = [];
  for (const block of mlp.blocks) {
    const { dense: lin, norm } = block;
    const H = lin.outputs;
    const pre = new Float32Array(B * H);
    matmulABt(x, lin.weight, pre, B, H, lin.inputs, lin.bias); // [B × H]
    let xhat: Float32Array | null = null;
    let rstd: Float64Array | null = null;
    if (norm) {
      xhat = new Float32Array(B * H);
      rstd = new Float64Array(B);
      for (let b = 0; b < B; b++) {
        const o = b * H;
        let mean = 0;
        for (let j = 0; j < H; j++) mean += pre[o + j];
        mean /= H;
        let v = 0;
        for (let j = 0; j < H; j++) {
          const c = pre[o + j] - mean;
          v += c * c;
        }
        const r = 1 / Math.sqrt(v / H + norm.eps);
        rstd[b] = r;
        for (let j = 0; j < H; j++) {
          const xh = (pre[o + j] - mean) * r;
          xhat[o + j] = xh;
          pre[o + j] = xh * norm.weight[j] + norm.bias[j];
        }
      }
    }
    const out = new Float32Array(B * H);
    if (block.activation === 'mish') for (let i = 0; i < out.length; i++) out[i] = mish(pre[i]);
    else for (let i = 0; i < out.length; i++) out[i] = pre[i] > 0 ? pre[i] : 0;
    let mask: Float32Array | null = null;
    if (train?.random && block.dropout > 0) {
      const keep = 1 - block.dropout;
      const scale = 1 / keep;
      const random = train.random;
      mask = new Float32Array(B * H);
      for (let i = 0; i < mask.length; i++) {
        const m = random() < keep ? scale : 0;
        mask[i] = m;
        out[i] *= m;
      }
    }
    caches.push({ x, xhat, rstd, pre, mask, out });
    x = out;
  }
  const z = new Float32Array(B);
  matmulABt(x, mlp.head.weight, z, B, 1, mlp.head.inputs, mlp.head.bias);
  return { z, cache: { batch: B, blocks: caches, last: x } };
}

/**
 * backwardMlp(mlp, cache, dz, grads) adds to `grads` (an MLP of the same shape) the gradient of the loss given
 * dz = ∂loss/∂z `[B]`. Returns ∂loss/∂X `[B × D]` when `inputGrad` is set (gradient checks), else null.
 */
export function backwardMlp(mlp: Mlp, cache: ForwardCache, dz: Float32Array, grads: Mlp, inputGrad = false): Float32Array | null {
  const B = cache.batch;
  const head = mlp.head;
  // Head: z_b = h_b · w + c.
  let dh = new Float32Array(B * head.inputs);
  matmulAtB(dz, cache.last, grads.head.weight, B, head.inputs, 1, true);
  let dc = 0;
  for (let b = 0; b < B; b++) dc += dz[b];
  grads.head.bias[0] += dc;
  matmulAB(dz, head.weight, dh, B, head.inputs, 1);
  for (let i = mlp.blocks.length - 1; i >= 0; i--) {
    const block = mlp.blocks[i];
    const g = grads.blocks[i];
    const c = cache.blocks[i];
    const H = block.dense.outputs;
    // Dropout, then the activation: dh ← dh ⊙ mask ⊙ act'(pre).
    const dpre = dh;
    if (c.mask) for (let j = 0; j < dpre.length; j++) dpre[j] *= c.mask[j];
    if (block.activation === 'mish') for (let j = 0; j < dpre.length; j++) dpre[j] *= mishGrad(c.pre[j]);
    else for (let j = 0; j < dpre.length; j++) if (!(c.pre[j] > 0)) dpre[j] = 0;
    // LayerNorm: y = x̂·γ + β, x̂ = (x − μ)·r; dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)).
    let dlin = dpre;
    if (block.norm && c.xhat && c.rstd && g.norm) {
      const gamma = block.norm.weight;
      dlin = new Float32Array(B * H);
      for (let b = 0; b < B; b++) {
        const o = b * H;
        let m1 = 0;
        let m2 = 0;
        for (let j = 0; j < H; j++) {
          const dy = dpre[o + j];
          const xh = c.xhat[o + j];
          g.norm.weight[j] += dy * xh;
          g.norm.bias[j] += dy;
          const dxh = dy * gamma[j];
          m1 += dxh;
          m2 += dxh * xh;
        }
        m1 /= H;
        m2 /= H;
        const r = c.rstd[b];
        for (let j = 0; j < H; j++) dlin[o + j] = r * (dpre[o + j] * gamma[j] - m1 - c.xhat[o + j] * m2);
      }
    }
    // Linear: dW += dlinᵀ·x, db += Σ_b dlin, dx = dlin·W.
    const lin = block.dense;
    matmulAtB(dlin, c.x, g.dense.weight, B, lin.inputs, H, true);
    for (let b = 0; b < B; b++) {
      const o = b * H;
      for (let j = 0; j < H; j++) g.dense.bias[j] += dlin[o + j];
    }
    if (i > 0 || inputGrad) {
      dh = new Float32Array(B * lin.inputs);
      matmulAB(dlin, lin.weight, dh, B, lin.inputs, H);
    }
  }
  return inputGrad ? dh : null;
}
