/**
 * Per-turn training-free scores from the generated tokens (higher = more uncertain = more likely hallucinated):
 *
 *   nll_mean     = −(1/T) Σ_t log p(x_t | x_<t)        (nats)
 *   entropy_mean =  (1/T) Σ_t H(p(· | x_<t))           (nats)
 *
 * over the T tokens the engine generated in the turn (the stop token included when one was generated), under the
 * model's raw logits (before temperature and top-p). T = 0 gives null for both, never 0. A timed-out turn gets
 * null scores (the runner does not call this for it).
 */

export function meanOrNull(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  const m = s / values.length;
  return Number.isFinite(m) ? m : null;
}

export function nllMean(logprobs: ArrayLike<number>): number | null {
  const m = meanOrNull(logprobs);
  return m === null ? null : -m;
}

export function entropyMean(entropies: ArrayLike<number>): number | null {
  return meanOrNull(entropies);
}

/** Whitespace word count, as Python's `len(s.split())`. */
export function wordCount(s: string): number {
  const t = s.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
}

/** Rounds to 1e-6 for storage of per-token values (float32 noise beyond that is not information). */
export function round6(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x;
}
