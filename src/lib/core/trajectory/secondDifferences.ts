import { checkScores } from './checkScores';

/**
 * Second differences (discrete curvature) of a trajectory S(0..K−1):
 *
 *     Δ²S(k) = S(k+1) − 2·S(k) + S(k−1),   for 0 < k < K−1.
 *
 * Shapes: K scores in, max(0, K − 2) values out; `out[k − 1]` is Δ²S(k), the curvature at turn k. Empty for K < 3.
 * Throws `InputError` for a non-finite score. A linear trajectory gives zeros up to rounding (~1e-17).
 *
 * @example secondDifferences([0, 0, 1, 0, 0]) // [1, -2, 1]  (turns 1, 2, 3)
 */
export function secondDifferences(scores: ArrayLike<number>): Float64Array {
  checkScores(scores, 'secondDifferences');
  const n = Math.max(0, scores.length - 2);
  const out = new Float64Array(n);
  for (let k = 1; k <= n; k++) out[k - 1] = scores[k + 1] - 2 * scores[k] + scores[k - 1];
  return out;
}
