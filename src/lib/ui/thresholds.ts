/**
 * Verdict thresholds: the SpikeScore threshold the Evaluate page chose (Youden's J), kept in the store's settings
 * with where it came from, so the Try-it page can say "hallucinated (SpikeScore 0.41 ≥ 0.33, Youden's J on run …,
 * model …, entropy_mean, 2026-…)". One record per (model, score key); saving another replaces it.
 *
 * The rule is always "flag hallucinated when SpikeScore ≥ value" (the inequality of `youdenThreshold`). A
 * threshold chosen on the items it is then quoted on is optimistic, and the record says so.
 *
 * Usage (page thread):
 *   await saveThreshold({ value, rule, run, runIds, model, scoreKey, ... });
 *   const t = await thresholdFor('random-demo', 'entropy_mean'); // newest record, or null
 */
import { IdbRunStore } from '../store/idb/runStore';

export const THRESHOLDS_SETTING = 'verdict-thresholds';
export const THRESHOLD_FORMAT_VERSION = 1;

export interface ThresholdRecord {
  readonly format_version: number;
  /** Flag hallucinated when SpikeScore ≥ value. */
  readonly value: number;
  /** How it was chosen, in words, e.g. "Youden's J (max TPR − FPR) of SpikeScore". */
  readonly rule: string;
  /** The run(s) it was chosen on, as shown to the user (ids joined by ", "). */
  readonly run: string;
  readonly runIds: readonly string[];
  /** The model whose runs chose it; a verdict on another model should not use it. */
  readonly model: string;
  /** The per-turn score the SpikeScore was computed from (entropy_mean, nll_mean, rs, probe_pred). */
  readonly scoreKey: string;
  /** ISO date of the choice. */
  readonly date: string;
  readonly tpr: number;
  readonly fpr: number;
  readonly j: number;
  /** Items it was chosen on. */
  readonly n: number;
  /** Chosen on the same items it was evaluated on. */
  readonly optimistic: boolean;
}

/** What the helpers need of a store (IdbRunStore has it; tests pass a map). */
export interface SettingsStore {
  getSetting<T = unknown>(key: string): Promise<T | undefined>;
  setSetting(key: string, value: unknown): Promise<void>;
}

let pageStore: Promise<IdbRunStore> | null = null;
function defaultStore(): Promise<SettingsStore> {
  pageStore ??= IdbRunStore.open();
  return pageStore;
}

function isRecord(v: unknown): v is ThresholdRecord {
  if (!v || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.value === 'number' &&
    Number.isFinite(r.value) &&
    typeof r.model === 'string' &&
    typeof r.scoreKey === 'string' &&
    typeof r.rule === 'string' &&
    typeof r.date === 'string' &&
    typeof r.run === 'string'
  );
}

/** Every stored threshold, newest first. Entries this version cannot read are left out (the setting is not rewritten). */
export async function loadThresholds(store?: SettingsStore): Promise<ThresholdRecord[]> {
  const s = store ?? (await defaultStore());
  const raw = await s.getSetting<unknown>(THRESHOLDS_SETTING);
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}

/**
 * Stores a threshold, replacing the one for the same model and score key. Throws `TypeError` for a value that is
 * not a finite number or a record without model or score key.
 */
export async function saveThreshold(record: Omit<ThresholdRecord, 'format_version'>, store?: SettingsStore): Promise<ThresholdRecord> {
  if (typeof record.value !== 'number' || !Number.isFinite(record.value)) throw new TypeError(`saveThreshold: value must be a finite number, got ${String(record.value)}`);
  if (!record.model) throw new TypeError('saveThreshold: model must name the model the threshold was chosen on');
  if (!record.scoreKey) throw new TypeError('saveThreshold: scoreKey must name the per-turn score');
  const s = store ?? (await defaultStore());
  const full: ThresholdRecord = { format_version: THRESHOLD_FORMAT_VERSION, ...record, runIds: [...record.runIds] };
  const others = (await loadThresholds(s)).filter((r) => !(r.model === record.model && r.scoreKey === record.scoreKey));
  await s.setSetting(THRESHOLDS_SETTING, [full, ...others]);
  return full;
}

/** The threshold for a model and score key, or null when none was saved. */
export async function thresholdFor(modelId: string, scoreKey: string, store?: SettingsStore): Promise<ThresholdRecord | null> {
  return (await loadThresholds(store)).find((r) => r.model === modelId && r.scoreKey === scoreKey) ?? null;
}

/** One line for the page: "SpikeScore ≥ 0.330 (Youden's J on run r1, model m, entropy_mean, 2026-03-01)". */
export function describeThreshold(r: ThresholdRecord, digits = 3): string {
  return `SpikeScore ≥ ${r.value.toFixed(digits)} (${r.rule} on ${r.runIds.length > 1 ? 'runs' : 'run'} ${r.run}, model ${r.model}, ${r.scoreKey}, ${r.date.slice(0, 10)}${r.optimistic ? '; chosen on the evaluated items: optimistic' : ''})`;
}
