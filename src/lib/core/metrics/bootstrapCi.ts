/**
 * Bootstrap confidence intervals for one metric of several scores at once, on the SAME resamples, so that scores
 * can be compared (a paired bootstrap).
 *
 * Resampling: stratified by class. Resample b draws, with replacement, n₊ items from the hallucinated items and
 * then n₋ from the factual ones, so every resample keeps the class counts (and the metric stays defined). The draws
 * come from `keyedRandom(seed, 'bootstrap', b)`: resample b depends only on (seed, b, the labels), never on the
 * scores or on the other resamples, so the same seed gives the same resamples for every score and in every call,
 * whatever the metric.
 *
 * Interval: the percentile interval, [q(α/2), q(1 − α/2)] of the replicates with α = 1 − level, quantiles by
 * linear interpolation (numpy's default). Default 1000 resamples, level 0.95. The estimate is the metric on the
 * full data (not the mean of the replicates).
 *
 * Speed: each score is sorted once (`rankScores`); a resample is a vector of counts per item, and the metric is a
 * weighted pass over the pre-sorted order (`*Ranked`), O(n) per resample instead of a fresh O(n log n) sort.
 *
 * Degenerate input: one class only → estimates and bounds NaN, `reason` set, no resampling. Malformed input (see
 * `checkBinary`), no scores, an unknown metric, a `nResamples` that is not a positive integer or a `level` outside
 * (0, 1) throw `InputError`.
 */
import { InputError, typeName } from '../issues';
import { keyedRandom, type KeyPart } from '../random';
import { aurocRanked } from './auroc';
import { averagePrecisionRanked } from './averagePrecision';
import { checkBinary, checkLabels, undefinedReason } from './checkBinary';
import { fprAtTprRanked } from './fprAtTpr';
import { prrRanked } from './prr';
import { quantileSorted } from './quantileSorted';
import { rankScores, type RankedScores, type Weights } from './rankScores';

export type BootstrapMetric = 'auroc' | 'auprc' | 'prr' | 'fpr95';

/** The metrics `bootstrapCi` can resample, as weighted passes over a pre-sorted order. */
export const RANKED_METRICS: Readonly<Record<BootstrapMetric, (r: RankedScores, labels: ArrayLike<number>, w: Weights) => number>> = {
  auroc: aurocRanked,
  auprc: averagePrecisionRanked,
  prr: prrRanked,
  fpr95: (r, labels, w) => fprAtTprRanked(r, labels, w, 0.95)
};

export interface BootstrapOptions {
  readonly metric?: BootstrapMetric;
  /** Default 1000. */
  readonly nResamples?: number;
  /** Default 0. */
  readonly seed?: KeyPart;
  /** Default 0.95. */
  readonly level?: number;
}

export interface Interval {
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
}

export interface BootstrapResult {
  readonly metric: BootstrapMetric;
  readonly level: number;
  readonly nResamples: number;
  readonly seed: KeyPart;
  readonly intervals: Readonly<Record<string, Interval>>;
  /** Per score, the metric on resample b at index b (the same resamples for every score). */
  readonly replicates: Readonly<Record<string, Float64Array>>;
  readonly reason: string | null;
}

/**
 * Fills `out` (length n₊ + n₋) with the item indices of resample b: n₊ draws from `positives`, then n₋ from
 * `negatives`, each uniform with replacement, from `keyedRandom(seed, 'bootstrap', b)`.
 */
export function stratifiedResample(out: Uint32Array, positives: Uint32Array, negatives: Uint32Array, seed: KeyPart, b: number): Uint32Array {
  const random = keyedRandom(seed, 'bootstrap', b);
  const np = positives.length;
  const nn = negatives.length;
  for (let i = 0; i < np; i++) out[i] = positives[Math.floor(random() * np)];
  for (let i = 0; i < nn; i++) out[np + i] = negatives[Math.floor(random() * nn)];
  return out;
}

/** Indices of the items with label 1 and with label 0, in input order. */
export function splitByClass(labels: ArrayLike<number>): { positives: Uint32Array; negatives: Uint32Array } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  return { positives: Uint32Array.from(pos), negatives: Uint32Array.from(neg) };
}

function checkOptions(options: BootstrapOptions): Required<BootstrapOptions> {
  const metric = options.metric ?? 'auroc';
  const nResamples = options.nResamples ?? 1000;
  const level = options.level ?? 0.95;
  const seed = options.seed ?? 0;
  if (!(metric in RANKED_METRICS)) {
    throw new InputError([{ code: 'invalid_value', path: ['metric'], message: `bootstrapCi: metric must be one of ${Object.keys(RANKED_METRICS).join(', ')}, got ${JSON.stringify(metric)}` }]);
  }
  if (!Number.isSafeInteger(nResamples) || nResamples < 1) {
    throw new InputError([{ code: 'invalid_value', path: ['nResamples'], message: `bootstrapCi: nResamples must be a positive integer, got ${String(nResamples)}` }]);
  }
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw new InputError([{ code: 'invalid_value', path: ['level'], message: `bootstrapCi: level must be a number in (0, 1), e.g. 0.95, got ${String(level)}` }]);
  }
  if (!['string', 'number', 'bigint'].includes(typeof seed)) {
    throw new InputError([{ code: 'invalid_type', path: ['seed'], message: `bootstrapCi: seed must be a number or a string, got ${typeName(seed)}` }]);
  }
  return { metric, nResamples, level, seed };
}

function percentileInterval(estimate: number, replicates: Float64Array, level: number): Interval {
  const sorted = Float64Array.from(replicates).sort();
  const alpha = 1 - level;
  return { estimate, lo: quantileSorted(sorted, alpha / 2), hi: quantileSorted(sorted, 1 - alpha / 2) };
}

/**
 * @param scoresByName one score array per name (e.g. `{spikescore: [...], mean: [...]}`), each aligned with `labels`.
 * @param labels 1 = hallucinated (positive), 0 = factual.
 */
export function bootstrapCi(
  scoresByName: Readonly<Record<string, ArrayLike<number>>>,
  labels: ArrayLike<number>,
  options: BootstrapOptions = {}
): BootstrapResult {
  const opts = checkOptions(options);
  if (!scoresByName || typeof scoresByName !== 'object' || Array.isArray(scoresByName) || ArrayBuffer.isView(scoresByName)) {
    throw new InputError([{ code: 'invalid_type', path: ['scoresByName'], message: `bootstrapCi: scoresByName must be an object of named score arrays, e.g. {spikescore: [...]}, got ${typeName(scoresByName)}` }]);
  }
  const names = Object.keys(scoresByName);
  if (names.length === 0) {
    throw new InputError([{ code: 'empty', path: ['scoresByName'], message: 'bootstrapCi: scoresByName is empty; give at least one named score array' }]);
  }
  const { labels: y, nPos, nNeg } = checkLabels(labels, 'bootstrapCi');
  for (const name of names) checkBinary(scoresByName[name], y, 'bootstrapCi', `scores.${name}`);
  const metricFn = RANKED_METRICS[opts.metric];
  const ranked = names.map((name) => rankScores(scoresByName[name], 'bootstrapCi'));
  const reason = undefinedReason(nPos, nNeg);
  const intervals: Record<string, Interval> = {};
  const replicates: Record<string, Float64Array> = {};
  if (reason !== null) {
    for (const name of names) {
      intervals[name] = { estimate: NaN, lo: NaN, hi: NaN };
      replicates[name] = new Float64Array(0);
    }
    return { ...opts, intervals, replicates, reason };
  }
  const n = y.length;
  const { positives, negatives } = splitByClass(y);
  const draw = new Uint32Array(n);
  const counts = new Uint32Array(n);
  const reps = names.map(() => new Float64Array(opts.nResamples));
  for (let b = 0; b < opts.nResamples; b++) {
    stratifiedResample(draw, positives, negatives, opts.seed, b);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[draw[i]]++;
    for (let s = 0; s < names.length; s++) reps[s][b] = metricFn(ranked[s], y, counts);
  }
  names.forEach((name, s) => {
    replicates[name] = reps[s];
    intervals[name] = percentileInterval(metricFn(ranked[s], y, undefined), reps[s], opts.level);
  });
  return { ...opts, intervals, replicates, reason: null };
}

/**
 * The paired difference metric(a) − metric(b) and its percentile interval, from the replicates of one
 * `bootstrapCi` call (the same resamples for both scores). An interval that excludes 0 says the two differ at that
 * level on these items. Throws `InputError` for a name that is not in the result.
 */
export function pairedDifferenceCi(result: BootstrapResult, a: string, b: string): Interval {
  for (const [param, name] of [['a', a], ['b', b]] as const) {
    if (!(name in result.intervals)) {
      throw new InputError([{ code: 'not_found', path: [param], message: `pairedDifferenceCi: ${param} must name a score of this bootstrap (${Object.keys(result.intervals).join(', ')}), got ${JSON.stringify(name)}` }]);
    }
  }
  const estimate = result.intervals[a].estimate - result.intervals[b].estimate;
  if (result.reason !== null) return { estimate: NaN, lo: NaN, hi: NaN };
  const ra = result.replicates[a];
  const rb = result.replicates[b];
  const diff = new Float64Array(ra.length);
  for (let i = 0; i < ra.length; i++) diff[i] = ra[i] - rb[i];
  return percentileInterval(estimate, diff, result.level);
}
