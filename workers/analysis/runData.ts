/**
 * Reading runs out of the page's store for analysis: an overview per run, the labelled trajectories of a score
 * key, the hidden states of an item as the probe code reads files, and probe-training rows.
 *
 * Items come in the store's order (by id) and runs in the order asked, so the same request gives the same
 * bootstrap resamples in the page and in Node.
 */
import { decodeF16 } from '../../src/lib/core/float16';
import { InputError } from '../../src/lib/core/issues';
import { hallucinationLabel, turnScore, type ItemResult, type TurnRecord } from '../../src/lib/core/itemResult';
import type { LabelledTrajectory } from '../../src/lib/core/metrics/evaluateAggregations';
import type { Probe, ProbeKind } from '../../src/lib/core/probes/probe';
import { TOKEN_POSITIONS, type TokenPosition } from '../../src/lib/core/probes/tokenPosition';
import type { TurnHidden } from '../../src/lib/core/runner/types';
import { bestSplit } from '../../src/lib/core/semantic/bestSplit';
import { binarise } from '../../src/lib/core/semantic/binarise';
import { itemTrajectory } from '../../src/lib/core/trajectory/itemTrajectory';
import { probeTurnScore, type ProbeSelection } from '../../src/lib/store/applyProbe';
import { rowsOfRange } from '../../src/lib/store/hiddenStates';
import type { IdbRunStore } from '../../src/lib/store/idb/runStore';
import type { RunRecord } from '../../src/lib/store/idb/schema';
import { SCORE_KEYS, type ProbeTarget, type RunOverview } from '../protocols/analysis';

export async function requireRun(store: IdbRunStore, runId: string): Promise<RunRecord> {
  const run = await store.getRun(runId);
  if (!run) throw new InputError(`no run "${runId}" in this browser: it was deleted, or it lives in another browser (move it with a run bundle)`);
  return run;
}

function datasetName(run: RunRecord): string | null {
  const d = run.dataset as Record<string, unknown> | null | undefined;
  const fromDataset = d && (typeof d.name === 'string' ? d.name : typeof d.path === 'string' ? d.path : null);
  const fromConfig = typeof run.config.dataset_path === 'string' ? run.config.dataset_path : null;
  return fromDataset || fromConfig || null;
}

/** A numeric semantic entropy carried by an item (a SEP target), or null. */
export function itemSemanticEntropy(item: ItemResult): number | null {
  const se = item.semantic_entropy;
  return typeof se === 'number' && Number.isFinite(se) && se >= 0 ? se : null;
}

export async function runOverview(store: IdbRunStore, run: RunRecord): Promise<RunOverview> {
  const items = await store.listItems(run.id);
  const scoreTurns: Record<string, number> = Object.fromEntries(SCORE_KEYS.map((k) => [k, 0]));
  let nTurns = 0;
  for (const item of items) {
    for (const turn of item.reasoning_chain) {
      nTurns++;
      for (const key of SCORE_KEYS) if (turnScore(turn, key) !== null) scoreTurns[key]++;
    }
  }
  const first = await store.db.getFromIndex('hidden', 'run', IDBKeyRange.only(run.id));
  let hidden: RunOverview['hidden'] = null;
  if (first) {
    const keys = await store.db.getAllKeysFromIndex('hidden', 'run', IDBKeyRange.only(run.id));
    const positions = TOKEN_POSITIONS.filter((p) => first.positions[p]);
    hidden = { layers: [...first.layers], hiddenSize: first.hidden_size, positions, nItems: new Set(keys.map((k) => k[1])).size, modelId: first.model_id };
  }
  const probes = (await store.listProbes(run.id)).map((p) => p.name);
  return {
    id: run.id,
    created: run.created,
    modelId: run.model_id,
    status: run.status,
    dataset: datasetName(run),
    nItems: items.length,
    nLabelled: items.filter((i) => i.nli_label === 0 || i.nli_label === 1).length,
    nHallucinated: items.filter((i) => i.nli_label === 0).length,
    nOverridden: items.filter((i) => i.label_source === 'override').length,
    nWithSemanticEntropy: items.filter((i) => itemSemanticEntropy(i) !== null).length,
    scoreTurns,
    nTurns,
    hidden,
    probes
  };
}

export interface RunTrajectory extends LabelledTrajectory {
  readonly runId: string;
  readonly itemId: string;
  readonly overridden: boolean;
}

export interface CollectedTrajectories {
  /** Every labelled item, in run order then id order (items with fewer than 3 scores included). */
  readonly items: RunTrajectory[];
  /** `run/item` (or the item id for one run) of items without a 0/1 label. */
  readonly unlabelled: string[];
  readonly turnsWithoutScore: number;
  readonly modelIds: string[];
}

/** The id an item gets in a pooled evaluation: its own id for one run, `run/item` for several. */
export function pooledId(runIds: readonly string[], runId: string, itemId: string): string {
  return runIds.length === 1 ? itemId : `${runId}/${itemId}`;
}

/** Labelled trajectories of `scoreKey` over the runs, pooled. Label = 1 − nli_label (1 = hallucinated). */
export async function collectTrajectories(store: IdbRunStore, runIds: readonly string[], scoreKey: string): Promise<CollectedTrajectories> {
  if (runIds.length === 0) throw new InputError('choose at least one run to evaluate');
  if (new Set(runIds).size !== runIds.length) throw new InputError(`a run is listed twice in ${JSON.stringify(runIds)}`);
  const items: RunTrajectory[] = [];
  const unlabelled: string[] = [];
  const modelIds = new Set<string>();
  let turnsWithoutScore = 0;
  for (const runId of runIds) {
    const run = await requireRun(store, runId);
    modelIds.add(run.model_id);
    for (const item of await store.listItems(runId)) {
      const id = pooledId(runIds, runId, item.id);
      const label = hallucinationLabel(item);
      if (label === null) {
        unlabelled.push(id);
        continue;
      }
      const t = itemTrajectory(item, scoreKey);
      turnsWithoutScore += t.missing.length;
      items.push({ id, runId, itemId: item.id, label, scores: t.scores, turns: t.turns, overridden: item.label_source === 'override' });
    }
  }
  return { items, unlabelled, turnsWithoutScore, modelIds: [...modelIds] };
}

/**
 * An item's stored hidden states in the shape the probe code reads (`HiddenStatesFile` of
 * `src/lib/store/hiddenStates.ts`): values decoded from the stored F16 bits on demand.
 */
export function hiddenFileOf(turns: ReadonlyMap<number, TurnHidden>, modelId: string, where: string) {
  const first = turns.values().next().value as TurnHidden | undefined;
  return {
    where,
    formatVersion: 1,
    modelId,
    layers: first ? [...first.layers] : [],
    hiddenSize: first ? first.hiddenSize : null,
    turns: [...turns.keys()].sort((a, b) => a - b),
    tensor(turn: number, position: TokenPosition): Float32Array | null {
      const bits = turns.get(turn)?.positions[position];
      return bits ? decodeF16(bits) : null;
    },
    f16Bits(turn: number, position: TokenPosition): Uint16Array | null {
      return turns.get(turn)?.positions[position] ?? null;
    }
  };
}

/**
 * A probe's score for each turn of `chain` from the item's hidden states (`hiddenFileOf`), null for a turn without
 * the probe's position. The first call for a run should be preceded by `checkProbeFits`, which names both sizes.
 */
export function probeTurnScores(probe: Probe, selection: ProbeSelection, file: ReturnType<typeof hiddenFileOf>, chain: readonly TurnRecord[], probeWhere: string): (number | null)[] {
  return chain.map((turn) => probeTurnScore(probe, selection, file, turn.step, probeWhere));
}

export interface TrainingRows {
  readonly X: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly y: number[];
  readonly hiddenSize: number;
  readonly modelId: string;
  readonly positives: number;
  /** Why items were left out, counted. */
  readonly skipped: Readonly<Record<string, number>>;
  /** How the targets were made (goes into the probe's training summary). */
  readonly labels: Readonly<Record<string, unknown>>;
}

export interface TrainingRowsOptions {
  readonly kind: ProbeKind;
  readonly tokenPosition: TokenPosition;
  readonly layerRange: readonly [number, number];
  readonly target: ProbeTarget;
  readonly signal?: AbortSignal;
}

/**
 * Probe-training rows from runs: one row per item, the hidden states of its FIRST turn (the answer the label is
 * about) at the position over layers [a, b), concatenated layer-major. Targets (`target`):
 * - `label`: sep and sep-mlp learn the hallucination label (1 = hallucinated); saplma learns truth (1 = correct),
 *   its score being 1 − P(true);
 * - `semantic_entropy`: the item's `semantic_entropy`; sep binarises it at the best split pooled over every row
 *   (rows exactly at the threshold dropped and counted), sep-mlp regresses it (saplma has no SE target).
 * Items without the target or without the hidden state are skipped and counted. All runs must come from one model
 * and hidden size.
 */
export async function trainingRows(store: IdbRunStore, runIds: readonly string[], o: TrainingRowsOptions): Promise<TrainingRows> {
  if (runIds.length === 0) throw new InputError('choose at least one run to train on');
  if (o.kind === 'saplma' && o.target !== 'label') throw new InputError('a SAPLMA probe learns truth labels: choose the target "label"');
  const rows: Float32Array[] = [];
  const targets: number[] = [];
  const skipped = { unlabelled: 0, without_semantic_entropy: 0, without_hidden_state: 0, at_threshold: 0 };
  let hiddenSize: number | null = null;
  let modelId: string | null = null;
  const [a, b] = o.layerRange;
  for (const runId of runIds) {
    const run = await requireRun(store, runId);
    for (const item of await store.listItems(runId)) {
      if (o.signal?.aborted) throw o.signal.reason;
      const label = hallucinationLabel(item);
      const se = itemSemanticEntropy(item);
      if (o.target === 'label' && label === null) {
        skipped.unlabelled++;
        continue;
      }
      if (o.target === 'semantic_entropy' && se === null) {
        skipped.without_semantic_entropy++;
        continue;
      }
      const step = item.reasoning_chain[0]?.step ?? 0;
      const row = await store.db.get('hidden', [runId, item.id, step]);
      const bits = row?.positions[o.tokenPosition];
      if (!row || !bits) {
        skipped.without_hidden_state++;
        continue;
      }
      const where = `run "${runId}" item "${item.id}"`;
      if (modelId !== null && row.model_id !== modelId) {
        throw new InputError(`the runs come from different models (${modelId} and ${row.model_id} in ${where}); a probe reads one model's hidden states`);
      }
      if (hiddenSize !== null && row.hidden_size !== hiddenSize) {
        throw new InputError(`the runs hold different hidden sizes (${hiddenSize} and ${row.hidden_size} in ${where})`);
      }
      modelId = row.model_id ?? run.model_id;
      hiddenSize = row.hidden_size;
      const { start, count } = rowsOfRange(row.layers, [a, b], where);
      rows.push(decodeF16(bits.subarray(start * row.hidden_size, (start + count) * row.hidden_size)));
      targets.push(o.target === 'semantic_entropy' ? (se as number) : o.kind === 'saplma' ? 1 - (label as number) : (label as number));
    }
  }
  if (rows.length === 0 || hiddenSize === null || modelId === null) {
    const parts = Object.entries(skipped).filter(([, v]) => v > 0).map(([k, v]) => `${v} ${k.replace(/_/g, ' ')}`);
    throw new InputError(`no item to train on in ${runIds.map((r) => `"${r}"`).join(', ')}${parts.length ? `: ${parts.join(', ')}` : ''}`);
  }
  let y = targets;
  let keep = targets.map(() => true);
  let labels: Record<string, unknown>;
  if (o.target === 'semantic_entropy' && o.kind === 'sep') {
    const split = bestSplit(targets);
    const binary = targets.map((v) => binarise(v, split.threshold));
    keep = binary.map((v) => v !== null);
    y = binary.filter((v): v is 0 | 1 => v !== null);
    skipped.at_threshold = binary.length - y.length;
    labels = { target: 'semantic_entropy > best split', threshold: split.threshold, turn: 'first', high: y.filter((v) => v === 1).length, low: y.filter((v) => v === 0).length };
  } else if (o.target === 'semantic_entropy') {
    labels = { target: 'semantic_entropy (nats)', turn: 'first' };
  } else if (o.kind === 'saplma') {
    labels = { target: 'nli_label (1 = correct); the probe scores 1 − P(true)', turn: 'first', correct: y.filter((v) => v === 1).length, wrong: y.filter((v) => v === 0).length };
  } else {
    labels = { target: '1 − nli_label (1 = hallucinated)', turn: 'first', hallucinated: y.filter((v) => v === 1).length, factual: y.filter((v) => v === 0).length };
  }
  const d = rows[0].length;
  const kept = rows.filter((_, i) => keep[i]);
  const X = new Float32Array(kept.length * d);
  kept.forEach((r, i) => X.set(r, i * d));
  const positives = o.target === 'semantic_entropy' && o.kind === 'sep-mlp' ? 0 : y.filter((v) => v === 1).length;
  return { X, n: kept.length, d, y, hiddenSize, modelId, positives, skipped: { ...skipped }, labels: { ...labels, skipped: { ...skipped } } };
}
