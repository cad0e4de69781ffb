import { describe, expect, it } from 'vitest';
import {
  auroc,
  averagePrecision,
  bootstrapCi,
  fprAtTpr,
  pairedDifferenceCi,
  prr,
  splitByClass,
  stratifiedResample
} from '../../src/lib/core/metrics/index';
import { keyedRandom } from '../../src/lib/core/random';

function dataset(n: number, seed: number) {
  const r = keyedRandom(seed, 'bootstrap-test');
  const labels = Array.from({ length: n }, () => (r() < 0.35 ? 1 : 0));
  const strong = labels.map((y) => Math.round((r.normal() + 1.2 * y) * 4) / 4);
  const weak = labels.map((y) => Math.round((r.normal() + 0.3 * y) * 4) / 4);
  return { labels, strong, weak };
}

/** The naive bootstrap: build resample b's arrays and run the plain metric (a full sort) on them. */
function naiveReplicates(scores: number[], labels: number[], fn: (s: number[], y: number[]) => number, nResamples: number, seed: number) {
  const { positives, negatives } = splitByClass(labels);
  const draw = new Uint32Array(labels.length);
  const out: number[] = [];
  for (let b = 0; b < nResamples; b++) {
    stratifiedResample(draw, positives, negatives, seed, b);
    const idx = Array.from(draw);
    out.push(fn(idx.map((i) => scores[i]), idx.map((i) => labels[i])));
  }
  return out;
}

describe('bootstrapCi', () => {
  it('bootstrapCi replicates equal the naive resample-and-recompute bootstrap, for every metric, on the same resamples', () => {
    const { labels, strong } = dataset(120, 1);
    const fns = { auroc, auprc: averagePrecision, prr, fpr95: (s: number[], y: number[]) => fprAtTpr(s, y, 0.95) } as const;
    for (const metric of ['auroc', 'auprc', 'prr', 'fpr95'] as const) {
      const res = bootstrapCi({ strong }, labels, { metric, nResamples: 40, seed: 3 });
      const naive = naiveReplicates(strong, labels, fns[metric], 40, 3);
      Array.from(res.replicates.strong).forEach((v, b) => expect(Math.abs(v - naive[b]), `${metric} resample ${b}`).toBeLessThanOrEqual(1e-12));
      expect(res.intervals.strong.estimate).toBe(fns[metric](strong, labels));
    }
  });

  it('bootstrapCi keeps the class counts in every resample (stratified)', () => {
    const { labels } = dataset(90, 2);
    const { positives, negatives } = splitByClass(labels);
    const draw = new Uint32Array(labels.length);
    for (let b = 0; b < 20; b++) {
      stratifiedResample(draw, positives, negatives, 9, b);
      const pos = Array.from(draw).filter((i) => labels[i] === 1).length;
      expect(pos).toBe(positives.length);
    }
  });

  it('bootstrapCi uses the same resamples for every score: one score alone gives the same replicates as with others', () => {
    const { labels, strong, weak } = dataset(150, 4);
    const both = bootstrapCi({ strong, weak }, labels, { nResamples: 50, seed: 'run-7' });
    const alone = bootstrapCi({ weak }, labels, { nResamples: 50, seed: 'run-7' });
    expect(Array.from(alone.replicates.weak)).toEqual(Array.from(both.replicates.weak));
    const other = bootstrapCi({ weak }, labels, { nResamples: 50, seed: 'run-8' });
    expect(Array.from(other.replicates.weak)).not.toEqual(Array.from(both.replicates.weak));
  });

  it('bootstrapCi gives a 95% percentile interval that contains the estimate and narrows with n', () => {
    const small = dataset(100, 5);
    const large = dataset(2000, 5);
    const a = bootstrapCi({ strong: small.strong }, small.labels, { nResamples: 300, seed: 1 }).intervals.strong;
    const b = bootstrapCi({ strong: large.strong }, large.labels, { nResamples: 300, seed: 1 }).intervals.strong;
    expect(a.lo).toBeLessThanOrEqual(a.estimate);
    expect(a.hi).toBeGreaterThanOrEqual(a.estimate);
    expect(b.hi - b.lo).toBeLessThan(a.hi - a.lo);
    // The standard error of AUROC at n = 2000 is about 0.01, so the 95% interval is about 0.04 wide.
    expect(b.hi - b.lo).toBeGreaterThan(0.02);
    expect(b.hi - b.lo).toBeLessThan(0.07);
  });

  it('pairedDifferenceCi(result, a, b) is the percentile interval of the per-resample differences', () => {
    const { labels, strong, weak } = dataset(400, 6);
    const res = bootstrapCi({ strong, weak }, labels, { nResamples: 200, seed: 2 });
    const d = pairedDifferenceCi(res, 'strong', 'weak');
    expect(d.estimate).toBeCloseTo(res.intervals.strong.estimate - res.intervals.weak.estimate, 14);
    expect(d.lo).toBeGreaterThan(0); // a clearly stronger score
    const diffs = Array.from(res.replicates.strong).map((v, i) => v - res.replicates.weak[i]).sort((x, y) => x - y);
    expect(d.lo).toBeGreaterThanOrEqual(diffs[4]);
    expect(d.lo).toBeLessThanOrEqual(diffs[5]);
    expect(() => pairedDifferenceCi(res, 'strong', 'mean')).toThrow('pairedDifferenceCi: b must name a score of this bootstrap (strong, weak), got "mean"');
  });

  it('bootstrapCi is NaN with a reason for one class, and refuses bad options naming them', () => {
    const r = bootstrapCi({ s: [0.1, 0.2] }, [1, 1], { nResamples: 10 });
    expect(r.intervals.s.estimate).toBeNaN();
    expect(r.intervals.s.lo).toBeNaN();
    expect(r.reason).toMatch(/^one class only: 2 hallucinated/);
    expect(() => bootstrapCi({ s: [1, 2] }, [0, 1], { nResamples: 0 })).toThrow('bootstrapCi: nResamples must be a positive integer, got 0');
    expect(() => bootstrapCi({ s: [1, 2] }, [0, 1], { nResamples: 2.5 })).toThrow('bootstrapCi: nResamples must be a positive integer, got 2.5');
    expect(() => bootstrapCi({ s: [1, 2] }, [0, 1], { level: 95 })).toThrow('bootstrapCi: level must be a number in (0, 1), e.g. 0.95, got 95');
    expect(() => bootstrapCi({ s: [1, 2] }, [0, 1], { metric: 'f1' as 'auroc' })).toThrow('bootstrapCi: metric must be one of auroc, auprc, prr, fpr95, got "f1"');
    expect(() => bootstrapCi({}, [0, 1])).toThrow('bootstrapCi: scoresByName is empty; give at least one named score array');
    expect(() => bootstrapCi({ s: [1, 2, 3] }, [0, 1])).toThrow('bootstrapCi: labels must have one entry per score: scores.s has 3, labels has 2');
    expect(() => bootstrapCi({ s: [1, NaN] }, [0, 1])).toThrow('bootstrapCi: scores.s[1] must be a finite number, got NaN');
    expect(() => bootstrapCi([[1, 2]] as unknown as Record<string, number[]>, [0, 1])).toThrow('bootstrapCi: scoresByName must be an object of named score arrays');
  });

  it('bootstrapCi with the same seed gives the same intervals (deterministic)', () => {
    const { labels, strong } = dataset(200, 8);
    const a = bootstrapCi({ strong }, labels, { nResamples: 100, seed: 42 });
    const b = bootstrapCi({ strong }, labels, { nResamples: 100, seed: 42 });
    expect(b.intervals).toEqual(a.intervals);
  });
});
