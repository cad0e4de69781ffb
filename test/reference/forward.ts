/**
 * The reference forward pass of the fixture models, in plain TypeScript and float64: Llama, GPT-2 and GPT-NeoX
 * (Pythia) as Hugging Face `transformers` computes them, from an HF `config.json` and an HF state dict. One
 * sequence, no cache: the ONNX graphs (with and without their KV cache) are checked against this.
 *
 * Deliberately independent of the graph builder in `src/lib/engine/fixtures/`: it reads only the config and the
 * weight map, so a wrong size in `config.json`, a transposed weight or a misplaced head in the ONNX file shows up
 * as a difference. Written to be read top to bottom like nanoGPT's `model.py`.
 *
 * Letters: S tokens, d hidden size, H query heads, Hkv key/value heads, D head_dim, R rotated dims of a head,
 * I MLP width, V vocabulary. Matrices are row-major Float64Arrays, `[S, d]` meaning S rows of d.
 */

export interface RefTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}
export type RefWeights = Readonly<Record<string, RefTensor>>;
export type HfConfig = Readonly<Record<string, unknown>>;

export interface RefOptions {
  /** Position of each token (default 0..S−1); with left padding, HF uses cumsum(mask) − 1. */
  readonly positions?: readonly number[];
  /** 1 = attend, 0 = padding (default all 1). Padding keys are never attended to. */
  readonly mask?: readonly number[];
}

export interface RefOutput {
  /** [S, V] */
  readonly logits: Float64Array;
  /** L + 1 arrays of [S, d]: the embedding output, then the residual stream after each layer (before the final norm). */
  readonly hidden: Float64Array[];
}

// ---------------------------------------------------------------------------------------------------------------
// Blocks

/** rows(E)[ids]: [S, d] */
function embed(E: RefTensor, ids: readonly number[]): Float64Array {
  const [V, d] = E.shape;
  const out = new Float64Array(ids.length * d);
  ids.forEach((id, s) => {
    if (!(id >= 0 && id < V)) throw new RangeError(`token id ${id} outside the vocabulary [0, ${V})`);
    for (let j = 0; j < d; j++) out[s * d + j] = E.data[id * d + j];
  });
  return out;
}

/**
 * y = x · Wᵀ + b for an nn.Linear weight W [out, in] (`layout = 'out_in'`), or y = x · W + b for GPT-2's Conv1D
 * weight W [in, out] (`'in_out'`). x [S, in] → y [S, out].
 */
function linear(x: Float64Array, W: RefTensor, layout: 'out_in' | 'in_out', b?: RefTensor): Float64Array {
  const [r, c] = W.shape;
  const nIn = layout === 'out_in' ? c : r;
  const nOut = layout === 'out_in' ? r : c;
  const S = x.length / nIn;
  const y = new Float64Array(S * nOut);
  const Wd = W.data;
  for (let s = 0; s < S; s++) {
    const xo = s * nIn;
    const yo = s * nOut;
    if (layout === 'out_in') {
      for (let o = 0; o < nOut; o++) {
        let acc = b ? b.data[o] : 0;
        const wo = o * nIn;
        for (let i = 0; i < nIn; i++) acc += x[xo + i] * Wd[wo + i];
        y[yo + o] = acc;
      }
    } else {
      for (let o = 0; o < nOut; o++) y[yo + o] = b ? b.data[o] : 0;
      for (let i = 0; i < nIn; i++) {
        const xi = x[xo + i];
        const wi = i * nOut;
        for (let o = 0; o < nOut; o++) y[yo + o] += xi * Wd[wi + o];
      }
    }
  }
  return y;
}

/** LlamaRMSNorm: w ⊙ x / sqrt(mean(x²) + eps), per row of x [S, d]. */
function rmsNorm(x: Float64Array, w: RefTensor, eps: number): Float64Array {
  const d = w.shape[0];
  const y = new Float64Array(x.length);
  for (let s = 0; s < x.length / d; s++) {
    let ms = 0;
    for (let j = 0; j < d; j++) ms += x[s * d + j] ** 2;
    const inv = 1 / Math.sqrt(ms / d + eps);
    for (let j = 0; j < d; j++) y[s * d + j] = w.data[j] * x[s * d + j] * inv;
  }
  return y;
}

/** nn.LayerNorm: w ⊙ (x − mean) / sqrt(var + eps) + b, biased variance, per row. */
function layerNorm(x: Float64Array, w: RefTensor, b: RefTensor, eps: number): Float64Array {
  const d = w.shape[0];
  const y = new Float64Array(x.length);
  for (let s = 0; s < x.length / d; s++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[s * d + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[s * d + j] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) y[s * d + j] = w.data[j] * (x[s * d + j] - mean) * inv + b.data[j];
  }
  return y;
}

const silu = (v: number) => v / (1 + Math.exp(-v));
/** GPT-2's "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
/** The exact GELU (Pythia's "gelu"): x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
const geluErf = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));

/** erf to double precision: Maclaurin series for |x| < 2.5, Lentz's continued fraction of erfc beyond. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 100; n++) {
      term *= (-a * a) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (a > 6) return Math.sign(x);
  // erfc(a) = exp(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …)))))
  let f = a;
  let C = a;
  let Dd = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    Dd = a + an * Dd;
    Dd = 1 / Dd;
    C = a + an / C;
    const delta = C * Dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/**
 * Rotary position embedding on the first R dims of each head, HF's `rotate_half` convention:
 * for j < R/2, θ = pos · theta^(−2j/R) (the angle rounded to float32, as the exported graphs compute it),
 * (x_j, x_{j+R/2}) ← (x_j cos θ − x_{j+R/2} sin θ, x_{j+R/2} cos θ + x_j sin θ). x [S, n, D] in place.
 */
function rope(x: Float64Array, n: number, D: number, R: number, positions: readonly number[], theta: number): void {
  const half = R / 2;
  for (let s = 0; s < positions.length; s++) {
    for (let j = 0; j < half; j++) {
      const invFreq = Math.fround(1 / theta ** ((2 * j) / R));
      const angle = Math.fround(positions[s] * invFreq);
      const c = Math.cos(angle);
      const sn = Math.sin(angle);
      for (let h = 0; h < n; h++) {
        const o = (s * n + h) * D;
        const a = x[o + j];
        const b = x[o + j + half];
        x[o + j] = a * c - b * sn;
        x[o + j + half] = b * c + a * sn;
      }
    }
  }
}

/**
 * Causal softmax attention. q [S, H, D], k and v [S, Hkv, D] (query head h reads key/value head ⌊h·Hkv/H⌋, HF's
 * repeat_kv); query s sees key t iff t ≤ s and mask[t] = 1. Returns [S, H·D].
 */
function attention(q: Float64Array, k: Float64Array, v: Float64Array, S: number, H: number, Hkv: number, D: number, mask: readonly number[]): Float64Array {
  const out = new Float64Array(S * H * D);
  const scale = 1 / Math.sqrt(D);
  const scores = new Float64Array(S);
  for (let h = 0; h < H; h++) {
    const g = Math.floor((h * Hkv) / H);
    for (let s = 0; s < S; s++) {
      let max = -Infinity;
      for (let t = 0; t <= s; t++) {
        if (!mask[t]) continue;
        let dot = 0;
        for (let j = 0; j < D; j++) dot += q[(s * H + h) * D + j] * k[(t * Hkv + g) * D + j];
        scores[t] = dot * scale;
        if (scores[t] > max) max = scores[t];
      }
      if (max === -Infinity) continue; // a padding query sees nothing; its row is never compared
      let sum = 0;
      for (let t = 0; t <= s; t++) if (mask[t]) sum += (scores[t] = Math.exp(scores[t] - max));
      for (let t = 0; t <= s; t++) {
        if (!mask[t]) continue;
        const p = scores[t] / sum;
        for (let j = 0; j < D; j++) out[(s * H + h) * D + j] += p * v[(t * Hkv + g) * D + j];
      }
    }
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

function map(a: Float64Array, f: (v: number) => number): Float64Array {
  return a.map(f);
}

// ---------------------------------------------------------------------------------------------------------------
// Models

interface Dims {
  S: number;
  d: number;
  H: number;
  Hkv: number;
  D: number;
  L: number;
}

const num = (c: HfConfig, ...keys: string[]): number => {
  for (const k of keys) if (typeof c[k] === 'number') return c[k] as number;
  throw new Error(`config.json has none of ${keys.join(', ')}`);
};

function w(weights: RefWeights, name: string): RefTensor {
  const t = weights[name];
  if (!t) throw new Error(`reference: weight ${name} missing`);
  return t;
}

/** Llama: pre-norm RMSNorm, RoPE, grouped-query attention, SwiGLU; x ← x + attn(rms(x)); x ← x + mlp(rms(x)). */
function llamaLayer(x: Float64Array, W: RefWeights, i: number, c: HfConfig, n: Dims, pos: readonly number[], mask: readonly number[]): Float64Array {
  const p = `model.layers.${i}`;
  const eps = num(c, 'rms_norm_eps');
  const h = rmsNorm(x, w(W, `${p}.input_layernorm.weight`), eps); //               [S, d]
  const q = linear(h, w(W, `${p}.self_attn.q_proj.weight`), 'out_in'); //          [S, H·D]
  const k = linear(h, w(W, `${p}.self_attn.k_proj.weight`), 'out_in'); //          [S, Hkv·D]
  const v = linear(h, w(W, `${p}.self_attn.v_proj.weight`), 'out_in');
  rope(q, n.H, n.D, n.D, pos, num(c, 'rope_theta'));
  rope(k, n.Hkv, n.D, n.D, pos, num(c, 'rope_theta'));
  const a = linear(attention(q, k, v, n.S, n.H, n.Hkv, n.D, mask), w(W, `${p}.self_attn.o_proj.weight`), 'out_in');
  const x1 = add(x, a); //                                                          post-attention residual
  const h2 = rmsNorm(x1, w(W, `${p}.post_attention_layernorm.weight`), eps);
  const gate = map(linear(h2, w(W, `${p}.mlp.gate_proj.weight`), 'out_in'), silu); // [S, I]
  const up = linear(h2, w(W, `${p}.mlp.up_proj.weight`), 'out_in');
  const m = linear(gate.map((g, j) => g * up[j]), w(W, `${p}.mlp.down_proj.weight`), 'out_in'); // [S, d]
  return add(x1, m);
}

/** GPT-2: pre-norm LayerNorm, fused c_attn (q | k | v columns), biases, gelu_new; learned positions. */
function gpt2Layer(x: Float64Array, W: RefWeights, i: number, c: HfConfig, n: Dims, mask: readonly number[]): Float64Array {
  const p = `transformer.h.${i}`;
  const eps = num(c, 'layer_norm_epsilon', 'layer_norm_eps');
  const h = layerNorm(x, w(W, `${p}.ln_1.weight`), w(W, `${p}.ln_1.bias`), eps);
  const qkv = linear(h, w(W, `${p}.attn.c_attn.weight`), 'in_out', w(W, `${p}.attn.c_attn.bias`)); // [S, 3d]
  const q = new Float64Array(n.S * n.d);
  const k = new Float64Array(n.S * n.d);
  const v = new Float64Array(n.S * n.d);
  for (let s = 0; s < n.S; s++) {
    for (let j = 0; j < n.d; j++) {
      q[s * n.d + j] = qkv[s * 3 * n.d + j];
      k[s * n.d + j] = qkv[s * 3 * n.d + n.d + j];
      v[s * n.d + j] = qkv[s * 3 * n.d + 2 * n.d + j];
    }
  }
  const a = linear(attention(q, k, v, n.S, n.H, n.H, n.D, mask), w(W, `${p}.attn.c_proj.weight`), 'in_out', w(W, `${p}.attn.c_proj.bias`));
  const x1 = add(x, a);
  const h2 = layerNorm(x1, w(W, `${p}.ln_2.weight`), w(W, `${p}.ln_2.bias`), eps);
  const f = map(linear(h2, w(W, `${p}.mlp.c_fc.weight`), 'in_out', w(W, `${p}.mlp.c_fc.bias`)), geluTanh);
  return add(x1, linear(f, w(W, `${p}.mlp.c_proj.weight`), 'in_out', w(W, `${p}.mlp.c_proj.bias`)));
}

/**
 * GPT-NeoX (Pythia): query_key_value rows are grouped per head ([q_h, k_h, v_h] for head h), partial rotary on the
 * first R = ⌊D·rotary_pct⌋ dims, and the parallel residual x ← x + attn(ln1(x)) + mlp(ln2(x)).
 */
function neoxLayer(x: Float64Array, W: RefWeights, i: number, c: HfConfig, n: Dims, pos: readonly number[], mask: readonly number[]): Float64Array {
  const p = `gpt_neox.layers.${i}`;
  const eps = num(c, 'layer_norm_eps');
  const h = layerNorm(x, w(W, `${p}.input_layernorm.weight`), w(W, `${p}.input_layernorm.bias`), eps);
  const qkv = linear(h, w(W, `${p}.attention.query_key_value.weight`), 'out_in', w(W, `${p}.attention.query_key_value.bias`)); // [S, H·3D]
  const q = new Float64Array(n.S * n.d);
  const k = new Float64Array(n.S * n.d);
  const v = new Float64Array(n.S * n.d);
  for (let s = 0; s < n.S; s++) {
    for (let hh = 0; hh < n.H; hh++) {
      for (let j = 0; j < n.D; j++) {
        const base = s * 3 * n.d + hh * 3 * n.D;
        q[(s * n.H + hh) * n.D + j] = qkv[base + j];
        k[(s * n.H + hh) * n.D + j] = qkv[base + n.D + j];
        v[(s * n.H + hh) * n.D + j] = qkv[base + 2 * n.D + j];
      }
    }
  }
  const R = Math.floor(n.D * num(c, 'rotary_pct'));
  const theta = num(c, 'rotary_emb_base', 'rope_theta');
  rope(q, n.H, n.D, R, pos, theta);
  rope(k, n.H, n.D, R, pos, theta);
  const a = linear(attention(q, k, v, n.S, n.H, n.H, n.D, mask), w(W, `${p}.attention.dense.weight`), 'out_in', w(W, `${p}.attention.dense.bias`));
  const h2 = layerNorm(x, w(W, `${p}.post_attention_layernorm.weight`), w(W, `${p}.post_attention_layernorm.bias`), eps);
  const f = map(linear(h2, w(W, `${p}.mlp.dense_h_to_4h.weight`), 'out_in', w(W, `${p}.mlp.dense_h_to_4h.bias`)), geluErf);
  const m = linear(f, w(W, `${p}.mlp.dense_4h_to_h.weight`), 'out_in', w(W, `${p}.mlp.dense_4h_to_h.bias`));
  return add(add(m, a), x);
}

/**
 * Logits and every hidden state of one sequence. `config` is the model's `config.json` (model_type llama, gpt2 or
 * gpt_neox; a GenAI-builder Llama is `llama`).
 */
export function referenceForward(config: HfConfig, weights: RefWeights, ids: readonly number[], options: RefOptions = {}): RefOutput {
  const type = String(config.model_type);
  const S = ids.length;
  const d = num(config, 'hidden_size', 'n_embd');
  const H = num(config, 'num_attention_heads', 'n_head');
  const n: Dims = { S, d, H, Hkv: type === 'llama' ? num(config, 'num_key_value_heads') : H, D: d / H, L: num(config, 'num_hidden_layers', 'n_layer') };
  const pos = options.positions ?? ids.map((_, s) => s);
  const mask = options.mask ?? ids.map(() => 1);
  const tied = config.tie_word_embeddings === true;

  let x: Float64Array;
  let head: RefTensor;
  let final: (x: Float64Array) => Float64Array;
  let layer: (x: Float64Array, i: number) => Float64Array;
  if (type === 'llama') {
    x = embed(w(weights, 'model.embed_tokens.weight'), ids);
    layer = (x, i) => llamaLayer(x, weights, i, config, n, pos, mask);
    final = (x) => rmsNorm(x, w(weights, 'model.norm.weight'), num(config, 'rms_norm_eps'));
    head = weights['lm_head.weight'] ?? (tied ? w(weights, 'model.embed_tokens.weight') : w(weights, 'lm_head.weight'));
  } else if (type === 'gpt2') {
    const wpe = w(weights, 'transformer.wpe.weight');
    x = add(embed(w(weights, 'transformer.wte.weight'), ids), embed(wpe, pos));
    layer = (x, i) => gpt2Layer(x, weights, i, config, n, mask);
    final = (x) => layerNorm(x, w(weights, 'transformer.ln_f.weight'), w(weights, 'transformer.ln_f.bias'), num(config, 'layer_norm_epsilon', 'layer_norm_eps'));
    head = weights['lm_head.weight'] ?? w(weights, 'transformer.wte.weight');
  } else if (type === 'gpt_neox') {
    x = embed(w(weights, 'gpt_neox.embed_in.weight'), ids);
    layer = (x, i) => neoxLayer(x, weights, i, config, n, pos, mask);
    final = (x) => layerNorm(x, w(weights, 'gpt_neox.final_layer_norm.weight'), w(weights, 'gpt_neox.final_layer_norm.bias'), num(config, 'layer_norm_eps'));
    head = weights['embed_out.weight'] ?? w(weights, 'gpt_neox.embed_in.weight');
  } else {
    throw new Error(`reference: unsupported model_type ${type}`);
  }
  const hidden = [x];
  for (let i = 0; i < n.L; i++) hidden.push((x = layer(x, i)));
  const logits = linear(final(x), head, 'out_in'); //                               [S, V]
  return { logits, hidden };
}
