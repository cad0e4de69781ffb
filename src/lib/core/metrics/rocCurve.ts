/**
 * The ROC curve exactly as scikit-learn's `roc_curve(y_true, y_score)` (version ≥ 1.3):
 *
 * - items sorted by score, decreasing; one point per distinct score t, flagging as hallucinated every item with
 *   score ≥ t (the inequality is ≥), so tied items enter together and make a diagonal segment;
 * - TPR = TP/n₊, FPR = FP/n₋, hallucination (label 1) being the positive class;
 * - `dropIntermediate` (default true, as sklearn): drop the points where neither the FP nor the TP count changes
 *   slope (second difference 0), i.e. points inside a straight segment; the curve's area is unchanged;
 * - a first point (0, 0) with threshold +Infinity, so the curve starts at the origin; thresholds then decrease.
 *   (scikit-learn < 1.3 puts max(score) + 1 there instead of +Infinity.)
 *
 * Shapes: three arrays of equal length, at most (number of distinct scores + 1).
 * Degenerate input: with no factual items FPR is NaN everywhere, with no hallucinated items TPR is (sklearn
 * warns and does the same); `reason` then says why. Malformed input throws `InputError`.
 */
import { checkBinary, undefinedReason } from './checkBinary';

export interface RocCurve {
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Decreasing; `thresholds[0]` is +Infinity. */
  readonly thresholds: Float64Array;
  /** Null, or why part of the curve is undefined (one class only). */
  readonly reason: string | null;
}

export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>, options: { dropIntermediate?: boolean } = {}): RocCurve {
  const { labels: y, nPos, nNeg } = checkBinary(scores, labels, 'rocCurve');
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  // One point per distinct score: the cumulative counts at the last item of each tie group.
  let tps: number[] = [];
  let fps: number[] = [];
  let thr: number[] = [];
  let tp = 0;
  for (let i = 0; i < n; i++) {
    tp += y[order[i]];
    if (i === n - 1 || scores[order[i + 1]] !== scores[order[i]]) {
      tps.push(tp);
      fps.push(i + 1 - tp);
      thr.push(scores[order[i]]);
    }
  }
  if ((options.dropIntermediate ?? true) && tps.length > 2) {
    const keep: number[] = [0];
    for (let k = 1; k < tps.length - 1; k++) {
      const d2f = fps[k + 1] - 2 * fps[k] + fps[k - 1];
      const d2t = tps[k + 1] - 2 * tps[k] + tps[k - 1];
      if (d2f !== 0 || d2t !== 0) keep.push(k);
    }
    keep.push(tps.length - 1);
    tps = keep.map((k) => tps[k]);
    fps = keep.map((k) => fps[k]);
    thr = keep.map((k) => thr[k]);
  }
  const m = tps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const thresholds = new Float64Array(m);
  thresholds[0] = Infinity;
  for (let k = 1; k < m; k++) {
    fpr[k] = nNeg > 0 ? fps[k - 1] / nNeg : NaN;
    tpr[k] = nPos > 0 ? tps[k - 1] / nPos : NaN;
    thresholds[k] = thr[k - 1];
  }
  if (nNeg === 0) fpr[0] = NaN;
  if (nPos === 0) tpr[0] = NaN;
  return { fpr, tpr, thresholds, reason: undefinedReason(nPos, nNeg) };
}
