import { describe, expect, it } from 'vitest';
import { auroc, aurocRanked, rankScores } from '../../src/lib/core/metrics/index';
import { keyedRandom } from '../../src/lib/core/random';
import { aurocPairs, goldens, near } from './metrics-goldens';

describe('auroc', () => {
  it('auroc(scores, labels) counts ties as one half: [0.9, 0.4, 0.4, 0.1, 0.8] with [1, 1, 0, 0, 1] is 0.916667', () => {
    expect(auroc([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1])).toBeCloseTo(0.916667, 6);
    expect(auroc([0.9, 0.4, 0.4, 0.1, 0.8], [1, 1, 0, 0, 1])).toBe(5.5 / 6);
  });

  it('auroc matches sklearn roc_auc_score and scipy Mann–Whitney on seeded inputs with ties (1e-12)', () => {
    let checked = 0;
    for (const g of goldens.binary) {
      if (g.roc_auc_score === undefined) continue;
      const a = auroc(g.scores, g.labels);
      expect(near(a, g.roc_auc_score), `${g.name}: ${a} vs sklearn ${g.roc_auc_score}`).toBe(true);
      expect(near(a, g.scipy_mannwhitney_auc!), `${g.name}: scipy`).toBe(true);
      expect(near(a, g.scipy_rank_auc!), `${g.name}: scipy ranks`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('aurocRanked with integer weights matches sklearn roc_auc_score(sample_weight) (the bootstrap path)', () => {
    let checked = 0;
    for (const g of goldens.binary) {
      if (!g.weights) continue;
      const a = aurocRanked(rankScores(g.scores), g.labels, g.weights);
      expect(near(a, g.weighted_roc_auc_score!), `${g.name}: ${a} vs ${g.weighted_roc_auc_score}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  it('auroc equals the brute-force pair count on seeded random input with ties', () => {
    for (let t = 0; t < 30; t++) {
      const r = keyedRandom(11, 'pairs', t);
      const n = 2 + r.int(300);
      const labels = Array.from({ length: n }, () => (r() < 0.4 ? 1 : 0));
      labels[0] = 1;
      labels[1] = 0;
      const levels = 1 + r.int(12); // few distinct values: many ties
      const scores = labels.map((y) => Math.floor((r() + 0.3 * y) * levels) / levels);
      expect(near(auroc(scores, labels), aurocPairs(scores, labels))).toBe(true);
    }
  });

  it('auroc is unchanged by a strictly increasing transform of the scores', () => {
    const r = keyedRandom(5, 'monotone');
    const labels = Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const scores = labels.map((y) => Math.round((r.normal() + y) * 4) / 4);
    const a = auroc(scores, labels);
    expect(auroc(scores.map((s) => Math.exp(3 * s) - 7), labels)).toBe(a);
    expect(auroc(scores.map((s) => 1 / (1 + Math.exp(-s))), labels)).toBe(a);
  });

  it('auroc with the labels flipped is 1 − auroc, and with the scores negated too', () => {
    const r = keyedRandom(6, 'flip');
    const labels = Array.from({ length: 250 }, () => (r() < 0.3 ? 1 : 0));
    const scores = labels.map((y) => Math.round((r.normal() + y) * 3) / 3);
    const a = auroc(scores, labels);
    const flipped = labels.map((y) => 1 - y);
    expect(near(auroc(scores, flipped), 1 - a)).toBe(true);
    expect(near(auroc(scores.map((s) => -s), labels), 1 - a)).toBe(true);
  });

  it('auroc of constant scores is 0.5 and of separated scores 1', () => {
    expect(auroc([3, 3, 3, 3], [1, 0, 0, 1])).toBe(0.5);
    expect(auroc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auroc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
  });
});
