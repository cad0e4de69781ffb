/**
 * The threshold maximising Youden's J = TPR − FPR over the ROC points (every distinct score, flagging as
 * hallucinated when score ≥ threshold). It is the page's verdict rule: "hallucinated if SpikeScore ≥ threshold".
 *
 * Ties in J: the first maximum in decreasing-threshold order, i.e. the HIGHEST threshold (fewest flags). When no
 * threshold beats chance (max J = 0), that is the +Infinity point: flag nothing. A threshold chosen on a set and
 * quoted on the same set is optimistic; choose it on training or validation items.
 *
 * Degenerate input: one class only → every field NaN and `reason` set; malformed input throws `InputError`.
 *
 * @example youdenThreshold([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1]) // {threshold: 0.8, j: 2/3, tpr: 2/3, fpr: 0}
 */
import { rocCurve } from './rocCurve';

export interface YoudenThreshold {
  readonly threshold: number;
  readonly j: number;
  readonly tpr: number;
  readonly fpr: number;
  readonly reason: string | null;
}

export function youdenThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>): YoudenThreshold {
  const roc = rocCurve(scores, labels, { dropIntermediate: false });
  if (roc.reason !== null) return { threshold: NaN, j: NaN, tpr: NaN, fpr: NaN, reason: roc.reason };
  let best = 0;
  for (let k = 1; k < roc.tpr.length; k++) if (roc.tpr[k] - roc.fpr[k] > roc.tpr[best] - roc.fpr[best]) best = k;
  return { threshold: roc.thresholds[best], j: roc.tpr[best] - roc.fpr[best], tpr: roc.tpr[best], fpr: roc.fpr[best], reason: null };
}
