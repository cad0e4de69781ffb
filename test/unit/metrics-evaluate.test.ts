import { describe, expect, it } from 'vitest';
import { auroc, evaluateAggregations, prr } from '../../src/lib/core/metrics/index';
import { AGGREGATION_NAMES } from '../../src/lib/core/trajectory/index';
import { keyedRandom } from '../../src/lib/core/random';

function items(n: number, seed: number) {
  return Array.from({ length: n }, (_, i) => {
    const r = keyedRandom(seed, 'evaluate', i);
    const label = (r() < 0.4 ? 1 : 0) as 0 | 1;
    const K = 4 + r.int(6);
    const scores = Array.from({ length: K }, (_, k) => r.normal() * 0.1 + (label && k === 2 ? 0.5 : 0));
    return { id: `q${i}`, label, scores };
  });
}

describe('evaluateAggregations', () => {
  it('evaluateAggregations scores every aggregation on the same items and leaves out those without a SpikeScore', () => {
    const list = [...items(60, 1), { id: 'short', label: 1 as const, scores: [0.1, 0.2] }];
    const ev = evaluateAggregations(list, { nResamples: 50, seed: 3 });
    expect(ev.excluded).toEqual(['short']);
    expect(ev.n).toBe(60);
    expect(ev.aggregations).toEqual(AGGREGATION_NAMES);
    for (const name of AGGREGATION_NAMES) {
      expect(ev.values[name]).toHaveLength(60);
      expect(ev.metrics[name].auroc).toBe(auroc(ev.values[name], ev.labels));
      expect(ev.metrics[name].prr).toBe(prr(ev.values[name], ev.labels));
      expect(ev.ci.auroc[name].lo).toBeLessThanOrEqual(ev.ci.auroc[name].hi);
    }
    expect(Object.keys(ev.aurocDiffVsSpikescore)).toEqual(AGGREGATION_NAMES.slice(1));
    expect(ev.aurocDiffVsSpikescore.mean.estimate).toBeCloseTo(ev.metrics.spikescore.auroc - ev.metrics.mean.auroc, 14);
    expect(ev.spikeTurns.every((t) => t >= 1)).toBe(true);
    expect(ev.youden.reason).toBeNull();
    expect(ev.reason).toBeNull();
  });

  it('evaluateAggregations is NaN with a reason for one class or no item, and names a bad score', () => {
    const one = evaluateAggregations(items(30, 2).map((it) => ({ ...it, label: 0 as const })), { nResamples: 10 });
    expect(one.metrics.spikescore.auroc).toBeNaN();
    expect(one.ci.auroc.spikescore.lo).toBeNaN();
    expect(one.reason).toBe('one class only: 0 hallucinated (label 1) and 30 factual (label 0) items; the metric needs both');
    const none = evaluateAggregations([{ id: 'a', label: 1, scores: [1] }]);
    expect(none.reason).toBe('no item has 3 or more scored turns');
    expect(() => evaluateAggregations([{ id: 'a', label: 1, scores: [1, NaN, 2] }])).toThrow(
      'evaluateAggregations: items[0].scores (id "a")[1] must be a finite number, got NaN'
    );
  });
});
