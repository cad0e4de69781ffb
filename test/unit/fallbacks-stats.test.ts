import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyedRandom } from '../../src/lib/core/random';
import {
  erfc,
  expectedShuffledScore,
  mannWhitneyU,
  normalSf,
  orderingTest,
  permutedShiftScore,
  shiftScore
} from '../../src/lib/core/fallbacks/index';
import { readFallbacksJson, repoRoot } from './fallbacks-shared';

interface Golden {
  scipy_version: string;
  erfc: [number, number][];
  norm_sf: [number, number][];
  mannwhitneyu: { name: string; x: number[]; y: number[]; statistic: number; pvalue: number }[];
}
// Written by test/tools/fallbacks_scipy_golden.py (SciPy), committed so CI needs no Python.
const golden = JSON.parse(readFileSync(join(repoRoot, 'test/tools/fallbacks_scipy_golden.json'), 'utf8')) as Golden;
const relErr = (a: number, b: number): number => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

interface PlotValues {
  order_matrices: Record<string, { family: string; type: string; parameters: string; rows: string[] }>;
}
const plots = readFallbacksJson<PlotValues>('derived/paper_plot_values.json');
const matrix = (name: string): number[][] => plots.order_matrices[name].rows.map((r) => [...r].map(Number));

describe('erfc and normalSf against SciPy', () => {
  it('erfc(x) matches scipy.special.erfc to a relative 1e-13, down to 1e-296', () => {
    expect(golden.erfc.length).toBeGreaterThan(20);
    for (const [x, v] of golden.erfc) expect(relErr(erfc(x), v), `erfc(${x})`).toBeLessThan(1e-13);
  });

  it('normalSf(z) matches scipy.stats.norm.sf to a relative 1e-12, down to 6e-300', () => {
    for (const [z, v] of golden.norm_sf) expect(relErr(normalSf(z), v), `normalSf(${z})`).toBeLessThan(1e-12);
  });

  it('erfc at the edges: NaN, ±Infinity, far tail underflow', () => {
    expect(erfc(NaN)).toBeNaN();
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erfc(30)).toBe(0);
    expect(normalSf(0)).toBe(0.5);
  });
});

describe('mannWhitneyU against scipy.stats.mannwhitneyu (defaults)', () => {
  for (const c of golden.mannwhitneyu) {
    it(`mannWhitneyU(${c.name}) gives SciPy's statistic and p-value`, () => {
      const r = mannWhitneyU(c.x, c.y);
      expect(r.u1).toBe(c.statistic);
      expect(relErr(r.p, c.pvalue), `p ${r.p} vs ${c.pvalue}`).toBeLessThan(1e-9);
    });
  }

  it('mannWhitneyU chooses exact for a small sample without ties and asymptotic otherwise, as SciPy auto', () => {
    expect(mannWhitneyU([1.1, 2.5, 3.7, 8.2, 9.9], [0.3, 0.4, 2.2, 5.1, 6, 7.5, 7.7]).method).toBe('exact');
    expect(mannWhitneyU([1, 2, 2, 3, 5], [2, 3, 3, 4, 6, 7]).method).toBe('asymptotic');
  });

  it('mannWhitneyU with every value tied gives p = 1, as SciPy (σ = 0 and the continuity correction make z = −∞)', () => {
    const r = mannWhitneyU(Array(10).fill(1), Array(10).fill(1));
    expect(r.p).toBe(1);
    expect(r.z).toBe(-Infinity);
  });

  it('mannWhitneyU names an empty sample and a non-finite value', () => {
    expect(() => mannWhitneyU([], [1])).toThrow('mannWhitneyU(x, y): x must be a non-empty array of numbers, got an empty array');
    expect(() => mannWhitneyU([1, 2], [1, NaN])).toThrow('mannWhitneyU(x, y): y[1] must be a finite number, got NaN');
  });
});

describe('shift scores', () => {
  it('shiftScore(order) counts non-decreasing adjacent C/H/R pairs (hand-worked)', () => {
    expect(shiftScore([1, 1, 2, 3, 2, 3])).toBeCloseTo(4 / 5, 15);
    expect(shiftScore([1, 2, 3, 3, 6, 6])).toBe(1); // endings are ignored
    expect(shiftScore([3, 2, 1])).toBe(0);
    expect(shiftScore([1, 6, 6])).toBeNaN();
  });

  it('expectedShuffledScore equals the brute-force mean over all permutations', () => {
    const perms = (xs: number[]): number[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const o of [[1, 2, 3], [1, 1, 2, 3, 3, 3], [2, 2, 2, 1]]) {
      const all = perms(o);
      const mean = all.reduce((s, p) => s + shiftScore(p), 0) / all.length;
      expect(expectedShuffledScore(o)).toBeCloseTo(mean, 12);
    }
    expect(expectedShuffledScore([1, 2, 3])).toBeCloseTo(0.5, 15);
  });

  it('permutedShiftScore with 20000 seeded permutations is within 4 standard errors of the exact expectation', () => {
    const o = [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3];
    const est = permutedShiftScore(o, 20000, keyedRandom(3, 'check'));
    // one permutation's score has sd ≤ 0.5, so the mean of 20000 has se ≤ 0.0036
    expect(Math.abs(est - expectedShuffledScore(o))).toBeLessThan(4 * 0.0036);
  });
});

describe('orderingTest on the TriviaFacts order matrices of the paper', () => {
  // The paper's table (paper_plots/full_ordering_table.tex), TriviaFacts column, base models at their final
  // checkpoint, for every model whose final-checkpoint order matrix was committed as a plot.
  const paper: [string, string, number][] = [
    ['Pythia-70M', 'orders/orders/Pythia_base_70M_300T.pdf', 2.3e-13],
    ['Pythia-160M', 'orders/orders/Pythia_base_160M_300T.pdf', 2.0e-12],
    ['Pythia-1B', 'orders/orders/Pythia_base_1B_300T.pdf', 7.8e-23],
    ['Pythia-1.4B', 'orders/orders/Pythia_base_1.4B_300T.pdf', 1.1e-25],
    ['Pythia-2.8B', 'orders/orders/Pythia_base_2.8B_300T.pdf', 2.1e-22],
    ['Pythia-12B', 'fig2/orders/Pythia_base_12B_300T.pdf', 1.1e-27],
    ['OLMo-1B', 'orders/orders/OLMo_base_1B_2676T.pdf', 8.3e-22],
    ['OLMo-7B', 'orders/orders/OLMo_base_7B_2464T.pdf', 3.6e-21],
    ['Llama2-7B', 'orders/orders/Llama2_base_7B_0T.pdf', 8.6e-26],
    ['Llama2-70B', 'orders/orders/Llama2_base_70B_0T.pdf', 4.0e-18]
  ];

  for (const [model, name, p] of paper) {
    it(`orderingTest(${model}) reproduces the paper's p = ${p} within 0.25 in log10`, () => {
      const r = orderingTest(matrix(name), { key: name });
      expect(r.p).not.toBeNull();
      expect(Math.abs(Math.log10(r.p as number) - Math.log10(p))).toBeLessThan(0.25);
      expect(r.meanReal).toBeGreaterThan(r.meanNull);
    });
  }

  it('orderingTest(Pythia-12B): 93 questions qualify, mean real 0.969 against shuffled 0.787', () => {
    const r = orderingTest(matrix('fig2/orders/Pythia_base_12B_300T.pdf'));
    expect(r.nQuestions).toBe(93);
    expect(r.meanReal).toBeCloseTo(0.969, 3);
    expect(r.meanNull).toBeCloseTo(0.787, 2);
  });

  it('orderingTest with the exact null gives the p-value SciPy gives for the same scores', () => {
    const c = golden.mannwhitneyu.find((g) => g.name === 'exact_null:orders/orders/Pythia_base_1.4B_300T.pdf');
    const r = orderingTest(matrix('orders/orders/Pythia_base_1.4B_300T.pdf'), { exactNull: true });
    expect(relErr(r.p as number, c!.pvalue)).toBeLessThan(1e-9);
    expect(r.u).toBe(c!.statistic);
  });

  it('orderingTest is seeded: the same seed gives the same p, another seed a slightly different one', () => {
    const m = matrix('orders/orders/Pythia_base_1B_300T.pdf');
    const a = orderingTest(m, { seed: 7, permutations: 200 });
    expect(orderingTest(m, { seed: 7, permutations: 200 }).p).toBe(a.p);
    expect(orderingTest(m, { seed: 8, permutations: 200 }).p).not.toBe(a.p);
  });

  it('orderingTest with fewer than 30 qualifying questions gives p null and says why (Pythia-12B step 0: 29)', () => {
    const r = orderingTest(matrix('orders/orders/Pythia_base_12B_0T.pdf'));
    expect(r.p).toBeNull();
    expect(r.nQuestions).toBe(29);
    expect(r.reason).toBe('only 29 question(s) have more than 5 C/H/R labels; the test needs at least 30');
    expect(Number.isFinite(r.meanReal)).toBe(true);
  });

  it('orderingTest of no orders: NaN means, p null with the reason', () => {
    const r = orderingTest([]);
    expect(r.p).toBeNull();
    expect(r.meanReal).toBeNaN();
    expect(r.reason).toContain('only 0 question(s)');
  });

  it('orderingTest names a bad label and a bad permutation count', () => {
    expect(() => orderingTest([[1, 2, 9]])).toThrow('orderingTest: orders[0][2] must be a label code 0–6, got 9');
    expect(() => orderingTest([[1]], { permutations: 0 })).toThrow('orderingTest: permutations must be a positive integer, got 0');
  });
});
