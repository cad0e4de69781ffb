/**
 * The run's headline numbers, shown under the run: per per-turn score, the AUROC of SpikeScore (max |Δ²S| of the
 * item's trajectory) against the hallucination labels. Hallucination (nli_label 0) is the positive class; a higher
 * SpikeScore means more likely hallucinated; ties count one half (`binaryMetrics`).
 *
 * Items used: labelled (nli_label 0 or 1) with at least 3 scored turns for that score (turns without a numeric score
 * are skipped, as `itemTrajectory` does). Unlabelled and short items are counted, never scored as 0. One class only
 * or no item: AUROC NaN with the reason. Every overridden label among the items used is listed with the metric, so
 * a number that rests on a person's override says so. (Bootstrap intervals and baselines are on the Evaluate page,
 * in the analysis worker; these few numbers are cheap enough for the page.)
 */
import { hallucinationLabel, type ItemResult } from '../../lib/core/itemResult';
import { binaryMetrics } from '../../lib/core/metrics/binaryMetrics';
import { itemTrajectory } from '../../lib/core/trajectory/itemTrajectory';
import { spikeScore } from '../../lib/core/trajectory/spikeScore';

export const SCORE_KEYS = ['nll_mean', 'entropy_mean', 'rs', 'probe_pred'] as const;
export type ScoreKey = (typeof SCORE_KEYS)[number];

export const SCORE_LABELS: Record<ScoreKey, string> = {
  nll_mean: 'NLL (mean)',
  entropy_mean: 'entropy (mean)',
  rs: 'logit-lens RS',
  probe_pred: 'probe'
};

export interface OverrideNote {
  readonly id: string;
  /** The label before the first override (nli_label convention: 1 correct, 0 hallucinated). */
  readonly before: 0 | 1 | null;
  readonly after: 0 | 1 | null;
}

export interface ScoreSummary {
  readonly key: ScoreKey;
  /** Items used (labelled, ≥ 3 scored turns). */
  readonly n: number;
  /** Hallucinated items among them (the positive class). */
  readonly nPos: number;
  readonly nNeg: number;
  readonly auroc: number;
  readonly reason: string | null;
  /** Labelled items left out for fewer than 3 scored turns. */
  readonly short: number;
  /** Ids of items used whose label was overridden. */
  readonly overridden: readonly string[];
}

export interface RunSummaryView {
  readonly items: number;
  readonly labelled: number;
  readonly unlabelled: number;
  readonly hallucinated: number;
  readonly overrides: readonly OverrideNote[];
  readonly scores: readonly ScoreSummary[];
}

export function isOverridden(item: Pick<ItemResult, 'label_source'>): boolean {
  return item.label_source === 'override';
}

export function summariseRun(items: readonly ItemResult[]): RunSummaryView {
  const labelled = items.filter((it) => hallucinationLabel(it) !== null);
  const overrides: OverrideNote[] = items.filter(isOverridden).map((it) => ({ id: it.id, before: it.label_before_override ?? null, after: it.nli_label }));
  const present = SCORE_KEYS.filter((key) => items.some((it) => it.reasoning_chain.some((t) => typeof t.metrics?.[key] === 'number')));
  const scores = present.map((key): ScoreSummary => {
    const values: number[] = [];
    const labels: number[] = [];
    const overridden: string[] = [];
    let short = 0;
    for (const it of labelled) {
      const s = spikeScore(itemTrajectory(it, key).scores);
      if (s === null) {
        short++;
        continue;
      }
      values.push(s.value);
      labels.push(hallucinationLabel(it)!);
      if (isOverridden(it)) overridden.push(it.id);
    }
    if (values.length === 0) return { key, n: 0, nPos: 0, nNeg: 0, auroc: NaN, reason: 'no labelled item has 3 or more scored turns', short, overridden };
    const m = binaryMetrics(values, labels);
    return { key, n: m.n, nPos: m.nPos, nNeg: m.nNeg, auroc: m.auroc, reason: m.reason, short, overridden };
  });
  return {
    items: items.length,
    labelled: labelled.length,
    unlabelled: items.length - labelled.length,
    hallucinated: labelled.filter((it) => hallucinationLabel(it) === 1).length,
    overrides,
    scores
  };
}
