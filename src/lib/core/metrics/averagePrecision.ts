/**
 * Average precision, as scikit-learn's `average_precision_score`: the STEP-WISE sum
 *
 *     AP = Σ_t (R_t − R_{t−1}) · P_t,
 *
 * over the distinct score thresholds t in decreasing order, where an item is flagged hallucinated when its score
 * is ≥ t, P_t = TP/(TP + FP) and R_t = TP/n₊ are precision and recall at t, and R_0 = 0. Tied scores enter together
 * (one threshold). This is NOT the trapezoid under the PR curve (`auc(recall, precision)`), which interpolates
 * linearly between points and overestimates, most of all for constant scores.
 *
 * Positive class: hallucinated (label 1). Its prevalence n₊/n is the value of a random score, so report them
 * together. Degenerate input: one class only → NaN (see `undefinedReason`); malformed input throws `InputError`.
 *
 * @example averagePrecision([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1]) // 1/3·1 + 1/3·1 + 1/3·3/4 = 0.916667
 */
import { checkBinary } from './checkBinary';
import { classTotals, rankScores, type RankedScores, type Weights } from './rankScores';

export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { labels: y } = checkBinary(scores, labels, 'averagePrecision');
  return averagePrecisionRanked(rankScores(scores, 'averagePrecision'), y, undefined);
}

/** Average precision over a pre-sorted order with per-item weights (as `sample_weight`); NaN for one class. */
export function averagePrecisionRanked(ranked: RankedScores, labels: ArrayLike<number>, weights: Weights): number {
  const { order, groupEnds } = ranked;
  const { pos: totalPos, neg: totalNeg } = classTotals(ranked, labels, weights);
  if (totalPos === 0 || totalNeg === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (let g = groupEnds.length - 1; g >= 0; g--) {
    const start = g === 0 ? 0 : groupEnds[g - 1];
    let p = 0;
    let q = 0;
    for (let i = start; i < groupEnds[g]; i++) {
      const item = order[i];
      const w = weights === undefined ? 1 : weights[item];
      if (labels[item] === 1) p += w;
      else q += w;
    }
    tp += p;
    fp += q;
    if (p > 0) ap += (p / totalPos) * (tp / (tp + fp));
  }
  return ap;
}
