import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AGGREGATIONS,
  AGGREGATION_NAMES,
  firstDifferences,
  firstTurn,
  itemTrajectory,
  lastMinusFirst,
  maxAbsD1,
  secondDifferences,
  spikeScore,
  totalVariation,
  trajectoryMean,
  trajectoryRange,
  trajectorySlope,
  trajectoryVariance,
  varPlusSumAbsD2
} from '../../src/lib/core/trajectory/index';
import { parseItemResult } from '../../src/lib/core/itemResult';
import { keyedRandom } from '../../src/lib/core/random';

const goldens = JSON.parse(readFileSync(new URL('../fixtures/metrics-goldens.json', import.meta.url), 'utf8')) as {
  trajectories: Record<string, number | number[]>[];
};

describe('spikeScore', () => {
  it('spikeScore([0, 0, 1, 0, 0]) is 2 at turn 2', () => {
    expect(spikeScore([0, 0, 1, 0, 0])).toEqual({ value: 2, turn: 2 });
  });

  it('spikeScore of a linear trajectory is 0 within 1e-12', () => {
    const s = spikeScore([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(s).not.toBeNull();
    expect(s!.value).toBeLessThan(1e-12);
  });

  it('spikeScore([1.0, 0.2, 0.9, 0.1, 1.0, 0.3]) is 1.7 at turn 3', () => {
    const s = spikeScore([1.0, 0.2, 0.9, 0.1, 1.0, 0.3])!;
    expect(s.value).toBeCloseTo(1.7, 12);
    expect(s.turn).toBe(3);
  });

  it('spikeScore of fewer than 3 scores is null, never 0', () => {
    expect(spikeScore([0.5, 0.5])).toBeNull();
    expect(spikeScore([0.5])).toBeNull();
    expect(spikeScore([])).toBeNull();
  });

  it('spikeScore reports the first turn on ties and maps positions to stored turns', () => {
    // Δ² = [-2, 2, -2]: |Δ²| = 2 at k = 1, 2 and 3; the first wins.
    expect(spikeScore([0, 1, 0, 1, 0])).toEqual({ value: 2, turn: 1 });
    expect(spikeScore([0, 0, 0, 1, 0, 1])).toEqual({ value: 2, turn: 3 });
    expect(spikeScore([0, 0, 1, 0, 0], [0, 1, 3, 4, 7])).toEqual({ value: 2, turn: 3 });
  });

  it('spikeScore(a·S + b) = |a|·spikeScore(S) on seeded random trajectories', () => {
    for (let t = 0; t < 50; t++) {
      const r = keyedRandom(7, 'affine', t);
      const K = 3 + r.int(25);
      const S = Array.from({ length: K }, () => r.normal());
      const a = (r() - 0.5) * 20;
      const b = r.normal() * 5;
      const base = spikeScore(S)!;
      const moved = spikeScore(S.map((x) => a * x + b))!;
      expect(Math.abs(moved.value - Math.abs(a) * base.value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a) * base.value));
    }
  });

  it('spikeScore names the bad score or the mismatched turns in its error', () => {
    expect(() => spikeScore([0.1, NaN, 0.3])).toThrow('spikeScore: scores[1] must be a finite number, got NaN');
    expect(() => spikeScore([0.1, 0.2, Infinity])).toThrow('spikeScore: scores[2] must be a finite number, got Infinity');
    expect(() => spikeScore([0.1, null, 0.3] as unknown as number[])).toThrow('spikeScore: scores[1] must be a finite number, got null');
    expect(() => spikeScore('0.1,0.2' as unknown as number[])).toThrow('spikeScore: scores must be an array of finite numbers (one per scored turn), got string');
    expect(() => spikeScore([1, 2, 3], [0, 1])).toThrow('spikeScore: turns must have one entry per score (3), got 2');
  });
});

describe('secondDifferences and firstDifferences', () => {
  it('secondDifferences([0, 0, 1, 0, 0]) is [1, -2, 1], one per interior turn', () => {
    expect(Array.from(secondDifferences([0, 0, 1, 0, 0]))).toEqual([1, -2, 1]);
    expect(secondDifferences([1, 2]).length).toBe(0);
    expect(Array.from(firstDifferences(new Float64Array([1, 4, 2])))).toEqual([3, -2]);
    expect(firstDifferences([]).length).toBe(0);
  });
});

describe('varPlusSumAbsD2 (the released eval_probe.py score)', () => {
  it('varPlusSumAbsD2 gives the seed values 4.16, 0.02, 6.451389 and 0 for [0.5, 0.5]', () => {
    expect(varPlusSumAbsD2([0, 0, 1, 0, 0])).toBeCloseTo(4.16, 12);
    expect(varPlusSumAbsD2([0.1, 0.2, 0.3, 0.4, 0.5])).toBeCloseTo(0.02, 12);
    expect(varPlusSumAbsD2([1.0, 0.2, 0.9, 0.1, 1.0, 0.3])).toBeCloseTo(6.451389, 6);
    expect(varPlusSumAbsD2([0.5, 0.5])).toBe(0);
    expect(varPlusSumAbsD2([])).toBeNull();
  });
});

describe('baselines', () => {
  it('every baseline matches numpy on seeded trajectories (goldens, 1e-12)', () => {
    for (const g of goldens.trajectories) {
      const S = g.scores as number[];
      const close = (a: number | null, b: number) => expect(Math.abs((a as number) - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
      Array.from(secondDifferences(S)).forEach((v, i) => close(v, (g.second_differences as number[])[i]));
      const s = spikeScore(S)!;
      close(s.value, g.spikescore as number);
      expect(s.turn).toBe(g.spike_turn);
      close(varPlusSumAbsD2(S), g.varPlusSumAbsD2 as number);
      close(trajectoryMean(S), g.mean as number);
      close(trajectoryVariance(S), g.variance as number);
      close(trajectoryRange(S), g.range as number);
      close(maxAbsD1(S), g.maxAbsD1 as number);
      close(totalVariation(S), g.totalVariation as number);
      close(lastMinusFirst(S), g.lastMinusFirst as number);
      close(trajectorySlope(S), g.slope as number);
      close(firstTurn(S), g.firstTurn as number);
    }
  });

  it('baselines return null when the trajectory is too short, never 0', () => {
    expect([trajectoryMean([]), trajectoryVariance([]), trajectoryRange([]), firstTurn([])]).toEqual([null, null, null, null]);
    expect([maxAbsD1([1]), totalVariation([1]), lastMinusFirst([1]), trajectorySlope([1])]).toEqual([null, null, null, null]);
    expect(trajectorySlope([1, 3])).toBe(2);
    expect(trajectoryVariance([4])).toBe(0);
  });

  it('AGGREGATIONS lists SpikeScore first, each with a description, a direction and the fewest turns it needs', () => {
    expect(AGGREGATION_NAMES[0]).toBe('spikescore');
    expect(AGGREGATION_NAMES).toEqual([
      'spikescore', 'varPlusSumAbsD2', 'mean', 'variance', 'range', 'maxAbsD1', 'totalVariation', 'lastMinusFirst', 'slope', 'firstTurn'
    ]);
    for (const name of AGGREGATION_NAMES) {
      const a = AGGREGATIONS[name];
      expect(a.description.length).toBeGreaterThan(5);
      expect(a.higherIsMoreHallucinated).toBe(true);
      // Defined from minTurns on, null below.
      expect(a.fn(Array.from({ length: a.minTurns }, (_, k) => k * k))).not.toBeNull();
      if (a.minTurns > 0) expect(a.fn(Array.from({ length: a.minTurns - 1 }, (_, k) => k))).toBeNull();
    }
    expect(AGGREGATIONS.spikescore.fn([0, 0, 1, 0, 0])).toBe(2);
  });
});

describe('itemTrajectory', () => {
  it('itemTrajectory(item, key) skips turns without a numeric score and keeps their stored numbers', () => {
    const r = parseItemResult(
      {
        id: 'x',
        nli_label: 0,
        reasoning_chain: [
          { step: 0, metrics: { probe_pred: 0.1 } },
          { step: 1, metrics: { probe_pred: null } },
          { step: 2, metrics: {} },
          { step: 3, metrics: { probe_pred: 'high' } },
          { step: 4, metrics: { probe_pred: 0.9 } },
          { step: 5, metrics: { probe_pred: 0.2 } }
        ]
      },
      'x.json'
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const t = itemTrajectory(r.value, 'probe_pred');
    expect(t).toEqual({ scores: [0.1, 0.9, 0.2], turns: [0, 4, 5], missing: [1, 2, 3] });
    expect(spikeScore(t.scores, t.turns)).toEqual({ value: expect.closeTo(1.5, 12), turn: 4 });
  });
});
