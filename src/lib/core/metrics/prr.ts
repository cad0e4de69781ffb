/**
 * Prediction–rejection ratio (PRR; LM-Polygraph's main metric, peers.md §5), with hallucination as the thing to
 * reject.
 *
 * Quality: q_i = 1 − label_i (a factual answer has quality 1, a hallucinated one 0). Sort the items by score
 * ascending (least suspicious first) and keep the m least suspicious; the rejection curve is the mean retained
 * quality Q(m)/m for m = n, n−1, …, 1 (rejection rate (n − m)/n, from 0 up to (n−1)/n). Its area is
 *
 *     A = (1/n) Σ_{m=1..n} Q(m)/m,
 *
 * and the ratio normalises it between a random score and the oracle (which keeps factual items first):
 *
 *     PRR = (A_method − A_random) / (A_oracle − A_random),
 *     A_random = n₋/n                                  (analytic: the expected mean quality of a random subset),
 *     A_oracle = (1/n) Σ_m min(m, n₋)/m = (n₋/n)·(1 + H_n − H_{n₋}),  H the harmonic numbers.
 *
 * 1 is perfect, 0 is random, negative is worse than random. This is LM-Polygraph's `prr_normalized` with
 * max_rejection = 1, except for ties: they sort with an unstable `argsort`, so tied items enter in arbitrary
 * order; here a tie group enters as its average (Q grows linearly across the group, the expectation over every
 * order of the tied items), so the value does not depend on input order.
 *
 * Degenerate input: one class only → NaN (A_oracle = A_random); malformed input throws `InputError`.
 */
import { checkBinary } from './checkBinary';
import { rankScores, type RankedScores, type Weights } from './rankScores';

export function prr(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { labels: y } = checkBinary(scores, labels, 'prr');
  return prrRanked(rankScores(scores, 'prr'), y, undefined);
}

/**
 * PRR over a pre-sorted order with per-item integer weights: the data set in which item i appears weights[i]
 * times. Cost O(n + Σ weights).
 */
export function prrRanked(ranked: RankedScores, labels: ArrayLike<number>, weights: Weights): number {
  const { order, groupEnds } = ranked;
  let kept = 0; // m at the start of the group
  let quality = 0; // Q(m) at the start of the group
  let area = 0;
  let start = 0;
  for (let g = 0; g < groupEnds.length; g++) {
    const end = groupEnds[g];
    let size = 0;
    let good = 0;
    for (let i = start; i < end; i++) {
      const item = order[i];
      const w = weights === undefined ? 1 : weights[item];
      size += w;
      if (labels[item] === 0) good += w;
    }
    start = end;
    if (size === 0) continue;
    const rate = good / size;
    for (let j = 1; j <= size; j++) area += (quality + j * rate) / (kept + j);
    kept += size;
    quality += good;
  }
  const n = kept;
  const nGood = quality;
  if (nGood === 0 || nGood === n) return NaN;
  area /= n;
  const random = nGood / n;
  let tail = 0; // H_n − H_{n₋}
  for (let m = n; m > nGood; m--) tail += 1 / m;
  const oracle = random * (1 + tail);
  return (area - random) / (oracle - random);
}

/**
 * The rejection curve itself, for plotting: `rejection[j] = j/n` and `quality[j]` the mean retained quality after
 * rejecting the j most suspicious items (j = 0..n−1), ties averaged as in `prr`.
 */
export function rejectionCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): { rejection: Float64Array; quality: Float64Array } {
  const { labels: y } = checkBinary(scores, labels, 'rejectionCurve');
  const { order, groupEnds } = rankScores(scores, 'rejectionCurve');
  const n = order.length;
  const rejection = new Float64Array(n);
  const quality = new Float64Array(n);
  let kept = 0;
  let q = 0;
  let start = 0;
  for (let g = 0; g < groupEnds.length; g++) {
    const end = groupEnds[g];
    let good = 0;
    for (let i = start; i < end; i++) if (y[order[i]] === 0) good++;
    const size = end - start;
    for (let j = 1; j <= size; j++) {
      const m = kept + j;
      rejection[n - m] = (n - m) / n;
      quality[n - m] = (q + (j * good) / size) / m;
    }
    kept += size;
    q += good;
    start = end;
  }
  return { rejection, quality };
}
