/**
 * Run bundles to and from the page's IndexedDB. Import validates the whole bundle first (`decodeBundle`) and then
 * writes the run in ONE transaction over every store: a corrupt or newer bundle, a run already present, or a quota
 * failure half-way, changes nothing.
 */
import { InputError } from '../../core/issues';
import { safeId } from '../../core/itemResult';
import { decodeBundle, encodeBundle } from '../bundle';
import { decodeHiddenStates, encodeHiddenStates, hiddenStatesTurns } from '../hiddenStates';
import { writeAtomically, type IdbRunStore } from './runStore';
import type { HiddenRow, RunRecord } from './schema';
import type { TurnHidden } from '../../core/runner/types';

/** One item's stored turns (F16 bits) as a hidden-state file; every turn must store the same layers. */
function encodeTurns(turns: ReadonlyMap<number, TurnHidden>, modelId: string, where: string): Uint8Array {
  const first = [...turns.values()][0];
  for (const [k, t] of turns) {
    if (JSON.stringify(t.layers) !== JSON.stringify(first.layers) || t.hiddenSize !== first.hiddenSize) {
      throw new TypeError(`${where}: turn ${k} stores layers [${t.layers.join(',')}] × ${t.hiddenSize}, but another turn stores [${first.layers.join(',')}] × ${first.hiddenSize}; one file holds one layer set`);
    }
  }
  return encodeHiddenStates({ modelId, layers: first.layers, hiddenSize: first.hiddenSize, turns: new Map([...turns].map(([k, t]) => [k, t.positions] as const)) });
}

export async function exportRunBundle(store: IdbRunStore, runId: string): Promise<Uint8Array> {
  const run = await store.getRun(runId);
  if (!run) throw new InputError(`no run "${runId}" in this browser`);
  const items = await store.listItems(runId);
  const hidden = new Map<string, Uint8Array>();
  for (const item of items) {
    const turns = await store.getHidden(runId, item.id);
    if (turns.size) hidden.set(safeId(item.id), encodeTurns(turns, (await store.hiddenModelId(runId, item.id)) ?? run.model_id, `${runId}/${item.id}`));
  }
  const probes = new Map((await store.listProbes(runId)).map((p) => [p.name, p.bytes] as const));
  return encodeBundle({
    run_id: run.id,
    created: run.created,
    config: run.config,
    provenance: run.provenance,
    items,
    hidden,
    probes,
    extra: { model_id: run.model_id, dataset: run.dataset ?? null, summary: run.summary ?? null }
  });
}

export async function importRunBundle(store: IdbRunStore, bytes: Uint8Array, where = 'bundle.zip'): Promise<RunRecord> {
  const bundle = decodeBundle(bytes, where);
  const m = bundle.manifest;
  if (await store.getRun(m.run_id)) throw new InputError(`${where}: run "${m.run_id}" is already in this browser; delete it first to import it again (nothing was written)`);
  const rows: HiddenRow[] = [];
  for (const [id, data] of bundle.hidden) {
    const h = decodeHiddenStates(data, `${where}: hidden/${id}.safetensors`);
    const item = bundle.items.find((i) => safeId(i.id) === id)!;
    for (const [step, positions] of hiddenStatesTurns(h, 'f16')) {
      rows.push({ run_id: m.run_id, item_id: item.id, step, layers: [...h.layers], hidden_size: h.hiddenSize ?? 0, model_id: h.modelId, positions: positions as HiddenRow['positions'] });
    }
  }
  await store.room(bytes.byteLength * 2);
  const now = new Date().toISOString();
  const run: RunRecord = {
    id: m.run_id,
    format_version: 1,
    created: m.created,
    updated: now,
    config: m.config,
    provenance: m.provenance,
    model_id: typeof m.model_id === 'string' ? m.model_id : String((m.provenance as { model_id?: unknown }).model_id ?? 'unknown'),
    dataset: (m.dataset as Record<string, unknown> | undefined) ?? null,
    status: 'imported',
    summary: (m.summary as Record<string, unknown> | undefined) ?? null,
    progress: null,
    imported_from: where
  };
  await writeAtomically(store.db.transaction(['runs', 'items', 'turns', 'hidden', 'probes'], 'readwrite'), (tx, track) => {
    track(tx.objectStore('runs').add(run));
    for (const item of bundle.items) {
      const { reasoning_chain, ...rest } = item;
      track(tx.objectStore('items').put({ ...rest, run_id: m.run_id, n_turns: reasoning_chain.length }));
      for (const turn of reasoning_chain) track(tx.objectStore('turns').put({ run_id: m.run_id, item_id: item.id, step: turn.step, turn }));
    }
    for (const row of rows) track(tx.objectStore('hidden').put(row));
    for (const [name, data] of bundle.probes) track(tx.objectStore('probes').put({ id: `${m.run_id}/${name}`, name, run_id: m.run_id, created: now, bytes: data, meta: null }));
  });
  return run;
}
