import { checkScores } from './checkScores';

/**
 * First differences ΔS(k) = S(k+1) − S(k) for k = 0..K−2, of a trajectory S(0..K−1).
 *
 * Shapes: K scores in, max(0, K − 1) differences out (empty for K < 2). Throws `InputError` for a non-finite score.
 */
export function firstDifferences(scores: ArrayLike<number>): Float64Array {
  checkScores(scores, 'firstDifferences');
  const n = Math.max(0, scores.length - 1);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = scores[k + 1] - scores[k];
  return out;
}
