/**
 * Probes in the analysis worker: training on stored runs (`trainProbe`, the loss curve streamed per epoch or
 * iteration), probe files in and out of the store (ours, and scikit-learn JSON converted to ours), and applying a
 * probe to a run, which writes `metrics.probe_pred` into every stored turn, as `spikescore metrics` does in files.
 */
import { InputError } from '../../src/lib/core/issues';
import { probeSettings, sepMlpDropout, type MlpSettings } from '../../src/lib/core/probes/presets';
import type { Probe } from '../../src/lib/core/probes/probe';
import { trainProbe } from '../../src/lib/core/probes/trainProbe';
import { throwIfAborted, yieldToEventLoop } from '../../src/lib/core/probes/yieldToEventLoop';
import { checkProbeFits, resolveProbeSelection } from '../../src/lib/store/applyProbe';
import { writeAtomically, type IdbRunStore } from '../../src/lib/store/idb/runStore';
import type { ProbeRow } from '../../src/lib/store/idb/schema';
import { encodeProbeFile, loadProbe } from '../../src/lib/store/probeFile';
import type { ApplyProbeRequest, ApplyProbeResponse, ProbeImportRequest, ProbeTrainEvent, ProbeTrainRequest, StoredProbe } from '../protocols/analysis';
import { hiddenFileOf, probeTurnScores, requireRun, trainingRows } from './runData';

/** Preset values replaced by the request's overrides; a new depth gets the preset's dropout pattern. */
function mlpOverrides(request: Pick<ProbeTrainRequest, 'kind' | 'overrides'>): Partial<Omit<MlpSettings, 'model'>> | undefined {
  const o = request.overrides;
  if (!o) return undefined;
  const out: Record<string, unknown> = {};
  if (o.hidden) {
    out.hidden = [...o.hidden];
    out.dropout = request.kind === 'sep-mlp' ? sepMlpDropout(o.hidden.length) : o.hidden.map(() => 0);
  }
  if (o.maxEpochs !== undefined) out.maxEpochs = o.maxEpochs;
  if (o.batchSize !== undefined) out.batchSize = o.batchSize;
  if (o.lr !== undefined) out.lr = o.lr;
  return out as Partial<Omit<MlpSettings, 'model'>>;
}

/** Trains a probe on the first turn of every usable item of the runs (see `trainingRows`). */
export async function trainProbeOnRuns(store: IdbRunStore, request: Omit<ProbeTrainRequest, 'requestId'>, onEvent?: (e: ProbeTrainEvent) => void, signal?: AbortSignal): Promise<Probe> {
  const rows = await trainingRows(store, request.runIds, { kind: request.kind, tokenPosition: request.tokenPosition, layerRange: request.layerRange, target: request.target, signal });
  if (rows.n < 2) throw new InputError(`only ${rows.n} usable item: a probe needs at least 2 (a training and a validation row)`);
  const settings = probeSettings(request.kind, request.preset);
  const overrides = mlpOverrides(request);
  const maxEpochs = settings.model === 'logistic' ? settings.maxIter : (overrides?.maxEpochs ?? settings.maxEpochs);
  onEvent?.({ type: 'data', n: rows.n, d: rows.d, positives: rows.positives, skipped: rows.skipped, maxEpochs, unit: settings.model === 'logistic' ? 'iteration' : 'epoch' });
  return trainProbe({
    kind: request.kind,
    X: rows.X,
    n: rows.n,
    d: rows.d,
    y: rows.y,
    seed: request.seed,
    preset: request.preset,
    normalize: request.normalize ?? false,
    modelId: rows.modelId,
    hiddenSize: rows.hiddenSize,
    tokenPosition: request.tokenPosition,
    layerRange: [request.layerRange[0], request.layerRange[1]],
    overrides,
    labels: rows.labels,
    data: request.runIds.map((id) => `run:${id}`),
    signal,
    onEpoch: (epoch, trainLoss, valLoss) => onEvent?.({ type: 'epoch', epoch, trainLoss, valLoss })
  });
}

function storedProbe(row: ProbeRow): StoredProbe {
  const probe = loadProbe(row.bytes, row.name);
  return { id: row.id, name: row.name, runId: row.run_id, created: row.created, size: row.bytes.byteLength, header: probe.header };
}

function fileName(name: string): string {
  const base = name.trim().replace(/[/\\\0]/g, '_').replace(/\.(safetensors|json)$/i, '');
  if (!base || base === '.' || base === '..') throw new InputError(`a probe needs a name (a plain file name), got ${JSON.stringify(name)}`);
  return `${base}.safetensors`;
}

/** Validates a probe file and stores it (replacing a user probe of the same name). */
export async function saveProbe(store: IdbRunStore, name: string, bytes: Uint8Array): Promise<StoredProbe> {
  const file = fileName(name);
  loadProbe(bytes, file); // refuses a malformed file before anything is written
  return storedProbe(await store.putProbe({ name: file, bytes }));
}

/**
 * Imports a probe file: ours as it is, or a scikit-learn JSON probe converted to ours. A JSON probe that does not
 * say where it was trained takes the position and layers given with the request (it cannot be applied without).
 */
export async function importProbe(store: IdbRunStore, request: ProbeImportRequest): Promise<StoredProbe> {
  let probe = loadProbe(request.bytes, request.name);
  if (probe.header.source === 'sklearn-json') {
    const raw = JSON.parse(new TextDecoder().decode(request.bytes)) as Record<string, unknown>;
    const filled = {
      ...raw,
      token_key: raw.token_key ?? request.tokenPosition ?? undefined,
      layer_range: raw.layer_range ?? (request.layerRange ? [request.layerRange[0], request.layerRange[1]] : undefined),
      model_id: raw.model_id ?? request.modelId ?? undefined
    };
    probe = loadProbe(new TextEncoder().encode(JSON.stringify(filled)), request.name);
    const missing = [!probe.header.token_position && 'token position', !probe.header.layer_range && 'layer range'].filter(Boolean);
    if (missing.length) throw new InputError(`${request.name} does not say its ${missing.join(' or ')}: give ${missing.length > 1 ? 'them' : 'it'} to import the probe`);
  }
  return saveProbe(store, request.name, encodeProbeFile(probe));
}

export async function listProbes(store: IdbRunStore): Promise<StoredProbe[]> {
  const rows = await store.listProbes();
  const out: StoredProbe[] = [];
  for (const row of rows) {
    try {
      out.push(storedProbe(row));
    } catch {
      // A stored file this version cannot read (e.g. from a newer bundle) is not listed; it stays in the store.
    }
  }
  return out.sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
}

export async function probeBytes(store: IdbRunStore, id: string): Promise<Uint8Array> {
  const row = await store.getProbe(id);
  if (!row) throw new InputError(`no probe "${id}" in this browser`);
  return row.bytes;
}

/**
 * Applies a stored probe to a run: for every item with hidden states, `probe_pred` of each turn is the probe's
 * score at its own position and layers (null for a turn without that hidden state); one transaction per item, so
 * a cancel leaves whole items. A probe trained on another model, or on another hidden size, is refused before
 * anything is written, naming both. The probe is attached to the run afterwards, so its bundle carries it.
 */
export async function applyProbeToRun(store: IdbRunStore, request: Omit<ApplyProbeRequest, 'requestId'>, onProgress?: (done: number, total: number) => void, signal?: AbortSignal): Promise<Omit<ApplyProbeResponse, 'requestId'>> {
  const row = await store.getProbe(request.probeId);
  if (!row) throw new InputError(`no probe "${request.probeId}" in this browser`);
  const probe = loadProbe(row.bytes, row.name);
  const run = await requireRun(store, request.runId);
  const selection = resolveProbeSelection(probe, {}, row.name);
  const first = await store.db.getFromIndex('hidden', 'run', IDBKeyRange.only(run.id));
  if (!first) throw new InputError(`run "${run.id}" stored no hidden states, so no probe can score it; run it again with hidden states captured`);
  const runModel = first.model_id ?? run.model_id;
  if (probe.header.model_id && probe.header.model_id !== runModel) {
    throw new InputError(`${row.name} was trained on ${probe.header.model_id}, but run "${run.id}" comes from ${runModel}: a probe reads one model's hidden states (train one on this run)`);
  }
  const items = await store.listItems(run.id);
  let itemsWritten = 0;
  let turnsScored = 0;
  let turnsNull = 0;
  let itemsSkipped = 0;
  let checked = false;
  for (let i = 0; i < items.length; i++) {
    throwIfAborted(signal);
    const item = items[i];
    const hidden = await store.getHidden(run.id, item.id);
    if (hidden.size === 0) {
      itemsSkipped++;
      onProgress?.(i + 1, items.length);
      continue;
    }
    const file = hiddenFileOf(hidden, runModel, `run "${run.id}" item "${item.id}"`);
    if (!checked) {
      checkProbeFits(probe, selection, file, row.name);
      checked = true;
    }
    const scores = probeTurnScores(probe, selection, file, item.reasoning_chain, row.name);
    const turns = item.reasoning_chain.map((turn, k) => ({ ...turn, metrics: { ...turn.metrics, probe_pred: scores[k] } }));
    const nulls = scores.filter((s) => s === null).length;
    turnsNull += nulls;
    turnsScored += scores.length - nulls;
    await writeAtomically(store.db.transaction('turns', 'readwrite'), (tx, track) => {
      for (const turn of turns) track(tx.store.put({ run_id: run.id, item_id: item.id, step: turn.step, turn }));
    });
    itemsWritten++;
    onProgress?.(i + 1, items.length);
    await yieldToEventLoop();
  }
  await store.putProbe({ name: row.name, bytes: row.bytes, run_id: run.id, meta: { applied: new Date().toISOString() } });
  return { itemsWritten, turnsScored, turnsNull, itemsSkipped };
}
