/**
 * The Evaluate page's computation: `evaluateAggregations` (SpikeScore and every baseline, AUROC / AUPRC / PRR /
 * FPR@95, stratified paired bootstrap) on the pooled labelled items of the test runs, ROC points per aggregation,
 * and SpikeScore's Youden threshold chosen on the train runs (or, when none are given or they are the test runs,
 * on the test items themselves, flagged optimistic).
 */
import { InputError } from '../../src/lib/core/issues';
import { evaluateAggregations } from '../../src/lib/core/metrics/evaluateAggregations';
import { rocCurve } from '../../src/lib/core/metrics/rocCurve';
import { youdenThreshold } from '../../src/lib/core/metrics/youdenThreshold';
import { spikeScore } from '../../src/lib/core/trajectory/spikeScore';
import type { IdbRunStore } from '../../src/lib/store/idb/runStore';
import type { EvaluateRequest, EvaluateResponse, ThresholdChoice } from '../protocols/analysis';
import { collectTrajectories } from './runData';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_SEED = 42;

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export async function evaluateRuns(store: IdbRunStore, request: EvaluateRequest): Promise<EvaluateResponse> {
  const nResamples = request.nResamples ?? DEFAULT_RESAMPLES;
  const seed = request.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(nResamples) || nResamples < 1) throw new InputError(`bootstrap resamples must be a positive integer, got ${String(nResamples)}`);
  if (!Number.isInteger(seed)) throw new InputError(`the bootstrap seed must be an integer, got ${String(seed)}`);
  const test = await collectTrajectories(store, request.runIds, request.scoreKey);
  const evaluation = evaluateAggregations(test.items, { nResamples, seed });
  const byId = new Map(test.items.map((it) => [it.id, it]));
  const items = evaluation.ids.map((id) => {
    const it = byId.get(id)!;
    return { id, runId: it.runId, itemId: it.itemId, overridden: it.overridden };
  });
  const roc: Record<string, { fpr: Float64Array; tpr: Float64Array }> = {};
  if (evaluation.reason === null) {
    for (const name of evaluation.aggregations) {
      const c = rocCurve(evaluation.values[name], evaluation.labels);
      roc[name] = { fpr: c.fpr, tpr: c.tpr };
    }
  }

  const trainIds = request.trainRunIds ?? [];
  let threshold: ThresholdChoice;
  if (trainIds.length === 0 || sameSet(trainIds, request.runIds)) {
    const y = evaluation.youden;
    threshold = { value: y.threshold, j: y.j, tpr: y.tpr, fpr: y.fpr, runIds: [...request.runIds], n: evaluation.n, optimistic: true, reason: y.reason };
  } else {
    const train = await collectTrajectories(store, trainIds, request.scoreKey);
    const values: number[] = [];
    const labels: number[] = [];
    for (const it of train.items) {
      const s = spikeScore(it.scores);
      if (s === null) continue;
      values.push(s.value);
      labels.push(it.label);
    }
    const overlap = trainIds.some((id) => request.runIds.includes(id));
    const y = values.length ? youdenThreshold(values, labels) : { threshold: NaN, j: NaN, tpr: NaN, fpr: NaN, reason: 'no train item has 3 or more scored turns' };
    threshold = { value: y.threshold, j: y.j, tpr: y.tpr, fpr: y.fpr, runIds: [...trainIds], n: values.length, optimistic: overlap, reason: y.reason };
  }
  return {
    requestId: request.requestId,
    scoreKey: request.scoreKey,
    runIds: [...request.runIds],
    modelIds: test.modelIds,
    evaluation,
    items,
    unlabelled: test.unlabelled,
    excluded: [...evaluation.excluded],
    overridden: items.filter((i) => i.overridden).map((i) => i.id),
    turnsWithoutScore: test.turnsWithoutScore,
    roc,
    threshold
  };
}
