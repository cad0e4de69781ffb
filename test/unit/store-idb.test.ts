import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { parseRunConfig, storableConfig } from '../../src/lib/core/config/runConfig';
import { parseDataset } from '../../src/lib/core/datasets/parseDataset';
import { unwrap } from '../../src/lib/core/issues';
import type { ItemResult } from '../../src/lib/core/itemResult';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import { DB_VERSION, UPGRADES, openSpikeDb } from '../../src/lib/store/idb/schema';
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import { StorageFullError, ensureRoom, guardQuota, isQuotaError } from '../../src/lib/store/idb/quota';
import { FakeModel } from './runner-fakeModel';

let dbCount = 0;
const freshName = () => `spikescore-test-${++dbCount}-${Math.random().toString(36).slice(2)}`;

const config = unwrap(parseRunConfig({ max_steps: 2, seed: 5, capture: { layers: [0, 2] } }));
const items = unwrap(parseDataset('{"id": "x:1", "question": "Q one?", "answer": "A"}\n{"id": "x:2", "question": "Q two?", "answer": "B"}\n', { where: 'd.jsonl' })).items;
const clock = () => Date.UTC(2026, 1, 3);

async function storeWithRun(estimate: (() => Promise<{ usage?: number; quota?: number }>) | null = null) {
  const store = await IdbRunStore.open({ name: freshName(), estimate });
  const run = await store.createRun({ config: storableConfig(config), provenance: { model_id: 'test-double/echo', app_version: '0.1.0', seeds: { run: 5 } }, modelId: 'test-double/echo', created: '2026-02-03T00:00:00.000Z', id: 'run-1' });
  return { store, run };
}

describe('IndexedDB schema', () => {
  it('openSpikeDb creates every store at DB_VERSION, one upgrade step per version', async () => {
    expect(UPGRADES.length).toBe(DB_VERSION);
    const db = await openSpikeDb(freshName());
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['errors', 'hidden', 'items', 'probes', 'runs', 'settings', 'turns']);
    expect([...db.transaction('turns').store.indexNames].sort()).toEqual(['run', 'run_item']);
    db.close();
  });
});

describe('IdbRunStore', () => {
  it('IdbRunStore lists runs newest first with their config, model and date', async () => {
    const store = await IdbRunStore.open({ name: freshName(), estimate: null });
    await store.createRun({ id: 'old', config: { max_steps: 1 }, provenance: {}, modelId: 'm1', created: '2026-01-01T00:00:00.000Z' });
    await store.createRun({ id: 'new', config: { max_steps: 2 }, provenance: {}, modelId: 'm2', created: '2026-03-01T00:00:00.000Z' });
    const runs = await store.listRuns();
    expect(runs.map((r) => [r.id, r.model_id, r.created, r.config.max_steps])).toEqual([
      ['new', 'm2', '2026-03-01T00:00:00.000Z', 2],
      ['old', 'm1', '2026-01-01T00:00:00.000Z', 1]
    ]);
    store.close();
  });

  it('the IndexedDB sink stores every turn and its hidden states, and a run resumed there matches an uninterrupted one', async () => {
    const { store } = await storeWithRun();
    await runDialogue({ model: new FakeModel(), config, items, sink: store.sink('run-1', 'test-double/echo'), now: clock });
    const whole = await store.listItems('run-1');
    expect(whole.map((i) => [i.id, i.reasoning_chain.length, i.run_status])).toEqual([['x:1', 3, 'complete'], ['x:2', 3, 'complete']]);
    const hidden = await store.getHidden('run-1', 'x:2');
    expect([...hidden.keys()]).toEqual([0, 1, 2]);
    expect(hidden.get(1)!.layers).toEqual([0, 1]);
    expect(hidden.get(1)!.positions.last_token_embedding).toBeInstanceOf(Uint16Array);

    const other = await store.createRun({ id: 'run-2', config: storableConfig(config), provenance: {}, modelId: 'test-double/echo' });
    const controller = new AbortController();
    await expect(runDialogue({ model: new FakeModel({ abortAt: { call: 3, controller } }), config, items, sink: store.sink(other.id, 'test-double/echo'), now: clock, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect((await store.getItem('run-2', 'x:1'))!.reasoning_chain.length).toBe(2);
    const second = new FakeModel();
    await runDialogue({ model: second, config, items, sink: store.sink(other.id, 'test-double/echo'), now: clock });
    expect(second.calls).toBe(4);
    expect(await store.listItems('run-2')).toEqual(whole);
    expect(await store.getHidden('run-2', 'x:1')).toEqual(await store.getHidden('run-1', 'x:1'));
    store.close();
  });

  it('a failed transaction leaves the state after the previous turn (nothing half-written)', async () => {
    const { store } = await storeWithRun();
    const sink = store.sink('run-1', 'm');
    await runDialogue({ model: new FakeModel(), config: unwrap(parseRunConfig({ ...config, max_steps: 0 })), items: items.slice(0, 1), sink, now: clock });
    const before = await store.getItem('run-1', 'x:1');
    const bad = JSON.parse(JSON.stringify(before)) as ItemResult;
    bad.run_status = 'partial-but-broken';
    // A value that cannot be stored (a function) in the new turn makes its request fail: the whole write aborts.
    bad.reasoning_chain.push({ ...bad.reasoning_chain[0], step: 1, metrics: { probe_pred: (() => 1) as unknown as number } });
    await expect(sink.save(bad, { step: 1, hidden: { layers: [0], hiddenSize: 1, positions: { last_token_embedding: new Uint16Array([1]) } } })).rejects.toThrow();
    expect(await store.getItem('run-1', 'x:1')).toEqual(before);
    expect((await store.getHidden('run-1', 'x:1')).has(1)).toBe(false);
    store.close();
  });

  it('a full quota stops the run with a message that says what to delete, and writes nothing of the turn', async () => {
    let usage = 9_000_000;
    const { store } = await storeWithRun(async () => ({ usage, quota: 10_000_000 }));
    usage = 9_999_990;
    const model = new FakeModel();
    await expect(runDialogue({ model, config, items, sink: store.sink('run-1', 'm'), now: clock })).rejects.toThrow(
      /^browser storage is full: 10\.0 MB used of 10\.0 MB, and this write needs 0\.0 MB more; nothing was written\. To make room, delete runs you no longer need \(Runs → Delete\), exporting any you want to keep as a bundle first/
    );
    // The run stopped at the first turn of the first item (no later item was tried), and nothing was stored.
    expect(model.calls).toBe(1);
    expect(await store.getItem('run-1', 'x:1')).toBeNull();
    expect(await store.listErrors('run-1')).toEqual([]);
    // An unknown quota lets writes pass.
    await expect(ensureRoom(1e12, async () => ({ usage: 5, quota: 0 }))).resolves.toBeUndefined();
    store.close();
  });

  it('guardQuota turns a QuotaExceededError from the browser into StorageFullError', async () => {
    const quotaError = Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });
    expect(isQuotaError(quotaError)).toBe(true);
    expect(isQuotaError({ name: 'AbortError', inner: { name: 'QuotaExceededError' } })).toBe(true);
    await expect(guardQuota(async () => { throw quotaError; })).rejects.toBeInstanceOf(StorageFullError);
    await expect(guardQuota(async () => { throw quotaError; })).rejects.toThrow('browser storage is full: the browser refused the write (The quota has been exceeded.); nothing was written.');
    await expect(guardQuota(async () => { throw new TypeError('other'); })).rejects.toThrow(TypeError);
  });

  it('overrideLabel records the override and keeps the label and source from before the first override', async () => {
    const { store } = await storeWithRun();
    const labeller = { label: async () => ({ label: 1 as const, source: 'judge' as const }) };
    await runDialogue({ model: new FakeModel(), config, items: items.slice(0, 1), sink: store.sink('run-1', 'm'), labeller, now: clock });
    const once = await store.overrideLabel('run-1', 'x:1', 0);
    expect(once).toMatchObject({ nli_label: 0, label_source: 'override', label_before_override: 1, label_source_before_override: 'judge' });
    const twice = await store.overrideLabel('run-1', 'x:1', null);
    expect(twice).toMatchObject({ nli_label: null, label_source: 'override', label_before_override: 1, label_source_before_override: 'judge' });
    expect(twice.reasoning_chain.length).toBe(3);
    await expect(store.overrideLabel('run-1', 'nope', 1)).rejects.toThrow('no item "nope" in run "run-1"');
    await expect(store.overrideLabel('run-1', 'x:1', 2 as never)).rejects.toThrow('a label override must be 1 (correct), 0 (hallucinated) or null, got 2');
    store.close();
  });

  it('deleteRun removes the run with its items, turns, hidden states, errors and probes, and nothing else', async () => {
    const { store } = await storeWithRun();
    await store.createRun({ id: 'keep', config: {}, provenance: {}, modelId: 'm' });
    await runDialogue({ model: new FakeModel(), config, items, sink: store.sink('run-1', 'm'), now: clock });
    await runDialogue({ model: new FakeModel(), config, items: items.slice(0, 1), sink: store.sink('keep', 'm'), now: clock });
    await store.putProbe({ name: 'p.json', bytes: new Uint8Array([123, 125]), run_id: 'run-1' });
    await store.sink('run-1', 'm').saveError({ id: 'x:9', error: 'e', traceback: null, timestamp: 't' });
    await store.deleteRun('run-1');
    expect(await store.getRun('run-1')).toBeNull();
    expect(await store.listItems('run-1')).toEqual([]);
    expect((await store.getHidden('run-1', 'x:1')).size).toBe(0);
    expect(await store.listErrors('run-1')).toEqual([]);
    expect(await store.listProbes('run-1')).toEqual([]);
    expect((await store.listItems('keep')).length).toBe(1);
    store.close();
  });

  it('settings and probes round-trip', async () => {
    const store = await IdbRunStore.open({ name: freshName(), estimate: null });
    await store.setSetting('theme', { dark: true });
    expect(await store.getSetting('theme')).toEqual({ dark: true });
    expect(await store.getSetting('missing')).toBeUndefined();
    const p = await store.putProbe({ name: 'sep.safetensors', bytes: new Uint8Array([1, 2, 3]) });
    expect(p.id).toBe('sep.safetensors');
    expect((await store.getProbe('sep.safetensors'))!.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect((await store.listProbes(null)).map((r) => r.name)).toEqual(['sep.safetensors']);
    store.close();
  });
});
