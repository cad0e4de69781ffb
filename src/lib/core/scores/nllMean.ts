/**
 * nllMean(logprobs): the mean negative log-likelihood of a turn's generated tokens, in nats,
 *
 *   NLL = −(1/T) Σ_t log p(token_t | prefix),
 *
 * from the per-token log-probabilities the engine records under the model's raw logits (before temperature and
 * top-p). Direction: higher = less likely text = more likely hallucinated. exp(NLL) is the turn's perplexity.
 *
 * Degenerate input: no tokens (T = 0) gives NaN (reason: nothing generated; the runner stores null). A log-probability
 * of −∞ gives +∞. A NaN or a positive log-probability (above 1e-6, round-off allowed) is a `TypeError`.
 *
 * @example nllMean([-1, -2, -3]) === 2
 */
import { typeName } from '../issues';

export function nllMean(logprobs: ArrayLike<number>): number {
  if (logprobs === null || typeof logprobs !== 'object' || typeof logprobs.length !== 'number') {
    throw new TypeError(`logprobs must be an array of log-probabilities, got ${typeName(logprobs)}`);
  }
  const T = logprobs.length;
  if (T === 0) return NaN;
  let s = 0;
  for (let t = 0; t < T; t++) {
    const v = logprobs[t];
    if (typeof v !== 'number' || Number.isNaN(v) || v > 1e-6) throw new TypeError(`logprobs[${t}] must be a log-probability (≤ 0), got ${String(v)}`);
    s -= v;
  }
  return s / T;
}
