import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/core/issues';
import {
  auroc,
  averagePrecision,
  binaryMetrics,
  fprAtTpr,
  prr,
  rocCurve,
  undefinedReason,
  youdenThreshold
} from '../../src/lib/core/metrics/index';

const METRICS = { auroc, averagePrecision, prr, fprAtTpr } as const;

describe('metric input policy', () => {
  it('every metric throws an InputError naming scores[i] for a NaN or infinite score', () => {
    for (const [name, fn] of Object.entries(METRICS)) {
      expect(() => fn([0.1, NaN, 0.3], [0, 1, 1])).toThrow(`${name}: scores[1] must be a finite number, got NaN`);
      expect(() => fn([0.1, 0.2, -Infinity], [0, 1, 1])).toThrow(`${name}: scores[2] must be a finite number, got -Infinity`);
      expect(() => fn([0.1, '0.2', 0.3] as unknown as number[], [0, 1, 1])).toThrow(`${name}: scores[1] must be a finite number, got "0.2"`);
    }
  });

  it('every metric throws an InputError naming labels[i] for a label other than 0 or 1', () => {
    for (const [name, fn] of Object.entries(METRICS)) {
      expect(() => fn([1, 2, 3], [0, 2, 1])).toThrow(`${name}: labels[1] must be 0 or 1 (1 = hallucinated, the positive class), got 2`);
      expect(() => fn([1, 2, 3], [0, true, 1] as unknown as number[])).toThrow(`${name}: labels[1] must be 0 or 1 (1 = hallucinated, the positive class), got boolean`);
      expect(() => fn([1, 2, 3], [0, '1', 1] as unknown as number[])).toThrow(`${name}: labels[1] must be 0 or 1 (1 = hallucinated, the positive class), got "1"`);
    }
  });

  it('every metric throws an InputError for unequal lengths, empty input or a non-array', () => {
    for (const [name, fn] of Object.entries(METRICS)) {
      expect(() => fn([1, 2, 3], [0, 1])).toThrow(`${name}: labels must have one entry per score: scores has 3, labels has 2`);
      expect(() => fn([], [])).toThrow(`${name}: scores and labels are empty; need at least one labelled item`);
      expect(() => fn({ a: 1 } as unknown as number[], [0])).toThrow(`${name}: scores must be an array of finite numbers, got object`);
      expect(() => fn([1], null as unknown as number[])).toThrow(`${name}: labels must be an array of 0/1 (1 = hallucinated, the positive class), got null`);
    }
    try {
      auroc([1, 2], [0, 5]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues[0].path).toEqual(['labels', 1]);
    }
  });

  it('every metric is NaN for one class only, and undefinedReason names the counts', () => {
    for (const fn of Object.values(METRICS)) {
      expect(fn([0.1, 0.5, 0.3], [1, 1, 1])).toBeNaN();
      expect(fn([0.1, 0.5, 0.3], [0, 0, 0])).toBeNaN();
    }
    expect(undefinedReason(0, 12)).toBe('one class only: 0 hallucinated (label 1) and 12 factual (label 0) items; the metric needs both');
    expect(undefinedReason(3, 4)).toBeNull();
    const m = binaryMetrics([0.1, 0.2], [0, 0]);
    expect([m.auroc, m.auprc, m.prr, m.fpr95].every(Number.isNaN)).toBe(true);
    expect(m.reason).toBe(undefinedReason(0, 2));
    expect(youdenThreshold([0.1, 0.2], [1, 1]).reason).toBe(undefinedReason(2, 0));
    expect(rocCurve([0.1, 0.2], [0, 0]).reason).toBe(undefinedReason(0, 2));
  });

  it('metrics accept typed arrays', () => {
    expect(auroc(new Float32Array([0.9, 0.1]), new Uint8Array([1, 0]))).toBe(1);
  });
});
