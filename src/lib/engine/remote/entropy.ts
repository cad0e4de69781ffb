/**
 * Entropy from what a remote engine returns. Engines return the top-k log-probabilities of each step, not the
 * full distribution, so the full-distribution entropy H(p) = −Σ_v p_v ln p_v (what the local engine records)
 * cannot be computed: remote runs report it as unavailable (NaN in `entropies`, the reason in
 * `ModelInfo.unavailable.entropy`), never as an estimate under the same name.
 *
 * For those who want a top-k figure anyway, `topKEntropy` is the entropy of the top-k renormalised, a different
 * quantity with its own name:
 *
 *   q_i = p_i / Σ_{j≤k} p_j,   H_k = −Σ_{i≤k} q_i ln q_i   (nats)
 *
 * It is 0 for k = 1, at most ln k, and unrelated in general to H(p) (a flat tail raises H(p) but not H_k).
 */

/** Entropy (nats) of the renormalised top-k, from log-probabilities; NaN for an empty list or a non-finite entry. */
export function topKEntropy(logprobs: ArrayLike<number>): number {
  const n = logprobs.length;
  if (n === 0) return NaN;
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = logprobs[i];
    if (Number.isNaN(v) || v === Infinity) return NaN;
    if (v > m) m = v;
  }
  if (m === -Infinity) return NaN;
  // H = log s − t/s with s = Σ e^(x−m), t = Σ e^(x−m)(x−m): the same shift-invariant form as `logitStats`.
  let s = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    const d = logprobs[i] - m;
    if (d === -Infinity) continue;
    const e = Math.exp(d);
    s += e;
    t += e * d;
  }
  return Math.max(0, Math.log(s) - t / s);
}
