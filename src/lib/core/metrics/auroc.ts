/**
 * Area under the ROC curve, by the Mann–Whitney statistic with average ranks.
 *
 *     AUROC = P(s₊ > s₋) + ½·P(s₊ = s₋) = U / (n₊·n₋),
 *     U = Σ over tie groups g of  P_g · (N_below(g) + ½·N_g),
 *
 * where s₊ is the score of a hallucinated item (label 1, the positive class), s₋ of a factual one (label 0),
 * P_g and N_g count the positives and negatives in the group of items tied at one score, and N_below(g) the
 * negatives with a strictly lower score. This equals U = R₊ − n₊(n₊+1)/2 with R₊ the sum of the positives' average
 * ranks, and equals scikit-learn's `roc_auc_score` (the trapezoid under the full ROC curve, where a tie group is a
 * diagonal segment).
 *
 * Direction: higher scores must mean more likely hallucinated; 1 is perfect, 0.5 is chance, and a score oriented
 * the other way gives 1 − AUROC (never flipped here). Invariant under any strictly increasing transform of scores.
 *
 * Cost: O(n log n) for the sort, then O(n). U is accumulated in integer half-units, exact below 2^52 pairs.
 *
 * Degenerate input: one class only → NaN (see `undefinedReason`); anything else malformed throws `InputError`
 * (see `checkBinary`).
 *
 * @example auroc([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1]) // 5.5 / 6 = 0.916667
 */
import { checkBinary } from './checkBinary';
import { rankScores, type RankedScores, type Weights } from './rankScores';

export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { labels: y } = checkBinary(scores, labels, 'auroc');
  return aurocRanked(rankScores(scores, 'auroc'), y, undefined);
}

/**
 * AUROC over a pre-sorted order with per-item weights (bootstrap counts): U_w = Σ_g P_g·(N_below + ½N_g) with
 * weighted counts, divided by W₊·W₋. With integer weights this equals the AUROC of the data set in which item i
 * appears weights[i] times (scikit-learn's `sample_weight`). NaN when either class has zero total weight.
 */
export function aurocRanked(ranked: RankedScores, labels: ArrayLike<number>, weights: Weights): number {
  const { order, groupEnds } = ranked;
  let negBelow = 0;
  let totalPos = 0;
  let u = 0;
  let start = 0;
  for (let g = 0; g < groupEnds.length; g++) {
    const end = groupEnds[g];
    let p = 0;
    let q = 0;
    for (let i = start; i < end; i++) {
      const item = order[i];
      const w = weights === undefined ? 1 : weights[item];
      if (labels[item] === 1) p += w;
      else q += w;
    }
    u += p * (negBelow + q / 2);
    negBelow += q;
    totalPos += p;
    start = end;
  }
  if (totalPos === 0 || negBelow === 0) return NaN;
  return u / (totalPos * negBelow);
}
