import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  averagePrecisionRanked,
  binaryMetrics,
  fprAtTpr,
  fprAtTprRanked,
  prr,
  prrRanked,
  quantileSorted,
  rankScores,
  rejectionCurve,
  rocCurve,
  youdenThreshold
} from '../../src/lib/core/metrics/index';
import { keyedRandom } from '../../src/lib/core/random';
import { goldens, near, num } from './metrics-goldens';

const allNear = (a: ArrayLike<number>, b: ArrayLike<number | string>) =>
  a.length === b.length && Array.from(a).every((v, i) => near(v, num(b[i])));

describe('rocCurve', () => {
  it('rocCurve(scores, labels) equals sklearn roc_curve (drop_intermediate True and False), starting at (0, 0) with +Infinity', () => {
    let checked = 0;
    for (const g of goldens.binary) {
      if (!g.roc_curve) continue;
      const roc = rocCurve(g.scores, g.labels);
      expect(roc.thresholds[0]).toBe(Infinity);
      expect([roc.fpr[0], roc.tpr[0]]).toEqual([0, 0]);
      expect(allNear(roc.fpr, g.roc_curve.fpr), `${g.name} fpr`).toBe(true);
      expect(allNear(roc.tpr, g.roc_curve.tpr), `${g.name} tpr`).toBe(true);
      expect(allNear(roc.thresholds, g.roc_curve.thresholds), `${g.name} thresholds`).toBe(true);
      const full = rocCurve(g.scores, g.labels, { dropIntermediate: false });
      expect(allNear(full.fpr, g.roc_curve_full!.fpr), `${g.name} full fpr`).toBe(true);
      expect(allNear(full.tpr, g.roc_curve_full!.tpr), `${g.name} full tpr`).toBe(true);
      expect(allNear(full.thresholds, g.roc_curve_full!.thresholds), `${g.name} full thresholds`).toBe(true);
      expect(roc.reason).toBeNull();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('rocCurve thresholds decrease and the curve ends at (1, 1)', () => {
    const roc = rocCurve([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1], { dropIntermediate: false });
    expect(Array.from(roc.thresholds)).toEqual([Infinity, 0.9, 0.8, 0.4, 0.1]);
    expect(Array.from(roc.tpr)).toEqual([0, 1 / 3, 2 / 3, 1, 1]);
    expect(Array.from(roc.fpr)).toEqual([0, 0, 0, 0.5, 1]);
  });

  it('rocCurve with one class puts NaN on the undefined axis and says why', () => {
    const roc = rocCurve([0.2, 0.5], [1, 1]);
    expect(Array.from(roc.fpr).every(Number.isNaN)).toBe(true);
    expect(Array.from(roc.tpr)).toEqual([0, 0.5, 1]);
    expect(roc.reason).toBe('one class only: 2 hallucinated (label 1) and 0 factual (label 0) items; the metric needs both');
  });
});

describe('averagePrecision', () => {
  it('averagePrecision equals sklearn average_precision_score (step-wise) on inputs with ties (1e-12)', () => {
    for (const g of goldens.binary) {
      if (g.average_precision_score === undefined) continue;
      const ap = averagePrecision(g.scores, g.labels);
      expect(near(ap, g.average_precision_score), `${g.name}: ${ap} vs ${g.average_precision_score}`).toBe(true);
      if (g.weights) {
        const w = averagePrecisionRanked(rankScores(g.scores), g.labels, g.weights);
        expect(near(w, g.weighted_average_precision_score!), `${g.name} weighted`).toBe(true);
      }
    }
  });

  it('averagePrecision of constant scores is the prevalence, not the trapezoid (1 + p)/2', () => {
    expect(averagePrecision([1, 1, 1, 1], [1, 0, 0, 0])).toBe(0.25);
    expect(averagePrecision([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1])).toBeCloseTo(0.916667, 6);
  });
});

describe('fprAtTpr and youdenThreshold', () => {
  it('fprAtTpr(scores, labels, 0.95) is the FPR at the first threshold with TPR ≥ 0.95, as from sklearn roc_curve', () => {
    for (const g of goldens.binary) {
      if (g.fpr95 === undefined) continue;
      expect(near(fprAtTpr(g.scores, g.labels, 0.95), g.fpr95), g.name).toBe(true);
      if (g.weights) expect(near(fprAtTprRanked(rankScores(g.scores), g.labels, g.weights, 0.95), g.repeated_fpr95!), `${g.name} weighted`).toBe(true);
    }
    expect(fprAtTpr([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1])).toBe(0.5);
    // TPR exactly 0.95 (19 of 20) counts: ≥, not >.
    const labels = [...Array(20).fill(1), ...Array(10).fill(0)];
    const scores = [...Array.from({ length: 19 }, (_, i) => 10 + i), 0, ...Array.from({ length: 10 }, (_, i) => 1 + i / 2)];
    expect(fprAtTpr(scores, labels, 0.95)).toBe(0);
    expect(fprAtTpr(scores, labels, 0.96)).toBe(1);
  });

  it('fprAtTpr refuses a target TPR outside (0, 1]', () => {
    expect(() => fprAtTpr([1, 2], [0, 1], 1.5)).toThrow('fprAtTpr: tpr must be a number in (0, 1], got 1.5');
    expect(() => fprAtTpr([1, 2], [0, 1], 0)).toThrow('fprAtTpr: tpr must be a number in (0, 1], got 0');
  });

  it('youdenThreshold maximises TPR − FPR, taking the highest threshold on ties, as argmax over sklearn roc_curve', () => {
    for (const g of goldens.binary) {
      if (!g.youden) continue;
      const y = youdenThreshold(g.scores, g.labels);
      expect(y.threshold, g.name).toBe(num(g.youden.threshold));
      expect(near(y.j, g.youden.j)).toBe(true);
      expect(near(y.tpr, g.youden.tpr) && near(y.fpr, g.youden.fpr)).toBe(true);
    }
    expect(youdenThreshold([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1])).toEqual({ threshold: 0.8, j: 2 / 3, tpr: 2 / 3, fpr: 0, reason: null });
    // Nothing beats chance: flag nothing.
    expect(youdenThreshold([0.5, 0.5], [0, 1]).threshold).toBe(Infinity);
  });
});

describe('prr', () => {
  it('prr equals the definition computed in numpy (ties averaged), and LM-Polygraph’s computation where there are no ties', () => {
    for (const g of goldens.binary) {
      if (g.prr === undefined || g.prr === null) continue;
      const p = prr(g.scores, g.labels);
      expect(near(p, g.prr), `${g.name}: ${p} vs ${g.prr}`).toBe(true);
      if (g.prr_polygraph_style !== undefined) expect(near(p, g.prr_polygraph_style)).toBe(true);
      if (g.weights) expect(near(prrRanked(rankScores(g.scores), g.labels, g.weights), g.repeated_prr!), `${g.name} weighted`).toBe(true);
    }
  });

  it('prr with ties is the average over every order of the tied items (brute force over permutations)', () => {
    const scores = [0.2, 0.5, 0.5, 0.5, 0.9, 0.9, 0.1];
    const labels = [0, 1, 0, 0, 1, 0, 1];
    // Areas of every ordering consistent with the scores: groups {0.1}, {0.2}, {0.5 ×3}, {0.9 ×2} → 3!·2! orders.
    const area = (order: number[]) => {
      let q = 0;
      let s = 0;
      order.forEach((i, m) => {
        q += 1 - labels[i];
        s += q / (m + 1);
      });
      return s / order.length;
    };
    const perms = <T,>(xs: T[]): T[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
    let total = 0;
    let count = 0;
    for (const mid of perms([1, 2, 3])) {
      for (const top of perms([4, 5])) {
        total += area([6, 0, ...mid, ...top]);
        count++;
      }
    }
    const n = 7;
    const good = 4;
    const random = good / n;
    const oracle = area([0, 2, 3, 5, 1, 4, 6]);
    expect(near(prr(scores, labels), (total / count - random) / (oracle - random))).toBe(true);
  });

  it('prr is 1 for a perfect score, 0 in expectation for constant scores and −1-ish for a reversed one', () => {
    expect(prr([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBeCloseTo(1, 12);
    expect(Math.abs(prr([1, 1, 1, 1, 1], [0, 1, 0, 1, 0]))).toBeLessThan(1e-12);
    expect(prr([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBeLessThan(0);
  });

  it('rejectionCurve starts at the mean quality and is consistent with prr', () => {
    const scores = [0.2, 0.5, 0.5, 0.5, 0.9, 0.9, 0.1];
    const labels = [0, 1, 0, 0, 1, 0, 1];
    const c = rejectionCurve(scores, labels);
    expect(c.rejection[0]).toBe(0);
    expect(c.quality[0]).toBeCloseTo(4 / 7, 12);
    const area = Array.from(c.quality).reduce((a, b) => a + b, 0) / 7;
    const oracle = [1, 1, 1, 1, 4 / 5, 4 / 6, 4 / 7].reduce((a, b) => a + b, 0) / 7;
    expect(prr(scores, labels)).toBeCloseTo((area - 4 / 7) / (oracle - 4 / 7), 12);
  });
});

describe('binaryMetrics and quantileSorted', () => {
  it('binaryMetrics gives every metric from one sort, equal to the single functions', () => {
    const r = keyedRandom(2, 'bm');
    const labels = Array.from({ length: 300 }, () => (r() < 0.3 ? 1 : 0));
    const scores = labels.map((y) => Math.round((r.normal() + y) * 5) / 5);
    const m = binaryMetrics(scores, labels);
    expect(m.nPos + m.nNeg).toBe(300);
    expect(m.prevalence).toBe(m.nPos / 300);
    expect(m.auprc).toBe(averagePrecision(scores, labels));
    expect(m.prr).toBe(prr(scores, labels));
    expect(m.fpr95).toBe(fprAtTpr(scores, labels));
    expect(m.reason).toBeNull();
  });

  it('quantileSorted equals numpy.quantile (linear) bit for bit on the goldens', () => {
    for (const g of goldens.quantiles) g.p.forEach((p, i) => expect(quantileSorted(g.sorted, p)).toBe(g.q[i]));
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(() => quantileSorted([1], 2)).toThrow('quantileSorted: p must be a number in [0, 1], got 2');
  });
});
