/**
 * entropyMean(entropies): the mean over a turn's generated tokens of the full next-token distribution's entropy,
 * in nats,
 *
 *   H̄ = (1/T) Σ_t H_t,   H_t = −Σ_v p_t(v) log p_t(v)   (the raw logits' softmax, as the engine records it).
 *
 * Direction: higher = a less certain model = more likely hallucinated.
 *
 * Degenerate input: no tokens gives NaN (reason: nothing generated; the runner stores null). A NaN, infinite or
 * negative entropy (below −1e-6, round-off allowed) is a `TypeError`.
 *
 * @example entropyMean([0.5, 1.5]) === 1
 */
import { typeName } from '../issues';

export function entropyMean(entropies: ArrayLike<number>): number {
  if (entropies === null || typeof entropies !== 'object' || typeof entropies.length !== 'number') {
    throw new TypeError(`entropies must be an array of entropies (nats), got ${typeName(entropies)}`);
  }
  const T = entropies.length;
  if (T === 0) return NaN;
  let s = 0;
  for (let t = 0; t < T; t++) {
    const v = entropies[t];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < -1e-6) throw new TypeError(`entropies[${t}] must be a finite entropy ≥ 0 (nats), got ${String(v)}`);
    s += v;
  }
  return s / T;
}
