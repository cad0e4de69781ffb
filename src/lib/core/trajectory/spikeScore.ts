import { InputError } from '../issues';
import { checkScores } from './checkScores';

export interface Spike {
  /** max over 0 < k < K−1 of |S(k+1) − 2S(k) + S(k−1)|; ≥ 0. */
  readonly value: number;
  /** The turn k where the maximum occurs (the first such k on ties). */
  readonly turn: number;
}

/**
 * SpikeScore (Deng et al., ICLR 2026): the largest absolute second difference of a per-turn score trajectory,
 *
 *     SpikeScore(S) = max_{0<k<K−1} |S(k+1) − 2·S(k) + S(k−1)|,
 *
 * over the scores S(0..K−1) of turns numbered as stored (turn 0 is the first answer, so K = max_steps + 1).
 *
 * Direction: higher means more likely hallucinated, provided the per-turn score is oriented that way; the value
 * does not depend on that orientation, since SpikeScore(a·S + b) = |a|·SpikeScore(S).
 *
 * Ties: the reported `turn` is the first k (smallest) reaching the maximum, with exact float comparison (`>`).
 *
 * Turns: `turn` is the position k in `scores`. When turns without a score were skipped (see `itemTrajectory`),
 * pass their stored numbers as `turns` (same length as `scores`) and `turn` is `turns[k]` instead.
 *
 * Degenerate input: fewer than 3 scores → `null` (no second difference exists; never 0). A non-finite score, or
 * `turns` of another length, throws `InputError`.
 *
 * @example spikeScore([0, 0, 1, 0, 0]) // {value: 2, turn: 2}
 * @example spikeScore([1.0, 0.2, 0.9, 0.1, 1.0, 0.3]) // {value: 1.7, turn: 3} (up to rounding)
 */
export function spikeScore(scores: ArrayLike<number>, turns?: ArrayLike<number>): Spike | null {
  checkScores(scores, 'spikeScore');
  if (turns !== undefined && turns.length !== scores.length) {
    throw new InputError([
      { code: 'mismatch', path: ['turns'], message: `spikeScore: turns must have one entry per score (${scores.length}), got ${turns.length}` }
    ]);
  }
  const K = scores.length;
  if (K < 3) return null;
  let best = -1;
  let at = 1;
  for (let k = 1; k < K - 1; k++) {
    const d = Math.abs(scores[k + 1] - 2 * scores[k] + scores[k - 1]);
    if (d > best) {
      best = d;
      at = k;
    }
  }
  return { value: best, turn: turns ? turns[at] : at };
}
