import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bestSplit,
  binarise,
  clusterAssignmentEntropy,
  entailmentKey,
  linspace,
  semanticEntropy,
  semanticIds,
  type Entailment,
  type EntailsFn
} from '../../src/lib/core/semantic';
import { matchEntailment } from '../../src/lib/core/labels';

interface Golden {
  clustering: { n: number; verdict: number[][]; strict: boolean; ids: number[]; entropy: number }[];
  entropy: { ids: number[]; entropy: number }[];
  best_split: { se: number[]; threshold: number; index: number; error: number; candidates: number[] }[];
}
const golden: Golden = JSON.parse(readFileSync(new URL('../fixtures/semantic-golden.json', import.meta.url), 'utf8'));

/** A judge reading verdicts from a table over texts "t0", "t1", …, counting its calls per ordered pair. */
function tableJudge(verdict: number[][]) {
  const calls = new Map<string, number>();
  const fn: EntailsFn = async (a, b) => {
    const key = `${a}>${b}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return verdict[Number(a.slice(1))][Number(b.slice(1))] as Entailment;
  };
  return { fn, calls };
}
const texts = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);

describe('semanticIds', () => {
  it('semanticIds(answers, entails) merges answers that entail each other both ways (hand-worked)', async () => {
    const same = new Set(['Paris>paris', 'paris>Paris', 'Paris>PARIS', 'PARIS>Paris', 'paris>PARIS', 'PARIS>paris']);
    const judge: EntailsFn = async (a, b) => (same.has(`${a}>${b}`) ? 2 : 1);
    const r = await semanticIds(['Paris', 'Lyon', 'paris', 'Nice', 'PARIS'], judge);
    expect(r.ids).toEqual([0, 1, 0, 2, 0]);
    expect(r.reason).toBeNull();
    // Greedy pass: i=0 judges 4 pairs both ways (8 calls); i=1 judges (Lyon, Nice) both ways (the later j=2 and
    // j=4 are re-judged against Lyon: 4 more calls); i=3 judges (Nice, PARIS) both ways.
    expect(r.calls).toBe(8 + 6 + 2);
  });

  it('semanticIds strict needs (2, 2) while non-strict accepts (2, 1) but not (1, 1) or any 0', async () => {
    const pairs: Record<string, Entailment> = { 'a>b': 2, 'b>a': 1, 'a>c': 1, 'c>a': 1, 'b>c': 2, 'c>b': 0 };
    const judge: EntailsFn = async (x, y) => pairs[`${x}>${y}`];
    expect((await semanticIds(['a', 'b', 'c'], judge, { strict: true })).ids).toEqual([0, 1, 2]);
    expect((await semanticIds(['a', 'b', 'c'], judge, { strict: false })).ids).toEqual([0, 0, 1]);
  });

  it('semanticIds overwrites an earlier assignment when a later founder is equivalent, as the reference does', async () => {
    // t0 ~ t2 and t1 ~ t2 but t0 !~ t1: t2 first joins cluster 0, then moves to cluster 1.
    const v = [
      [2, 1, 2],
      [1, 2, 2],
      [2, 2, 2]
    ];
    expect((await semanticIds(texts(3), tableJudge(v).fn)).ids).toEqual([0, 1, 1]);
  });

  it('semanticIds matches jlko get_semantic_ids on 80 random verdict tables (numpy goldens)', async () => {
    for (const c of golden.clustering) {
      const r = await semanticIds(texts(c.n), tableJudge(c.verdict).fn, { strict: c.strict });
      expect(r.ids).toEqual(c.ids);
    }
  });

  it('semanticIds judges each ordered pair of texts once, sharing verdicts between identical texts', async () => {
    const { fn, calls } = tableJudge([
      [2, 1, 2],
      [1, 2, 1],
      [2, 1, 2]
    ]);
    const cache = new Map<string, Entailment>();
    const r = await semanticIds(['t0', 't1', 't0', 't2', 't1'], fn, { cache });
    expect(r.ids).toEqual([0, 1, 0, 0, 1]);
    for (const n of calls.values()) expect(n).toBe(1);
    expect(cache.get(entailmentKey('t0', 't2'))).toBe(2);
    const again = await semanticIds(['t0', 't1', 't2'], fn, { cache });
    expect(again.calls).toBe(0);
    expect(again.ids).toEqual([0, 1, 0]);
  });

  it('semanticIds with entailsMany judges all ordered pairs of distinct texts in one batch', async () => {
    const { fn, calls } = tableJudge([
      [2, 2, 1],
      [2, 2, 1],
      [1, 1, 2]
    ]);
    let batches = 0;
    const r = await semanticIds(texts(3), async () => 0, {
      entailsMany: async (pairs) => {
        batches++;
        return Promise.all(pairs.map(([a, b]) => fn(a, b)));
      }
    });
    expect(batches).toBe(1);
    expect(calls.size).toBe(6);
    expect(r.calls).toBe(6);
    expect(r.ids).toEqual([0, 0, 1]);
  });

  it('semanticIds reports entailment_failed, with the pair, when the judge gives null', async () => {
    const judge: EntailsFn = async (a, b) => (a === 'b' && b === 'a' ? null : 2);
    const r = await semanticIds(['a', 'b', 'c'], judge);
    expect(r).toMatchObject({ ids: null, reason: 'entailment_failed', failedPair: ['b', 'a'] });
    expect(await semanticEntropy(['a', 'b'], judge)).toMatchObject({ se: null, reason: 'entailment_failed' });
  });

  it('semanticIds rejects bad input and bad verdicts, naming them', async () => {
    await expect(semanticIds('abc' as never, async () => 2)).rejects.toThrow('answers must be an array of strings, got string');
    await expect(semanticIds(['a', 3 as never], async () => 2)).rejects.toThrow('answers[1] must be a string, got number');
    await expect(semanticIds(['a'], null as never)).rejects.toThrow('entails must be a function, got null');
    await expect(semanticIds(['a', 'b'], async () => 3 as never)).rejects.toThrow(
      'entails(premise, hypothesis) must resolve to 0, 1, 2 or null, got number 3'
    );
    await expect(semanticIds(['a', 'b'], async () => 2, { entailsMany: async () => [2] })).rejects.toThrow(
      'entailsMany must resolve to an array of 2 verdicts, got array of length 1'
    );
  });

  it('semanticIds of no answers is empty and its entropy is null with reason no_samples', async () => {
    expect((await semanticIds([], async () => 2)).ids).toEqual([]);
    expect(await semanticEntropy([], async () => 2)).toMatchObject({ se: null, reason: 'no_samples' });
  });

  it('semanticEntropy with the normalised-match judge clusters spellings of one answer', async () => {
    const answers = ['Paris', 'paris.', 'The city of Paris', 'Lyon', 'Marseille', 'lyon', 'Paris', 'Nice', 'Nice!', 'Toulouse'];
    const r = await semanticEntropy(answers, async (a, b) => matchEntailment(a, b));
    expect(r.ids).toEqual([0, 0, 0, 1, 2, 1, 0, 3, 3, 4]);
    // p = (4, 2, 1, 2, 1) / 10
    const p = [0.4, 0.2, 0.1, 0.2, 0.1];
    expect(r.se).toBeCloseTo(-p.reduce((s, x) => s + x * Math.log(x), 0), 15);
  });
});

describe('clusterAssignmentEntropy', () => {
  it('clusterAssignmentEntropy(ids) is −Σ p ln p (hand-worked: [0,1,2,1] → 1.5 ln 2)', () => {
    expect(clusterAssignmentEntropy([0, 1, 2, 1])).toBeCloseTo(1.5 * Math.LN2, 15);
    expect(clusterAssignmentEntropy(new Array(10).fill(0))).toBe(0);
    expect(Object.is(clusterAssignmentEntropy([5, 5]), 0)).toBe(true);
    expect(clusterAssignmentEntropy([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toBeCloseTo(Math.log(10), 14);
    expect(clusterAssignmentEntropy([3, 3, 7])).toBeCloseTo(clusterAssignmentEntropy([0, 0, 1]), 15);
  });

  it('clusterAssignmentEntropy matches numpy on the golden id lists', () => {
    for (const c of [...golden.entropy, ...golden.clustering]) {
      expect(Math.abs(clusterAssignmentEntropy(c.ids) - c.entropy)).toBeLessThanOrEqual(1e-15);
    }
  });

  it('clusterAssignmentEntropy([]) is NaN and bad ids are refused by index', () => {
    expect(clusterAssignmentEntropy([])).toBeNaN();
    expect(() => clusterAssignmentEntropy([0, 1.5])).toThrow('ids[1] must be a non-negative integer cluster id, got number 1.5');
    expect(() => clusterAssignmentEntropy([-1])).toThrow('ids[0] must be a non-negative integer cluster id, got number -1');
    expect(() => clusterAssignmentEntropy(null as never)).toThrow('ids must be an array of cluster ids, got null');
  });
});

describe('bestSplit', () => {
  it('linspace(start, stop, num) reproduces numpy element for element', () => {
    for (const c of golden.best_split) {
      const mine = linspace(1e-10, Math.max(...c.se), 100);
      expect(Array.from(mine)).toEqual(c.candidates);
    }
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(linspace(2, 2, 3))).toEqual([2, 2, 2]);
  });

  it('bestSplit(se) matches the SEP notebook (numpy) on 23 golden arrays', () => {
    for (const c of golden.best_split) {
      const r = bestSplit(c.se);
      expect(r.index).toBe(c.index);
      expect(r.threshold).toBe(c.threshold);
      expect(Math.abs(r.error - c.error)).toBeLessThanOrEqual(1e-9 * Math.max(1, c.error));
    }
  });

  it('bestSplit separates two clumps, low below the threshold and high at or above it (hand-worked)', () => {
    const se = [0, 0.1, 0, 0.1, 2, 2.1, 2];
    const r = bestSplit(se);
    // low {0, .1, 0, .1}: 4 · 0.05² = 1/100; high {2, 2.1, 2}: (1/30)² · 2 + (2/30)² = 1/150; total 1/60.
    expect(r.error).toBeCloseTo(1 / 60, 14);
    // The first candidate above 0.1 (t_k = 1e-10 + k·2.1/99, k = 5) already separates the clumps.
    expect(r.index).toBe(5);
    expect(r.threshold).toBeCloseTo(1e-10 + (5 * (2.1 - 1e-10)) / 99, 15);
    expect(se.map((v) => binarise(v, r.threshold))).toEqual([0, 0, 0, 0, 1, 1, 1]);
  });

  it('bestSplit puts a sample equal to the threshold in the high group; binarise then leaves it out (null)', () => {
    // Only the last candidate (= max = 2) separates {1.99 ×3} from {2}: low is SE < t, high SE ≥ t.
    const r = bestSplit([1.99, 1.99, 1.99, 2]);
    expect(r).toMatchObject({ index: 99, threshold: 2, error: 0 });
    expect([1.99, 2].map((v) => binarise(v, r.threshold))).toEqual([0, null]);
  });

  it('bestSplit of constant SE returns the first candidate with zero error; of nothing, NaN with reason empty', () => {
    expect(bestSplit([0, 0, 0])).toMatchObject({ threshold: 1e-10, index: 0, error: 0, reason: null });
    expect(bestSplit([0.7, 0.7])).toMatchObject({ threshold: 1e-10, index: 0, error: 0 });
    const empty = bestSplit([]);
    expect(empty.threshold).toBeNaN();
    expect(empty.reason).toBe('empty');
  });

  it('bestSplit refuses negative or non-finite SE, naming the index', () => {
    expect(() => bestSplit([0.1, -0.2])).toThrow('se[1] must be a finite number ≥ 0, got number -0.2');
    expect(() => bestSplit([NaN])).toThrow('se[0] must be a finite number ≥ 0, got NaN NaN');
    expect(() => bestSplit('x' as never)).toThrow('se must be an array of semantic entropies, got string');
  });
});

describe('binarise', () => {
  it('binarise(se, t) is 1 above, 0 below and null at equality', () => {
    expect(binarise(0.5, 0.3)).toBe(1);
    expect(binarise(0.2, 0.3)).toBe(0);
    expect(binarise(0.3, 0.3)).toBeNull();
    expect(binarise(0, 1e-10)).toBe(0);
  });

  it('binarise refuses NaN and a non-finite threshold', () => {
    expect(() => binarise(NaN, 0.3)).toThrow('se must be a number, got NaN NaN');
    expect(() => binarise(0.3, Infinity)).toThrow('threshold must be a finite number, got number Infinity');
  });
});
