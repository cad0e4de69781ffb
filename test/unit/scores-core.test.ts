import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entropyMean, inclusiveLayers, jsDivergenceBits, layerRows, logitLens, nllMean, reasoningScore } from '../../src/lib/core/scores/index';
import { hashUniform } from '../tools/hashData';

const goldens = JSON.parse(readFileSync(new URL('../fixtures/scores-goldens.json', import.meta.url), 'utf8')) as {
  jsd: { p: number[]; q: number[]; value: number }[];
  rs: { name: string; seed: number; vocab: number; hidden: number; layers: number; scale: number; rows: number[]; jsd: number[]; rs: number }[];
};

describe('nllMean and entropyMean', () => {
  it('nllMean(logprobs) is the mean of −log p (hand-worked)', () => {
    expect(nllMean([-1, -2, -3])).toBe(2);
    expect(nllMean(new Float32Array([-0.5]))).toBe(0.5);
    expect(nllMean([-Infinity, -1])).toBe(Infinity);
  });

  it('nllMean([]) is NaN: nothing was generated', () => {
    expect(nllMean([])).toBeNaN();
  });

  it('nllMean rejects NaN and positive log-probabilities, naming the index', () => {
    expect(() => nllMean([-1, NaN])).toThrow('logprobs[1] must be a log-probability (≤ 0), got NaN');
    expect(() => nllMean([0.5])).toThrow('logprobs[0] must be a log-probability (≤ 0), got 0.5');
    expect(() => nllMean(null as unknown as number[])).toThrow('logprobs must be an array of log-probabilities, got null');
  });

  it('entropyMean(entropies) is the mean entropy (hand-worked) and NaN for no tokens', () => {
    expect(entropyMean([0.5, 1.5])).toBe(1);
    expect(entropyMean([])).toBeNaN();
    expect(() => entropyMean([1, -0.1])).toThrow('entropies[1] must be a finite entropy ≥ 0 (nats), got -0.1');
    expect(() => entropyMean([Infinity])).toThrow('entropies[0] must be a finite entropy ≥ 0 (nats), got Infinity');
  });
});

describe('jsDivergenceBits', () => {
  it('jsDivergenceBits(p, q) equals scipy jensenshannon(p, q, base=2)**2 on the golden pairs', () => {
    for (const g of goldens.jsd) expect(jsDivergenceBits(g.p, g.q)).toBeCloseTo(g.value, 14);
  });

  it('jsDivergenceBits is symmetric, 0 for equal inputs and 1 bit for disjoint supports', () => {
    expect(jsDivergenceBits([0.2, 0.8], [0.6, 0.4])).toBe(jsDivergenceBits([0.6, 0.4], [0.2, 0.8]));
    expect(jsDivergenceBits([0.3, 0.7], [0.3, 0.7])).toBe(0);
    expect(jsDivergenceBits([1, 0, 0], [0, 0.5, 0.5])).toBeCloseTo(1, 15);
  });

  it('jsDivergenceBits rejects unequal lengths, negative entries and zero sums', () => {
    expect(() => jsDivergenceBits([1], [0.5, 0.5])).toThrow('p and q must have equal lengths, got 1 and 2');
    expect(() => jsDivergenceBits([1, -0.1], [0.5, 0.5])).toThrow('p[1] must be a finite probability ≥ 0, got -0.1');
    expect(() => jsDivergenceBits([0, 0], [0.5, 0.5])).toThrow('p must have a positive sum, got 0');
  });
});

describe('reasoningScore', () => {
  const build = (g: (typeof goldens.rs)[number]) => {
    const matrix = hashUniform(g.seed, g.vocab * g.hidden);
    const hidden = hashUniform(g.seed + 1, g.layers * g.hidden).map((v) => Math.fround(v * Math.fround(g.scale)));
    return { hidden, unembedding: { matrix, vocab: g.vocab, hidden: g.hidden } };
  };

  it('reasoningScore(hidden, W_U, rows) matches numpy/scipy goldens (mean JSD₂ to the last selected layer)', () => {
    for (const g of goldens.rs) {
      const { hidden, unembedding } = build(g);
      const rs = reasoningScore(hidden, unembedding, g.rows);
      expect(Math.abs(rs - g.rs), g.name).toBeLessThan(1e-12);
    }
  });

  it('logitLens(hidden, W_U, rows) gives each row h·W_Uᵀ, whatever the tiling (brute force)', () => {
    const g = goldens.rs[3];
    const { hidden, unembedding } = build(g);
    const rows = [6, 0, 2, 5, 1, 3, 4];
    const lens = logitLens(hidden, unembedding, rows);
    rows.forEach((r, i) => {
      for (let v = 0; v < g.vocab; v++) {
        let s = 0;
        for (let j = 0; j < g.hidden; j++) s += unembedding.matrix[v * g.hidden + j] * hidden[r * g.hidden + j];
        expect(lens[i][v]).toBeCloseTo(s, 12);
      }
    });
  });

  it('reasoningScore is 1 bit for two layers whose logit lenses are one-hot on different tokens (hand-worked)', () => {
    // W_U = I (vocab 2 = hidden 2); h_0 = [800, 0], h_1 = [0, 800]: softmax is one-hot on token 0, then token 1.
    const u = { matrix: new Float32Array([1, 0, 0, 1]), vocab: 2, hidden: 2 };
    expect(reasoningScore(new Float32Array([800, 0, 0, 800]), u)).toBe(1);
    expect(reasoningScore(new Float32Array([3, 1, 3, 1]), u)).toBe(0);
  });

  it('reasoningScore with fewer than 2 layers is NaN: there is no pair to compare', () => {
    const u = { matrix: new Float32Array([1, 0, 0, 1]), vocab: 2, hidden: 2 };
    expect(reasoningScore(new Float32Array([1, 2]), u)).toBeNaN();
    expect(reasoningScore(new Float32Array([1, 2, 3, 4]), u, [1])).toBeNaN();
  });

  it('reasoningScore names bad shapes, rows and non-finite hidden values', () => {
    const u = { matrix: new Float32Array([1, 0, 0, 1]), vocab: 2, hidden: 2 };
    expect(() => reasoningScore(new Float32Array(3), u)).toThrow('hidden has 3 values, not a multiple of the unembedding\'s hidden size 2');
    expect(() => reasoningScore(new Float32Array(4), u, [0, 2])).toThrow('rows must be indices into the 2 rows of hidden, got 2');
    expect(() => reasoningScore(new Float32Array([1, NaN, 0, 0]), u)).toThrow('hidden row 0 holds a non-finite value (NaN) at 1');
    expect(() => reasoningScore(new Float32Array(4), { matrix: new Float32Array(3), vocab: 2, hidden: 2 })).toThrow('unembedding.matrix must hold vocab × hidden = 2 × 2 = 4 values, got 3');
  });

  it('layerRows(stored, layers) maps hidden-state indices to stored rows and names a missing one', () => {
    expect(inclusiveLayers(13, 21)).toEqual([13, 14, 15, 16, 17, 18, 19, 20, 21]);
    expect(layerRows([13, 14, 15, 21], [14, 21])).toEqual([1, 3]);
    expect(() => layerRows([13, 14, 15], [13, 16])).toThrow('hidden-state index 16 was not stored; stored indices: [13, 14, 15]');
    expect(() => inclusiveLayers(5, 2)).toThrow('inclusiveLayers(a, b) needs integers 0 ≤ a ≤ b, got 5, 2');
  });
});
