import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitLogisticRegression, sigmoid } from '../../src/lib/core/probes/index';
import { hashUniform } from '../tools/hashData';

interface LogisticGolden {
  name: string;
  seed: number;
  n: number;
  d: number;
  scale: number;
  C: number;
  y: number[];
  default: { coef: number[]; intercept: number; converged: boolean };
  exact: { coef: number[]; intercept: number };
  proba_rows: number[];
  proba: number[];
}

const goldens = JSON.parse(readFileSync(new URL('../fixtures/probe-goldens.json', import.meta.url), 'utf8')) as { logistic: LogisticGolden[] };

function problem(g: LogisticGolden): Float32Array {
  const scale = Math.fround(g.scale);
  return hashUniform(g.seed, g.n * g.d).map((v) => Math.fround(v * scale));
}

/** max |a − b| / max |b| over coef and intercept together. */
function relDiff(coef: ArrayLike<number>, intercept: number, ref: { coef: number[]; intercept: number }): number {
  let num = Math.abs(intercept - ref.intercept);
  let den = Math.abs(ref.intercept);
  for (let j = 0; j < ref.coef.length; j++) {
    num = Math.max(num, Math.abs(coef[j] - ref.coef[j]));
    den = Math.max(den, Math.abs(ref.coef[j]));
  }
  return num / den;
}

describe('fitLogisticRegression', () => {
  for (const solver of ['lbfgs', 'newton'] as const) {
    it(`fitLogisticRegression(X, n, d, y, {solver: '${solver}'}) matches sklearn LogisticRegression() coef_ and intercept_ within 1e-4 relative`, async () => {
      for (const g of goldens.logistic) {
        expect(g.default.converged, `${g.name}: sklearn's default run converged`).toBe(true);
        const fit = await fitLogisticRegression(problem(g), g.n, g.d, g.y, { C: g.C, solver });
        expect(fit.converged, g.name).toBe(true);
        expect(fit.solver).toBe(solver);
        expect(relDiff(fit.coef, fit.intercept, g.default), `${g.name} vs sklearn default`).toBeLessThan(1e-4);
        expect(relDiff(fit.coef, fit.intercept, g.exact), `${g.name} vs exact optimum`).toBeLessThan(1e-4);
      }
    });
  }

  it('fitLogisticRegression with a tight tol reaches the exact optimum within 1e-8 relative (both solvers) and reproduces predict_proba', async () => {
    for (const g of goldens.logistic) {
      const X = problem(g);
      for (const solver of ['lbfgs', 'newton'] as const) {
        const tight = await fitLogisticRegression(X, g.n, g.d, g.y, { C: g.C, tol: 1e-10, solver });
        expect(relDiff(tight.coef, tight.intercept, g.exact), `${g.name} ${solver}`).toBeLessThan(1e-8);
      }
      const fit = await fitLogisticRegression(X, g.n, g.d, g.y, { C: g.C, tol: 1e-10, solver: 'lbfgs' });
      expect(relDiff(fit.coef, fit.intercept, g.exact), g.name).toBeLessThan(1e-8);
      g.proba_rows.forEach((r, k) => {
        let z = fit.intercept;
        for (let j = 0; j < g.d; j++) z += fit.coef[j] * X[r * g.d + j];
        expect(sigmoid(z)).toBeCloseTo(g.proba[k], 9);
      });
    }
  });

  it('fitLogisticRegression objective curve decreases and the default solver is Newton for small d', async () => {
    const g = goldens.logistic[0];
    const fit = await fitLogisticRegression(problem(g), g.n, g.d, g.y);
    expect(fit.solver).toBe('newton');
    for (let i = 1; i < fit.objectiveCurve.length; i++) expect(fit.objectiveCurve[i]).toBeLessThanOrEqual(fit.objectiveCurve[i - 1]);
    expect(fit.objectiveCurve[0]).toBeCloseTo(g.n * Math.LN2, 10); // w = 0, b = 0: every row costs log 2
    const wide = goldens.logistic.find((c) => c.name === 'wide')!;
    expect((await fitLogisticRegression(problem(wide), wide.n, wide.d, wide.y)).solver).toBe('lbfgs');
  });

  it('fitLogisticRegression reports maxIter without convergence as converged = false', async () => {
    const g = goldens.logistic.find((c) => c.name === 'wide')!;
    const fit = await fitLogisticRegression(problem(g), g.n, g.d, g.y, { maxIter: 2, solver: 'lbfgs' });
    expect(fit.nIter).toBe(2);
    expect(fit.converged).toBe(false);
  });

  it('fitLogisticRegression stops when its signal is aborted', async () => {
    const g = goldens.logistic[3];
    const controller = new AbortController();
    controller.abort();
    await expect(fitLogisticRegression(problem(g), g.n, g.d, g.y, { signal: controller.signal, solver: 'lbfgs' })).rejects.toThrow();
  });

  it('fitLogisticRegression names bad inputs: shapes, labels, one class, C', async () => {
    const X = new Float32Array([0, 1, 1, 0]);
    await expect(fitLogisticRegression(X, 2, 3, [0, 1])).rejects.toThrow('X must hold n × d = 2 × 3 = 6 values, got 4');
    await expect(fitLogisticRegression([0, 1] as unknown as Float32Array, 2, 1, [0, 1])).rejects.toThrow('X must be a Float32Array (row-major, n × d), got array');
    await expect(fitLogisticRegression(X, 2, 2, [0, 2])).rejects.toThrow('y[1] must be 0 or 1, got 2');
    await expect(fitLogisticRegression(X, 2, 2, [0])).rejects.toThrow('y must hold one label per row (2), got 1');
    await expect(fitLogisticRegression(X, 2, 2, [1, 1])).rejects.toThrow('y holds only class 1 (2 samples); a logistic probe needs samples of both classes');
    await expect(fitLogisticRegression(X, 2, 2, [0, 1], { C: 0 })).rejects.toThrow('C must be a positive number, got 0');
    await expect(fitLogisticRegression(new Float32Array([0, NaN, 1, 0]), 2, 2, [0, 1])).rejects.toThrow('X must be finite; X[0, 1] is NaN');
  });
});
