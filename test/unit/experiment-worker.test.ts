/**
 * The inference worker's experiment API in Node: fake-indexeddb for the store, the runner's test double for the
 * model (set as the worker's loaded model). What the browser test cannot see from outside: pause and resume give
 * the same items as one uninterrupted call, a finished run is refused, another model is refused and the run left
 * as it was, the judge's key reaches the judge's request and nowhere in the store, and probe_data runs resume.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseRunConfig, storableConfig } from '../../src/lib/core/config/runConfig';
import { parseDataset } from '../../src/lib/core/datasets/parseDataset';
import { unwrap } from '../../src/lib/core/issues';
import { decodeProbeDataTensors } from '../../src/lib/store/probeData';
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import type { LocalModel } from '../../src/lib/engine/localModel';
import { experimentApi } from '../../workers/inference/experimentApi';
import { controllers, state } from '../../workers/inference/state';
import type { ExperimentEvent } from '../../workers/protocols/experiment';
import { reloadRequest } from '../../workers/protocols/experiment';
import { FakeModel } from './runner-fakeModel';

let n = 0;
const freshName = () => `spikescore-exp-${++n}-${Math.random().toString(36).slice(2)}`;

const items = unwrap(
  parseDataset(['{"id": "q1", "question": "One?", "answer": "alpha", "label": 1}', '{"id": "q2", "question": "Two?", "answer": "bravo", "label": 0}', '{"id": "q3", "question": "Three?", "answer": "charlie", "label": 1}'].join('\n'), { where: 'd.jsonl' })
).items;

function useModel(model: FakeModel) {
  state.model = model as unknown as LocalModel;
  state.lastRequest = { kind: 'hub', model: model.info.id, template: '/models/{model}/', dtype: 'fp32', backend: 'wasm', cache: false };
}

async function newRun(raw: Record<string, unknown>, model: FakeModel, name = freshName()) {
  const store = await IdbRunStore.open({ name, estimate: null });
  const config = unwrap(parseRunConfig(raw, { context: 'page' }));
  useModel(model);
  const em = (await experimentApi.experimentModel())!;
  const run = await store.createRun({ config: storableConfig(config), provenance: { ...em.provenance, source: em.source }, modelId: em.id, dataset: { name: 'd.jsonl', kind: 'general', items } });
  return { store, run, name };
}

afterEach(() => {
  state.model = null;
  state.lastRequest = null;
  vi.unstubAllGlobals();
});

const dialogueConfig = { max_steps: 2, seed: 3, temperature: 0.7, label_method: 'dataset', capture: { layers: [0, 2] } };

describe('experimentApi.experimentRun', () => {
  it('experimentRun runs a stored run to its end, labels by the dataset, and marks it finished', async () => {
    const { store, run, name } = await newRun(dialogueConfig, new FakeModel());
    const events: ExperimentEvent[] = [];
    const out = await experimentApi.experimentRun({ requestId: 'r1', runId: run.id, dbName: name }, (e) => events.push(e));
    expect(out.status).toBe('finished');
    expect(out.error).toBeNull();
    expect(out.summary).toMatchObject({ items: 3, completed: 3, skipped: 0, failed: 0, labelled: 3 });
    const stored = await store.listItems(run.id);
    expect(stored.map((i) => [i.id, i.reasoning_chain.length, i.nli_label, i.label_source])).toEqual([
      ['q1', 3, 1, 'dataset'],
      ['q2', 3, 0, 'dataset'],
      ['q3', 3, 1, 'dataset']
    ]);
    expect((await store.getHidden(run.id, 'q1')).get(2)!.layers).toEqual([0, 1]);
    const rec = (await store.getRun(run.id))!;
    expect(rec.status).toBe('finished');
    expect(rec.summary).toMatchObject({ completed: 3, label_stats: { calls: 3, correct: 2, hallucinated: 1 } });
    expect(events.filter((e) => e.type === 'progress' && e.event.type === 'turn')).toHaveLength(9);
    store.close();
  });

  it('experimentRun paused after a turn keeps it, and a second call finishes with the items of an uninterrupted run', async () => {
    const whole = await newRun(dialogueConfig, new FakeModel());
    await experimentApi.experimentRun({ requestId: 'w', runId: whole.run.id, dbName: whole.name });
    const expected = await whole.store.listItems(whole.run.id);

    const { store, run, name } = await newRun(dialogueConfig, new FakeModel());
    let turns = 0;
    const first = await experimentApi.experimentRun({ requestId: 'p1', runId: run.id, dbName: name }, (e) => {
      // Pause (the page's cancel by request id) after the 4th finished turn: item q2, turn 0.
      if (e.type === 'progress' && e.event.type === 'turn' && ++turns === 4) controllers.get('p1')!.abort();
    });
    expect(first).toEqual({ status: 'paused', summary: null, error: null });
    expect((await store.getRun(run.id))!.status).toBe('cancelled');
    const partial = await store.listItems(run.id);
    expect(partial.map((i) => [i.id, i.reasoning_chain.length, i.run_status])).toEqual([
      ['q1', 3, 'complete'],
      ['q2', 1, 'partial']
    ]);

    const second = await experimentApi.experimentRun({ requestId: 'p2', runId: run.id, dbName: name });
    expect(second.summary).toMatchObject({ completed: 2, skipped: 1, resumed: 1 });
    const got = await store.listItems(run.id);
    const strip = (list: typeof got) => list.map((i) => i.reasoning_chain.map((t) => [t.step, t.response, t.tokens?.ids, t.metrics]));
    expect(strip(got)).toEqual(strip(expected));
    expect((await store.getRun(run.id))!.status).toBe('finished');
  });

  it('experimentRun refuses a finished run and a run that is not there, and changes nothing', async () => {
    const { store, run, name } = await newRun(dialogueConfig, new FakeModel());
    await experimentApi.experimentRun({ requestId: 'a', runId: run.id, dbName: name });
    const before = await store.getRun(run.id);
    const again = await experimentApi.experimentRun({ requestId: 'b', runId: run.id, dbName: name });
    expect(again.status).toBe('stopped');
    expect(again.error).toMatchObject({ name: 'InputError' });
    expect(again.error!.message).toContain(`run "${run.id}" is finished; there is nothing to resume`);
    expect(await store.getRun(run.id)).toEqual(before);
    const missing = await experimentApi.experimentRun({ requestId: 'c', runId: 'nope', dbName: name });
    expect(missing.error!.message).toContain('no run "nope" in this browser');
  });

  it('experimentRun refuses another model (same id, other weights) and leaves the run as it was', async () => {
    const { store, run, name } = await newRun(dialogueConfig, new FakeModel());
    useModel(new FakeModel({}, { modelSha256: 'e'.repeat(64) }));
    const out = await experimentApi.experimentRun({ requestId: 'm', runId: run.id, dbName: name });
    expect(out.status).toBe('stopped');
    expect(out.error!.name).toBe('ModelMismatch');
    expect(out.error!.message).toContain('was made with test-double/echo (weights sha256 ffffffffffff…)');
    expect(out.error!.message).toContain('load the run\'s model to continue it');
    expect((await store.getRun(run.id))!.status).toBe('running');
    expect(await store.listItems(run.id)).toEqual([]);
  });

  it('experimentRun hands the judge key to the judge request only: never to the store', async () => {
    const seen: { auth: string | null; url: string }[] = [];
    vi.stubGlobal('fetch', async (url: string | URL | Request, init?: RequestInit) => {
      const headers = new Headers(init?.headers ?? (url instanceof Request ? url.headers : undefined));
      seen.push({ auth: headers.get('authorization'), url: String(url instanceof Request ? url.url : url) });
      return new Response(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '0' } }] }), {
        status: 200,
        headers: { 'content-type': 'application/json' }
      });
    });
    const raw = { ...dialogueConfig, label_method: 'judge', judge: { base_url: 'https://judge.test/v1', model: 'm' } };
    const { store, run, name } = await newRun(raw, new FakeModel());
    const out = await experimentApi.experimentRun({ requestId: 'j', runId: run.id, judgeApiKey: 'sk-secret-123', dbName: name });
    expect(out.status).toBe('finished');
    expect(seen).toHaveLength(3);
    expect(seen.every((s) => s.auth === 'Bearer sk-secret-123' && s.url === 'https://judge.test/v1/chat/completions')).toBe(true);
    const all = JSON.stringify({ run: await store.getRun(run.id), items: await store.listItems(run.id) });
    expect(all).not.toContain('sk-secret-123');
    expect((await store.listItems(run.id)).map((i) => [i.nli_label, i.label_source])).toEqual([
      [0, 'judge'],
      [0, 'judge'],
      [0, 'judge']
    ]);
  });

  it('experimentRun in probe_data mode stores the records and tensors with the run, and resumes', async () => {
    const raw = { mode: 'probe_data', seed: 3, num_samples: 3, max_new_tokens: 8, label_method: 'match', entailment_model: 'match', capture: { layers: [1, 3] } };
    const { store, run, name } = await newRun(raw, new FakeModel());
    let done = 0;
    const first = await experimentApi.experimentRun({ requestId: 'pd1', runId: run.id, dbName: name }, (e) => {
      if (e.type === 'probe-item' && e.kind === 'item-done' && ++done === 2) controllers.get('pd1')!.abort();
    });
    expect(first.status).toBe('paused');
    const recs = (id: string) => store.getProbe(`${run.id}/${id}`);
    expect(JSON.parse(new TextDecoder().decode((await recs('probe_data.json'))!.bytes)).map((r: { id: string }) => r.id)).toEqual(['q1', 'q2']);
    const second = await experimentApi.experimentRun({ requestId: 'pd2', runId: run.id, dbName: name });
    expect(second.summary).toMatchObject({ items: 3, completed: 1, skipped: 2, failed: 0 });
    const records = JSON.parse(new TextDecoder().decode((await recs('probe_data.json'))!.bytes)) as { id: string; samples: string[]; sample_details: unknown[]; accuracy: number | null }[];
    expect(records.map((r) => r.id)).toEqual(['q1', 'q2', 'q3']);
    expect(records.every((r) => r.samples.length === 3 && typeof r.samples[0] === 'string' && r.sample_details.length === 3)).toBe(true);
    const t = decodeProbeDataTensors((await recs('probe_data.safetensors'))!.bytes);
    expect(t.layers).toEqual([1, 2]);
    expect(t.modelId).toBe('test-double/echo');
    expect(t.tensor('q3', 'last_token_embedding')).toHaveLength(2 * 6);
  });
});

describe('reloadRequest', () => {
  it('reloadRequest loads a built-in or hub model again, and nothing for files from disk', () => {
    const t = { builtin: '/models/{model}/', hub: 'https://hub.test/{model}/resolve/main/' };
    expect(reloadRequest({ kind: 'hub', model: 'random-demo', builtin: true, dtype: 'fp32', backend: 'wasm' }, t)).toEqual({ kind: 'hub', model: 'random-demo', template: '/models/{model}/', dtype: 'fp32', backend: 'wasm', cache: false });
    expect(reloadRequest({ kind: 'hub', model: 'a/b', builtin: false, dtype: 'q4', backend: 'webgpu' }, t)).toEqual({ kind: 'hub', model: 'a/b', template: t.hub, dtype: 'q4', backend: 'webgpu', cache: true });
    expect(reloadRequest({ kind: 'files', label: 'x', dtype: 'fp32', backend: 'wasm' }, t)).toBeNull();
    expect(reloadRequest(null, t)).toBeNull();
  });
});
