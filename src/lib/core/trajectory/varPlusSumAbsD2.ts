import { checkScores } from './checkScores';

/**
 * The score the released SpikeScore evaluation (`eval_probe.py`) actually computes, kept as a named variant
 * (method-spikescore.md §4.2, `spikeVarSum` there):
 *
 *     varPlusSumAbsD2(S) = Var(S) + Σ_{0<k<K−1} |S(k+1) − 2·S(k) + S(k−1)|,
 *
 * with Var the population variance (numpy's `np.var`, ddof = 0) over all K scores.
 *
 * Direction: higher means more likely hallucinated. Unlike SpikeScore it is not affine-equivariant (the variance
 * scales with a², the sum with |a|).
 *
 * Degenerate input, as the seed: K = 1 or 2 give Var(S) (the sum is empty), e.g. [0.5, 0.5] → 0; K = 0 → `null`
 * (the seed skips a file without scores). A non-finite score throws `InputError`.
 *
 * @example varPlusSumAbsD2([0, 0, 1, 0, 0]) // 0.16 + 4 = 4.16
 */
export function varPlusSumAbsD2(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'varPlusSumAbsD2');
  const K = scores.length;
  if (K === 0) return null;
  let mean = 0;
  for (let k = 0; k < K; k++) mean += scores[k];
  mean /= K;
  let ss = 0;
  for (let k = 0; k < K; k++) ss += (scores[k] - mean) ** 2;
  let sum = 0;
  for (let k = 1; k < K - 1; k++) sum += Math.abs(scores[k + 1] - 2 * scores[k] + scores[k - 1]);
  return ss / K + sum;
}
