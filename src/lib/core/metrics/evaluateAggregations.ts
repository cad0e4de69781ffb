/**
 * The whole evaluation of one set of labelled trajectories, as `spikescore eval` and the page's analysis both run
 * it: every aggregation in `AGGREGATIONS` (SpikeScore and its baselines) per item, then AUROC, AUPRC, PRR and
 * FPR@95 for each, their 95% bootstrap intervals on the SAME stratified resamples, the paired AUROC difference of
 * SpikeScore against each baseline, and the Youden threshold of SpikeScore (the verdict rule).
 *
 * Items: `label` is the hallucination label (1 = hallucinated, the positive class; `hallucinationLabel` converts
 * `nli_label`), `scores` the per-turn scores of the scored turns in order. An item whose SpikeScore is null (fewer
 * than 3 scored turns) is left out of EVERY aggregation, so all are compared on the same items, and is listed in
 * `excluded`. Degenerate input: no item left, or one class only, gives NaN metrics with `reason` set (the CLI turns
 * that into exit status 2); malformed labels or scores throw `InputError`.
 */
import { AGGREGATIONS, AGGREGATION_NAMES, type AggregationName } from '../trajectory/aggregations';
import { spikeScore } from '../trajectory/spikeScore';
import { binaryMetrics, type BinaryMetrics } from './binaryMetrics';
import { bootstrapCi, pairedDifferenceCi, type BootstrapMetric, type Interval } from './bootstrapCi';
import { checkLabels, checkScoreArray, undefinedReason } from './checkBinary';
import { youdenThreshold, type YoudenThreshold } from './youdenThreshold';
import type { KeyPart } from '../random';

export interface LabelledTrajectory {
  readonly id: string;
  /** 1 = hallucinated, 0 = factual. */
  readonly label: 0 | 1;
  readonly scores: readonly number[];
  /** Stored turn numbers of `scores` (default 0, 1, 2, …), to report the spike turn as stored. */
  readonly turns?: readonly number[];
}

export interface EvaluationOptions {
  /** Bootstrap resamples (default 1000). */
  readonly nResamples?: number;
  /** Bootstrap seed (default 0). */
  readonly seed?: KeyPart;
  /** Aggregations to evaluate (default: all, SpikeScore first). */
  readonly aggregations?: readonly AggregationName[];
}

export const EVALUATION_METRICS: readonly BootstrapMetric[] = ['auroc', 'auprc', 'prr', 'fpr95'];

export interface Evaluation {
  readonly n: number;
  readonly nPos: number;
  readonly nNeg: number;
  readonly aggregations: readonly AggregationName[];
  /** Ids of the evaluated items, in input order; `values[name][i]` belongs to `ids[i]`. */
  readonly ids: readonly string[];
  readonly labels: Uint8Array;
  readonly values: Readonly<Record<string, Float64Array>>;
  /** The stored turn of each evaluated item's spike. */
  readonly spikeTurns: Int32Array;
  readonly metrics: Readonly<Record<string, BinaryMetrics>>;
  /** ci[metric][aggregation]: estimate and 95% percentile interval. */
  readonly ci: Readonly<Record<BootstrapMetric, Readonly<Record<string, Interval>>>>;
  /** AUROC(spikescore) − AUROC(baseline) with its paired 95% interval, per baseline. */
  readonly aurocDiffVsSpikescore: Readonly<Record<string, Interval>>;
  /** Youden's J threshold of SpikeScore (flag hallucinated when SpikeScore ≥ threshold). */
  readonly youden: YoudenThreshold;
  /** Items left out because their SpikeScore is null. */
  readonly excluded: readonly string[];
  readonly nResamples: number;
  readonly seed: KeyPart;
  readonly reason: string | null;
}

export function evaluateAggregations(items: readonly LabelledTrajectory[], options: EvaluationOptions = {}): Evaluation {
  const names = options.aggregations ?? AGGREGATION_NAMES;
  const nResamples = options.nResamples ?? 1000;
  const seed = options.seed ?? 0;
  items.forEach((it, i) => checkScoreArray(it.scores, 'evaluateAggregations', `items[${i}].scores (id ${JSON.stringify(it.id)})`));
  const kept = items.filter((it) => it.scores.length >= AGGREGATIONS.spikescore.minTurns);
  const excluded = items.filter((it) => it.scores.length < AGGREGATIONS.spikescore.minTurns).map((it) => it.id);
  const n = kept.length;
  const labelArray = kept.map((it) => it.label);
  const { labels, nPos, nNeg } = n > 0 ? checkLabels(labelArray, 'evaluateAggregations') : { labels: new Uint8Array(0), nPos: 0, nNeg: 0 };
  const values: Record<string, Float64Array> = {};
  for (const name of names) {
    const fn = AGGREGATIONS[name].fn;
    values[name] = Float64Array.from(kept, (it) => fn(it.scores) as number);
  }
  const spikeTurns = Int32Array.from(kept, (it) => spikeScore(it.scores, it.turns)?.turn ?? -1);
  const reason = n === 0 ? 'no item has 3 or more scored turns' : undefinedReason(nPos, nNeg);
  const nanInterval = { estimate: NaN, lo: NaN, hi: NaN };
  const metrics: Record<string, BinaryMetrics> = {};
  const ci = {} as Record<BootstrapMetric, Record<string, Interval>>;
  const diff: Record<string, Interval> = {};
  if (reason !== null) {
    for (const name of names) {
      metrics[name] = { n, nPos, nNeg, prevalence: n ? nPos / n : NaN, auroc: NaN, auprc: NaN, prr: NaN, fpr95: NaN, reason };
      if (name !== 'spikescore') diff[name] = nanInterval;
    }
    for (const m of EVALUATION_METRICS) ci[m] = Object.fromEntries(names.map((name) => [name, nanInterval]));
    const youden = { threshold: NaN, j: NaN, tpr: NaN, fpr: NaN, reason };
    return { n, nPos, nNeg, aggregations: names, ids: kept.map((it) => it.id), labels, values, spikeTurns, metrics, ci, aurocDiffVsSpikescore: diff, youden, excluded, nResamples, seed, reason };
  }
  for (const name of names) metrics[name] = binaryMetrics(values[name], labels);
  for (const m of EVALUATION_METRICS) {
    const res = bootstrapCi(values, labels, { metric: m, nResamples, seed });
    ci[m] = { ...res.intervals };
    if (m === 'auroc' && names.includes('spikescore')) {
      for (const name of names) if (name !== 'spikescore') diff[name] = pairedDifferenceCi(res, 'spikescore', name);
    }
  }
  const youden = names.includes('spikescore') ? youdenThreshold(values.spikescore, labels) : { threshold: NaN, j: NaN, tpr: NaN, fpr: NaN, reason: 'spikescore not evaluated' };
  return { n, nPos, nNeg, aggregations: names, ids: kept.map((it) => it.id), labels, values, spikeTurns, metrics, ci, aurocDiffVsSpikescore: diff, youden, excluded, nResamples, seed, reason: null };
}
