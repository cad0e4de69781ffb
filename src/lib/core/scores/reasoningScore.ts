/**
 * The logit-lens "reasoning score" RS of the seed's `metrics_score.py` (method-spikescore.md §3.5), a training-free
 * per-turn score. For the selected hidden-state rows h_1 … h_L of one token position (L ≥ 2; the last one is the
 * reference):
 *
 *   probs_l = softmax(h_l · W_Uᵀ)          (W_U the unembedding `[vocab × hidden]`; no final norm, as the seed)
 *   RS      = (1/(L−1)) Σ_{l < L} JSD₂(probs_l, probs_L)          (bits; scipy `jensenshannon(·,·,2)**2`)
 *
 * The seed selects the inclusive range 13..21 (9 layers) and compares each to layer 21, the last *selected* layer,
 * not the model's last. Here the caller passes the rows it wants (`layerRows` maps hidden-state indices to rows
 * of what was stored; `inclusiveLayers(13, 21)` is the seed's choice).
 *
 * Direction: higher = intermediate layers disagree more with the reference layer. The seed treats a higher RS as
 * more likely hallucinated, and so do we; it is bounded in [0, 1].
 *
 * Arithmetic: logits and softmax in float64 (the seed: float32); W_U is read once for all layers, two rows at a
 * time dotted with every selected hidden vector in three-layer tiles: 50 k × 576 × 9 costs one pass over W_U
 * (about 0.15 s in Node on the reference machine; `npm run bench -- analysis`).
 *
 * Degenerate input: fewer than 2 rows has no pair to compare: NaN (reason: one layer). Non-finite hidden values
 * are a `TypeError` naming the row, as are shape mismatches.
 */
import { typeName } from '../issues';
import { jsdNormalised } from './jensenShannon';

export interface Unembedding {
  /** `[vocab × hidden]`, row-major (the LM head weight, or the tied input embedding). */
  readonly matrix: Float32Array;
  readonly vocab: number;
  readonly hidden: number;
}

/** The hidden-state indices a..b inclusive (the seed's `--layers 13,21` is `inclusiveLayers(13, 21)`, 9 layers). */
export function inclusiveLayers(a: number, b: number): number[] {
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < a) throw new TypeError(`inclusiveLayers(a, b) needs integers 0 ≤ a ≤ b, got ${a}, ${b}`);
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/**
 * The rows of a stored `[n_stored × hidden]` block that hold the hidden-state indices `layers`, in that order.
 * An index that was not stored is a `TypeError` listing what was.
 */
export function layerRows(stored: readonly number[], layers: readonly number[]): number[] {
  return layers.map((l) => {
    const r = stored.indexOf(l);
    if (r < 0) throw new TypeError(`hidden-state index ${l} was not stored; stored indices: [${stored.join(', ')}]`);
    return r;
  });
}

function checkUnembedding(u: Unembedding): void {
  if (!u || !(u.matrix instanceof Float32Array)) throw new TypeError(`unembedding.matrix must be a Float32Array [vocab × hidden], got ${typeName(u?.matrix)}`);
  if (!Number.isInteger(u.vocab) || u.vocab < 1 || !Number.isInteger(u.hidden) || u.hidden < 1) {
    throw new TypeError(`unembedding.vocab and .hidden must be positive integers, got ${String(u.vocab)} and ${String(u.hidden)}`);
  }
  if (u.matrix.length !== u.vocab * u.hidden) {
    throw new TypeError(`unembedding.matrix must hold vocab × hidden = ${u.vocab} × ${u.hidden} = ${u.vocab * u.hidden} values, got ${u.matrix.length}`);
  }
}

/**
 * logitLens(hidden, unembedding, rows) returns, for each selected row r of `hidden` `[n × H]`, the logits
 * h_r · W_Uᵀ (float64, length vocab).
 */
export function logitLens(hidden: Float32Array, unembedding: Unembedding, rows: readonly number[]): Float64Array[] {
  checkUnembedding(unembedding);
  const { matrix: W, vocab: V, hidden: H } = unembedding;
  if (!(hidden instanceof Float32Array)) throw new TypeError(`hidden must be a Float32Array [layers × hidden], got ${typeName(hidden)}`);
  if (hidden.length % H !== 0) throw new TypeError(`hidden has ${hidden.length} values, not a multiple of the unembedding's hidden size ${H}`);
  const n = hidden.length / H;
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= n) throw new TypeError(`rows must be indices into the ${n} rows of hidden, got ${String(r)}`);
    for (let j = 0; j < H; j++) {
      const v = hidden[r * H + j];
      if (!(v - v === 0)) throw new TypeError(`hidden row ${r} holds a non-finite value (${String(v)}) at ${j}`);
    }
  }
  const L = rows.length;
  const out = rows.map(() => new Float64Array(V));
  // Register tiles of 2 vocabulary rows × 3 layers; the vocabulary is the outer loop, so W_U streams from memory
  // once and its two rows stay in L1 while every layer tile passes over them. A short last tile repeats its last
  // layer (same value written twice).
  for (let v = 0; v < V; v += 2) {
    const w0 = v * H;
    const pair = v + 1 < V;
    const w1 = pair ? w0 + H : w0;
    for (let t = 0; t < L; t += 3) {
      const i1 = t + Math.min(1, L - t - 1);
      const i2 = t + Math.min(2, L - t - 1);
      const o0 = rows[t] * H;
      const o1 = rows[i1] * H;
      const o2 = rows[i2] * H;
      let a0 = 0, a1 = 0, a2 = 0, b0 = 0, b1 = 0, b2 = 0;
      for (let j = 0; j < H; j++) {
        const x = W[w0 + j];
        const y = W[w1 + j];
        const h0 = hidden[o0 + j];
        const h1 = hidden[o1 + j];
        const h2 = hidden[o2 + j];
        a0 += x * h0;
        a1 += x * h1;
        a2 += x * h2;
        b0 += y * h0;
        b1 += y * h1;
        b2 += y * h2;
      }
      out[i2][v] = a2;
      out[i1][v] = a1;
      out[t][v] = a0;
      if (pair) {
        out[i2][v + 1] = b2;
        out[i1][v + 1] = b1;
        out[t][v + 1] = b0;
      }
    }
  }
  return out;
}

/** softmax in place (float64, max-subtracted); returns the array. */
export function softmaxInPlace(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let s = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i] - max);
    logits[i] = e;
    s += e;
  }
  const inv = 1 / s;
  for (let i = 0; i < logits.length; i++) logits[i] *= inv;
  return logits;
}

/**
 * reasoningScore(hidden, unembedding, rows?) returns RS for the rows `rows` of `hidden` `[n × H]` (default: all
 * rows, in order), the last one being the reference.
 *
 * @example With two rows whose softmaxed logits are [1, 0] and [0, 1] (one-hot), RS = 1 bit.
 */
export function reasoningScore(hidden: Float32Array, unembedding: Unembedding, rows?: readonly number[]): number {
  checkUnembedding(unembedding);
  const n = hidden instanceof Float32Array ? Math.floor(hidden.length / unembedding.hidden) : 0;
  const selected = rows ?? Array.from({ length: n }, (_, i) => i);
  const probs = logitLens(hidden, unembedding, selected).map(softmaxInPlace);
  if (probs.length < 2) return NaN;
  const ref = probs[probs.length - 1];
  let s = 0;
  for (let l = 0; l < probs.length - 1; l++) s += jsdNormalised(probs[l], 1, ref, 1);
  return s / (probs.length - 1);
}
