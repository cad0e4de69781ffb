/**
 * The held-out metrics a probe's training summary reports (the seed trainer's set for the SE regressor; log loss
 * and accuracy for the classifiers). Each takes predictions and targets of equal length. An undefined value is
 * null (a correlation when either side is constant; anything of an empty set), never 0.
 */

/** Pearson's r, or null when n < 2 or either side has zero variance. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  if (n !== b.length) throw new TypeError(`pearson needs equal lengths, got ${a.length} and ${b.length}`);
  if (n < 2) return null;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return null;
  return sab / Math.sqrt(saa * sbb);
}

/** Ranks from 1, ties sharing their average rank (scipy's `rankdata(method='average')`). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i] - values[j] || i - j);
  const ranks = new Float64Array(n);
  for (let s = 0; s < n; ) {
    let e = s + 1;
    while (e < n && values[order[e]] === values[order[s]]) e++;
    const r = (s + 1 + e) / 2;
    for (let k = s; k < e; k++) ranks[order[k]] = r;
    s = e;
  }
  return ranks;
}

/** Spearman's ρ: Pearson's r of the average ranks. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  if (a.length !== b.length) throw new TypeError(`spearman needs equal lengths, got ${a.length} and ${b.length}`);
  return pearson(averageRanks(a), averageRanks(b));
}

export function regressionMetrics(pred: ArrayLike<number>, target: ArrayLike<number>, huberDelta = 0.5): Record<string, number | null> {
  const n = pred.length;
  if (n !== target.length) throw new TypeError(`regressionMetrics needs equal lengths, got ${pred.length} and ${target.length}`);
  if (n === 0) return { pearson: null, spearman: null, mse: null, mae: null, huber: null };
  let mse = 0;
  let mae = 0;
  let huber = 0;
  for (let i = 0; i < n; i++) {
    const r = pred[i] - target[i];
    const a = Math.abs(r);
    mse += r * r;
    mae += a;
    huber += a < huberDelta ? 0.5 * r * r : huberDelta * (a - 0.5 * huberDelta);
  }
  return { pearson: pearson(pred, target), spearman: spearman(pred, target), mse: mse / n, mae: mae / n, huber: huber / n };
}

/**
 * Log loss (nats, mean) and accuracy at p ≥ 0.5 of probabilities p of class 1 against 0/1 labels; probabilities
 * are clipped to [1e-15, 1 − 1e-15] as scikit-learn's `log_loss` did.
 */
export function classificationMetrics(p: ArrayLike<number>, y: ArrayLike<number>): Record<string, number | null> {
  const n = p.length;
  if (n !== y.length) throw new TypeError(`classificationMetrics needs equal lengths, got ${p.length} and ${y.length}`);
  if (n === 0) return { log_loss: null, accuracy: null, positives: 0 };
  let ll = 0;
  let correct = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
    ll -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
    if ((p[i] >= 0.5 ? 1 : 0) === y[i]) correct++;
    positives += y[i] === 1 ? 1 : 0;
  }
  return { log_loss: ll / n, accuracy: correct / n, positives };
}
