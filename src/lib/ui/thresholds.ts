/**
 * Decision thresholds for the verdict on Try it. A threshold is never a bare number: it carries its source — the
 * rule that chose it (e.g. Youden's J on an evaluated run), the run, the model and the per-turn score it applies to —
 * and the page shows that source beside the verdict. Stored in the app's IndexedDB settings.
 */
import { IdbRunStore } from '$lib/store/idb/runStore';

export interface ThresholdRecord {
  /** Flag "hallucinated" when SpikeScore ≥ value. */
  readonly value: number;
  /** How it was chosen, in words, e.g. "Youden's J (max TPR − FPR)". */
  readonly rule: string;
  readonly runId: string | null;
  readonly runName: string | null;
  readonly modelId: string;
  /** The per-turn score the trajectory was built from: entropy_mean, nll_mean, rs or probe_pred. */
  readonly scoreKey: string;
  /** AUROC of SpikeScore on that run, for context. */
  readonly auroc: number | null;
  readonly n: number | null;
  readonly date: string;
}

const key = (modelId: string, scoreKey: string) => `threshold:${modelId}:${scoreKey}`;

export async function saveThreshold(t: ThresholdRecord): Promise<void> {
  const store = await IdbRunStore.open();
  await store.setSetting(key(t.modelId, t.scoreKey), t);
}

/** The threshold for this model and score, or null (then the page shows the score without a verdict, and says why). */
export async function thresholdFor(modelId: string, scoreKey: string): Promise<ThresholdRecord | null> {
  const store = await IdbRunStore.open();
  return (await store.getSetting<ThresholdRecord>(key(modelId, scoreKey))) ?? null;
}
