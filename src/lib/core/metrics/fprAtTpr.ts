/**
 * False-positive rate at a target true-positive rate (FPR@95 for `tpr = 0.95`, the out-of-distribution
 * literature's metric as OpenHalDet reports it): walking the distinct score thresholds t in decreasing order
 * (flag hallucinated when score ≥ t; every threshold, as `roc_curve(..., drop_intermediate=False)`), the FPR at the
 * FIRST threshold where TPR ≥ `tpr`.
 *
 *     TPR(t) = #{hallucinated, score ≥ t} / n₊,   FPR(t) = #{factual, score ≥ t} / n₋.
 *
 * Lower is better; a random score gives about `tpr`. Ties: a tie group is flagged all at once, so the FPR jumps
 * by the group's factual items. Degenerate input: one class only → NaN; `tpr` outside (0, 1] or malformed input
 * throws `InputError`.
 *
 * @example fprAtTpr([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1], 0.95) // TPR reaches 1 at t = 0.4, where FPR = 1/2
 */
import { InputError } from '../issues';
import { checkBinary } from './checkBinary';
import { classTotals, rankScores, type RankedScores, type Weights } from './rankScores';

export function checkTpr(tpr: unknown, fn: string): asserts tpr is number {
  if (typeof tpr !== 'number' || !(tpr > 0 && tpr <= 1)) {
    throw new InputError([{ code: 'invalid_value', path: ['tpr'], message: `${fn}: tpr must be a number in (0, 1], got ${String(tpr)}` }]);
  }
}

export function fprAtTpr(scores: ArrayLike<number>, labels: ArrayLike<number>, tpr = 0.95): number {
  const { labels: y } = checkBinary(scores, labels, 'fprAtTpr');
  checkTpr(tpr, 'fprAtTpr');
  return fprAtTprRanked(rankScores(scores, 'fprAtTpr'), y, undefined, tpr);
}

/** FPR at the first threshold reaching TPR ≥ `tpr`, over a pre-sorted order with per-item weights. */
export function fprAtTprRanked(ranked: RankedScores, labels: ArrayLike<number>, weights: Weights, tpr = 0.95): number {
  const { order, groupEnds } = ranked;
  const { pos: totalPos, neg: totalNeg } = classTotals(ranked, labels, weights);
  if (totalPos === 0 || totalNeg === 0) return NaN;
  let tp = 0;
  let fp = 0;
  for (let g = groupEnds.length - 1; g >= 0; g--) {
    const start = g === 0 ? 0 : groupEnds[g - 1];
    for (let i = start; i < groupEnds[g]; i++) {
      const item = order[i];
      const w = weights === undefined ? 1 : weights[item];
      if (labels[item] === 1) tp += w;
      else fp += w;
    }
    // Division, not tp >= tpr·n₊, so the comparison is the one `roc_curve`'s tpr array gives.
    if (tp / totalPos >= tpr) return fp / totalNeg;
  }
  return fp / totalNeg; // not reached: the lowest threshold flags everything (TPR = 1)
}
