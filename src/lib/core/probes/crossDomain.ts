/**
 * The cross-domain protocol of SpikeScore (method-spikescore.md §6.1, §11.6): train the detector (the per-turn
 * probe) on one source domain, evaluate on every other domain and on the pool of all the others, and report, as
 * the paper does, the average over source domains of the pooled value.
 *
 * For domains D_1 … D_m (m ≥ 2), with a trained model M_i = train(D_i):
 *
 *   matrix[i][j] = metric(evaluate(M_i, D_j))          for j ≠ i   (the diagonal, in-domain, is not evaluated: NaN)
 *   pooled[i]    = metric(⋃_{j ≠ i} evaluate(M_i, D_j))  (scores and labels concatenated)
 *   average      = mean over i of pooled[i]             (the paper's cross-domain figure)
 *
 * Labels are 1 = hallucinated (the positive class) and scores are higher = more likely hallucinated, as
 * everywhere. The metric and the interval are injected (e.g. `auroc` and a `bootstrapCi` around it from
 * `core/metrics`), so the protocol does not depend on them. A metric that is undefined on a cell (one class, an
 * empty domain) returns NaN; the cell keeps NaN with the reason `undefined`, and the average skips it and says
 * which sources it skipped.
 */
import { InputError } from '../issues';
import { throwIfAborted, yieldToEventLoop } from './yieldToEventLoop';

export interface Domain<T> {
  readonly name: string;
  readonly data: T;
}

export interface Scored {
  /** Higher = more likely hallucinated. */
  readonly scores: ArrayLike<number>;
  /** 1 = hallucinated, 0 = not. */
  readonly labels: ArrayLike<number>;
}

export type Metric = (scores: ArrayLike<number>, labels: ArrayLike<number>) => number;

/** An interval for the metric on one cell, e.g. a bootstrap CI; `cell` keys the resampling draws. */
export type Interval = (scores: ArrayLike<number>, labels: ArrayLike<number>, cell: { readonly source: string; readonly target: string }) => readonly [number, number];

export interface CrossDomainOptions<T, M> {
  readonly domains: readonly Domain<T>[];
  readonly train: (source: Domain<T>) => M | Promise<M>;
  readonly evaluate: (model: M, target: Domain<T>) => Scored | Promise<Scored>;
  readonly metric: Metric;
  readonly interval?: Interval;
  readonly signal?: AbortSignal;
  /** After each source's row is done. */
  readonly onSource?: (source: string, index: number, total: number) => void;
}

/** The target name of the pooled cell. */
export const POOL = 'pool';

export interface CrossDomainCell {
  readonly source: string;
  /** A domain name, or `POOL` for the union of every domain but the source. */
  readonly target: string;
  readonly value: number;
  readonly lo: number | null;
  readonly hi: number | null;
  readonly n: number;
  readonly positives: number;
  /** Why the value is NaN: `undefined` (the metric is not defined here, e.g. one class), else null. */
  readonly reason: 'undefined' | null;
}

export interface CrossDomainResult {
  readonly domains: readonly string[];
  /** matrix[i][j]: trained on domain i, evaluated on domain j; NaN on the diagonal. */
  readonly matrix: readonly (readonly number[])[];
  /** Every off-diagonal cell, row by row. */
  readonly cells: readonly CrossDomainCell[];
  /** Per source, the cell on the pool of the other domains. */
  readonly pooled: readonly CrossDomainCell[];
  /** Mean over sources of the pooled value (finite ones), as the paper reports it; NaN when none is finite. */
  readonly average: number;
  /** Mean of the finite off-diagonal cells (each target domain weighted alike). */
  readonly averageOffDiagonal: number;
  /** Sources whose pooled value was NaN and left out of `average`. */
  readonly skippedSources: readonly string[];
}

function cell(source: string, target: string, s: Scored, metric: Metric, interval: Interval | undefined): CrossDomainCell {
  let positives = 0;
  for (let i = 0; i < s.labels.length; i++) positives += s.labels[i] === 1 ? 1 : 0;
  const value = metric(s.scores, s.labels);
  const defined = Number.isFinite(value);
  const ci = defined && interval ? interval(s.scores, s.labels, { source, target }) : null;
  return { source, target, value: defined ? value : NaN, lo: ci ? ci[0] : null, hi: ci ? ci[1] : null, n: s.labels.length, positives, reason: defined ? null : 'undefined' };
}

function mean(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN;
}

export async function crossDomain<T, M>(options: CrossDomainOptions<T, M>): Promise<CrossDomainResult> {
  const { domains, metric, interval } = options;
  if (!Array.isArray(domains) || domains.length < 2) {
    throw new InputError(`the cross-domain protocol needs at least 2 domains, got ${Array.isArray(domains) ? domains.length : typeof domains}`);
  }
  const names = domains.map((d) => d.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new InputError(`domain names must be distinct; "${dup}" appears twice`);
  if (names.includes(POOL)) throw new InputError(`"${POOL}" is reserved for the pooled target; rename that domain`);
  const m = domains.length;
  const matrix: number[][] = [];
  const cells: CrossDomainCell[] = [];
  const pooled: CrossDomainCell[] = [];
  for (let i = 0; i < m; i++) {
    throwIfAborted(options.signal);
    const model = await options.train(domains[i]);
    const row = new Array<number>(m).fill(NaN);
    const poolScores: number[] = [];
    const poolLabels: number[] = [];
    for (let j = 0; j < m; j++) {
      if (j === i) continue;
      throwIfAborted(options.signal);
      const s = await options.evaluate(model, domains[j]);
      if (s.scores.length !== s.labels.length) {
        throw new TypeError(`evaluate(${names[i]} → ${names[j]}) gave ${s.scores.length} scores but ${s.labels.length} labels`);
      }
      const c = cell(names[i], names[j], s, metric, interval);
      row[j] = c.value;
      cells.push(c);
      for (let k = 0; k < s.scores.length; k++) {
        poolScores.push(s.scores[k]);
        poolLabels.push(s.labels[k]);
      }
      await yieldToEventLoop();
    }
    pooled.push(cell(names[i], POOL, { scores: poolScores, labels: poolLabels }, metric, interval));
    matrix.push(row);
    options.onSource?.(names[i], i, m);
  }
  return {
    domains: names,
    matrix,
    cells,
    pooled,
    average: mean(pooled.map((c) => c.value)),
    averageOffDiagonal: mean(cells.map((c) => c.value)),
    skippedSources: pooled.filter((c) => !Number.isFinite(c.value)).map((c) => c.source)
  };
}
