import { describe, expect, it } from 'vitest';
import { keyedRandom } from '../../src/lib/core/random';
import { chooseToken, logitStats, topK } from '../../src/lib/engine/sampling';

describe('sampling', () => {
  it('logitStats(x) gives log Σ e^x, the entropy of softmax(x) and the argmax', () => {
    const x = [1, 2, 3, 0.5];
    const z = Math.log(x.reduce((a, v) => a + Math.exp(v), 0));
    const p = x.map((v) => Math.exp(v - z));
    const h = -p.reduce((a, q) => a + q * Math.log(q), 0);
    const s = logitStats(x, 0, 4);
    expect(s.logZ).toBeCloseTo(z, 12);
    expect(s.entropy).toBeCloseTo(h, 12);
    expect(s.argmax).toBe(2);
    expect(logitStats([5, 5, 5, 5], 0, 4).entropy).toBeCloseTo(Math.log(4), 12);
  });

  it('topK(x, k) returns the k largest, best first, ties to the lower id', () => {
    const t = topK([0.1, 3, 2, 3, -1, 2.5], 0, 6, 3);
    expect(Array.from(t.ids)).toEqual([1, 3, 5]);
    expect(Array.from(t.values)).toEqual([3, 3, 2.5]);
  });

  it('chooseToken is greedy at temperature 0 and reproducible with the same key', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    expect(chooseToken(x, 0, 1000, 0, 1, null)).toBe(logitStats(x, 0, 1000).argmax);
    const a = Array.from({ length: 20 }, (_, i) => chooseToken(x, 0, 1000, 1, 0.9, keyedRandom(1, 'q', i)));
    const b = Array.from({ length: 20 }, (_, i) => chooseToken(x, 0, 1000, 1, 0.9, keyedRandom(1, 'q', i)));
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(5);
  });

  it('chooseToken samples in proportion to softmax(x / T) and never outside the top-p set', () => {
    const x = [Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)];
    const r = keyedRandom(9);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40000; i++) counts[chooseToken(x, 0, 4, 1, 1, r)]++;
    expect(counts.map((c) => c / 40000)).toEqual([expect.closeTo(0.5, 1), expect.closeTo(0.3, 1), expect.closeTo(0.15, 1), expect.closeTo(0.05, 1)]);
    const nucleus = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) nucleus[chooseToken(x, 0, 4, 1, 0.7, r)]++;
    // top-p 0.7: {0.5, 0.3} reaches 0.8 ≥ 0.7, so only tokens 0 and 1, in ratio 5:3.
    expect(nucleus[2] + nucleus[3]).toBe(0);
    expect(nucleus[0] / nucleus[1]).toBeCloseTo(5 / 3, 1);
  });
});
