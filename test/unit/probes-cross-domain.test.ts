import { describe, expect, it } from 'vitest';
import { crossDomain, fitLogisticRegression, POOL, sigmoid, type Domain } from '../../src/lib/core/probes/index';
import { keyedRandom } from '../../src/lib/core/random';

/**
 * AUROC by brute force (Mann–Whitney: P(score_pos > score_neg) + ½ P(tie)), NaN with one class. A local test
 * stand-in for `auroc` of core/metrics, which the caller injects in the app.
 */
function aurocPairs(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      num += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return pairs ? num / pairs : NaN;
}

interface Toy {
  x: number[];
  y: number[];
}

/** The model is the sign of the x–y relation in the source; it scores sign·x. */
const toy = {
  train: (d: Domain<Toy>) => (aurocPairs(d.data.x, d.data.y) >= 0.5 ? 1 : -1),
  evaluate: (sign: number, d: Domain<Toy>) => ({ scores: d.data.x.map((v) => sign * v), labels: d.data.y })
};

describe('crossDomain', () => {
  it('crossDomain trains on each domain, evaluates on the others and their pool, and averages the pooled values (hand-worked)', async () => {
    const domains: Domain<Toy>[] = [
      { name: 'A', data: { x: [1, 2, 3, 4], y: [0, 0, 1, 1] } },
      { name: 'B', data: { x: [1, 2, 3, 4], y: [0, 0, 1, 1] } },
      { name: 'C', data: { x: [1, 2, 3, 4], y: [1, 1, 0, 0] } }
    ];
    const r = await crossDomain({ domains, ...toy, metric: aurocPairs });
    expect(r.domains).toEqual(['A', 'B', 'C']);
    // Trained on A or B (sign +1): 1 on the other of A/B, 0 on C; on C (sign −1): 0 on A and B.
    expect(r.matrix.map((row) => row.map((v) => (Number.isNaN(v) ? null : v)))).toEqual([
      [null, 1, 0],
      [1, null, 0],
      [0, 0, null]
    ]);
    // Pool of B and C under sign +1: every positive score 1..4 meets every negative 1..4: 8 of 16 pairs → 0.5.
    expect(r.pooled.map((c) => [c.source, c.target, c.value, c.n, c.positives])).toEqual([
      ['A', POOL, 0.5, 8, 4],
      ['B', POOL, 0.5, 8, 4],
      ['C', POOL, 0, 8, 4]
    ]);
    expect(r.average).toBeCloseTo(1 / 3, 15);
    expect(r.averageOffDiagonal).toBeCloseTo(2 / 6, 15);
    expect(r.cells.map((c) => `${c.source}→${c.target}`)).toEqual(['A→B', 'A→C', 'B→A', 'B→C', 'C→A', 'C→B']);
    expect(r.skippedSources).toEqual([]);
  });

  it('crossDomain passes each cell to the interval function and stores its bounds', async () => {
    const domains: Domain<Toy>[] = [
      { name: 'A', data: { x: [1, 2], y: [0, 1] } },
      { name: 'B', data: { x: [3, 4, 5], y: [0, 1, 1] } }
    ];
    const seen: string[] = [];
    const r = await crossDomain({ domains, ...toy, metric: aurocPairs, interval: (s, l, c) => (seen.push(`${c.source}→${c.target}:${s.length}`), [0.25, 0.75]) });
    expect(seen).toEqual(['A→B:3', `A→${POOL}:3`, 'B→A:2', `B→${POOL}:2`]);
    expect(r.cells[0]).toMatchObject({ lo: 0.25, hi: 0.75, reason: null });
  });

  it('crossDomain marks a cell with one class as undefined (NaN) and leaves its source out of the average', async () => {
    const domains: Domain<Toy>[] = [
      { name: 'A', data: { x: [1, 2], y: [0, 1] } },
      { name: 'B', data: { x: [1, 2], y: [1, 1] } },
      { name: 'C', data: { x: [5, 6], y: [0, 1] } }
    ];
    const r = await crossDomain({ domains, ...toy, metric: aurocPairs, interval: () => [0, 1] });
    const ab = r.cells.find((c) => c.source === 'A' && c.target === 'B')!;
    expect(ab.value).toBeNaN();
    expect(ab).toMatchObject({ reason: 'undefined', lo: null, hi: null, n: 2, positives: 2 });
    // Trained on A (+1): the pool of B and C has scores [1, 2, 5, 6] and labels [1, 1, 0, 1]: only 6 beats 5 → 1/3.
    // Trained on B (one class): the sign rule sees AUROC NaN → −1; its pool of A and C scores 1 pair in 4 → 0.25.
    // Trained on C (+1): the pool of A and B has scores [1, 2, 1, 2], labels [0, 1, 1, 1]: (1 + ½ + 1)/3 = 5/6.
    expect(r.pooled.map((c) => c.value)).toEqual([1 / 3, 0.25, 5 / 6]);
    expect(r.skippedSources).toEqual([]);
    const oneClass = await crossDomain({ domains: [domains[1], { name: 'D', data: { x: [1], y: [1] } }], ...toy, metric: aurocPairs });
    expect(oneClass.average).toBeNaN();
    expect(oneClass.skippedSources).toEqual(['B', 'D']);
  });

  it('crossDomain with logistic probes: a shared signal transfers (AUROC near 1), a domain with another signal does not (near 0.5)', async () => {
    // Domains A, B, C: hallucinated when x₀ > 0, plus a domain-specific offset on x₁; domain D: hallucinated when x₂ > 0;
    // 10 % of labels flipped everywhere, so the best attainable AUROC is about 0.9 and an unrelated score gives 0.5.
    const make = (name: string, signal: number, offset: number, seed: number): Domain<{ X: Float32Array; y: number[] }> => {
      const r = keyedRandom(seed, name);
      const n = 400;
      const X = new Float32Array(n * 4);
      const y: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < 4; j++) X[i * 4 + j] = r.normal();
        X[i * 4 + 1] += offset;
        const label = X[i * 4 + signal] > 0 ? 1 : 0;
        y.push(r() < 0.1 ? 1 - label : label); // 10 % label noise: not separable, as real data
      }
      return { name, data: { X, y } };
    };
    const domains = [make('A', 0, 0, 1), make('B', 0, 2, 2), make('C', 0, -2, 3), make('D', 2, 0, 4)];
    const r = await crossDomain({
      domains,
      train: (d) => fitLogisticRegression(d.data.X, d.data.y.length, 4, d.data.y),
      evaluate: (fit, d) => ({
        scores: d.data.y.map((_, i) => {
          let z = fit.intercept;
          for (let j = 0; j < 4; j++) z += fit.coef[j] * d.data.X[i * 4 + j];
          return sigmoid(z);
        }),
        labels: d.data.y
      }),
      metric: aurocPairs
    });
    for (const c of r.cells) {
      if (c.source !== 'D' && c.target !== 'D') expect(c.value, `${c.source}→${c.target}`).toBeGreaterThan(0.85);
      else expect(Math.abs(c.value - 0.5), `${c.source}→${c.target}`).toBeLessThan(0.1);
    }
    expect(r.average).toBeGreaterThan(0.6);
    expect(r.average).toBeLessThan(0.9);
  });

  it('crossDomain names bad input: fewer than 2 domains, repeated names, the reserved name, mismatched lengths', async () => {
    const one: Domain<Toy>[] = [{ name: 'A', data: { x: [1], y: [1] } }];
    await expect(crossDomain({ domains: one, ...toy, metric: aurocPairs })).rejects.toThrow('the cross-domain protocol needs at least 2 domains, got 1');
    await expect(crossDomain({ domains: [one[0], one[0]], ...toy, metric: aurocPairs })).rejects.toThrow('domain names must be distinct; "A" appears twice');
    await expect(crossDomain({ domains: [one[0], { name: POOL, data: one[0].data }], ...toy, metric: aurocPairs })).rejects.toThrow('"pool" is reserved for the pooled target');
    await expect(
      crossDomain({ domains: [one[0], { name: 'B', data: one[0].data }], train: () => 1, evaluate: () => ({ scores: [1, 2], labels: [1] }), metric: aurocPairs })
    ).rejects.toThrow('evaluate(A → B) gave 2 scores but 1 labels');
  });
});
