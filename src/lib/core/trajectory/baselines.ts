/**
 * Baselines and ablations of the trajectory aggregation (method-spikescore.md §4.3, §11.5), beside SpikeScore.
 * Each takes the scores S(0..K−1) of the scored turns in order (turns without a score already skipped, see
 * `itemTrajectory`) and returns a number, or `null` when the trajectory is too short for the quantity to exist
 * (never a silent 0). A non-finite score throws `InputError`.
 *
 * Direction: all are used as "higher means more likely hallucinated", given per-turn scores oriented that way
 * (design.md). `lastMinusFirst` and `trajectorySlope` are signed: their direction (a rising score is suspicious)
 * is a convention fixed here, before any data, and never flipped after seeing results.
 *
 * "Turn index" below is the position k in `scores` (0, 1, 2, …), as the seed indexes its scores.
 */
import { checkScores } from './checkScores';

/** mean(S) = (1/K) Σ S(k). `null` for K = 0. */
export function trajectoryMean(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'trajectoryMean');
  const K = scores.length;
  if (K === 0) return null;
  let s = 0;
  for (let k = 0; k < K; k++) s += scores[k];
  return s / K;
}

/** Population variance (ddof = 0, numpy's `np.var`): (1/K) Σ (S(k) − mean)², two-pass. `null` for K = 0; 0 for K = 1. */
export function trajectoryVariance(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'trajectoryVariance');
  const K = scores.length;
  if (K === 0) return null;
  let m = 0;
  for (let k = 0; k < K; k++) m += scores[k];
  m /= K;
  let ss = 0;
  for (let k = 0; k < K; k++) ss += (scores[k] - m) ** 2;
  return ss / K;
}

/** max(S) − min(S). `null` for K = 0; 0 for K = 1. */
export function trajectoryRange(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'trajectoryRange');
  const K = scores.length;
  if (K === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < K; k++) {
    if (scores[k] < lo) lo = scores[k];
    if (scores[k] > hi) hi = scores[k];
  }
  return hi - lo;
}

/** max_k |S(k+1) − S(k)|, the largest jump between consecutive scored turns. `null` for K < 2. */
export function maxAbsD1(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'maxAbsD1');
  const K = scores.length;
  if (K < 2) return null;
  let best = 0;
  for (let k = 0; k < K - 1; k++) best = Math.max(best, Math.abs(scores[k + 1] - scores[k]));
  return best;
}

/** Total variation Σ_k |S(k+1) − S(k)|. `null` for K < 2. */
export function totalVariation(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'totalVariation');
  const K = scores.length;
  if (K < 2) return null;
  let s = 0;
  for (let k = 0; k < K - 1; k++) s += Math.abs(scores[k + 1] - scores[k]);
  return s;
}

/** S(K−1) − S(0), signed (positive when the score rises over the dialogue). `null` for K < 2. */
export function lastMinusFirst(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'lastMinusFirst');
  const K = scores.length;
  if (K < 2) return null;
  return scores[K - 1] - scores[0];
}

/**
 * Least-squares slope of S on the turn index k = 0..K−1: Σ (k − k̄)(S(k) − S̄) / Σ (k − k̄)², signed (per turn).
 * `null` for K < 2.
 */
export function trajectorySlope(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'trajectorySlope');
  const K = scores.length;
  if (K < 2) return null;
  const kBar = (K - 1) / 2;
  let sBar = 0;
  for (let k = 0; k < K; k++) sBar += scores[k];
  sBar /= K;
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < K; k++) {
    sxy += (k - kBar) * (scores[k] - sBar);
    sxx += (k - kBar) ** 2;
  }
  return sxy / sxx;
}

/** S(0): the single-turn score of the first scored turn (the plain probe, no dialogue). `null` for K = 0. */
export function firstTurn(scores: ArrayLike<number>): number | null {
  checkScores(scores, 'firstTurn');
  return scores.length === 0 ? null : scores[0];
}
