/**
 * The Experiment page's remote runs (`src/routes/experiment/remoteRun.ts`) against the real route (in-process
 * node:http) over two SGLang test nodes backed by the project's engine, into a real `IdbRunStore` (fake-indexeddb):
 * what is sent, what is stored turn by turn, a resume that resubmits only the missing items, a refused token, and
 * the status probe.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig, storableConfig } from '../../src/lib/core/config/runConfig';
import { decodeF16 } from '../../src/lib/core/float16';
import { unwrap } from '../../src/lib/core/issues';
import { IdbRunStore } from '../../src/lib/store/idb/runStore';
import { dialogueMode } from '../../src/lib/server/remote/dialogueMode';
import { BUILTIN_MODES } from '../../src/lib/server/remote/modes';
import {
  driveRemoteRun,
  isRemoteRun,
  probeRemote,
  remoteConfig,
  remoteConfigProblem,
  remoteItems,
  remoteProgressText,
  remoteProvenance,
  storedWhole,
  storeRemoteResult,
  type RemoteDialogueResult,
  type RemoteProgress
} from '../../src/routes/experiment/remoteRun';
import { fixtureBackend } from '../remote/fixture';
import { poolFor, startNodes, tempDir, type Backend } from '../remote/harness';
import { startRouteServer, type RouteServer } from '../remote/routeServer';
import type { EngineNode } from '../remote/engineNode';

const API_TOKEN = 'api-token-experiment';
const NODE_TOKEN = 'node-token-experiment';
const config = unwrap(
  parseRunConfig(
    { max_steps: 2, temperature: 0.7, top_p: 0.9, max_new_tokens: 4, seed: 11, label_method: 'dataset', capture: { positions: ['last_token_embedding', 'last_tok_bef_gen_embedding'] }, judge: { base_url: 'http://judge.example/v1', model: 'j' } },
    { context: 'page', where: 'test config' }
  )
);
const ITEMS = Array.from({ length: 4 }, (_, i) => ({ id: `tq-${i}`, question: `Question ${i}: which river?`, context: i === 1 ? 'Rivers of Egypt.' : '', answer: ['Nile', 'the Nile'], label: (i % 2) as 0 | 1, meta: { secret_field: 'never sent' } }));

let backend: Backend;
let nodes: EngineNode[];
let srv: RouteServer;
let dbCount = 0;

beforeAll(async () => {
  backend = await fixtureBackend();
  nodes = await startNodes(backend, ['ok', 'ok'], { token: NODE_TOKEN });
  const pool = poolFor(nodes, backend, 'sglang', {}, { token: NODE_TOKEN });
  srv = await startRouteServer({ token: API_TOKEN, pool, journalDir: tempDir('journal-exp-'), modes: { ...BUILTIN_MODES, dialogue: dialogueMode }, log: () => undefined });
});
afterAll(async () => {
  await srv?.stop();
  await Promise.all((nodes ?? []).map((n) => n.close()));
});

const STATUS = () => ({
  model: { id: 'tiny-llama', layout: 'remote-sglang', numLayers: backend.spec.numLayers, hiddenSize: backend.spec.hiddenSize, capturableLayers: [backend.spec.numLayers], unavailable: { entropy: 'no entropy', logit_lens: 'no lens' } },
  nodes: [{ name: 'node-1', up: true, active: 0, maxConcurrency: 2, completed: 0, failedAttempts: 0 }],
  modes: ['generate', 'dialogue']
});

async function newRun(id: string) {
  const store = await IdbRunStore.open({ name: `remote-exp-${++dbCount}`, estimate: null });
  const created = '2026-03-01T00:00:00.000Z';
  await store.createRun({ id, config: storableConfig(config), provenance: remoteProvenance(STATUS(), config, created, '0.1.0'), modelId: 'tiny-llama', created, dataset: { name: 'test', kind: 'qa', items: ITEMS } });
  return store;
}

/** A fetch that records every request body sent to the runs route. */
function recordingFetch(bodies: { items: Record<string, unknown>[]; config: Record<string, unknown> }[]): typeof fetch {
  return async (input, init) => {
    if (init?.body && typeof init.body === 'string') bodies.push(JSON.parse(init.body));
    return fetch(input, init);
  };
}

describe('remote runs from the Experiment page', () => {
  it('driveRemoteRun sends only {id, question, context, answer, label}, stores every turn with its last-layer hidden states, and finishes the run', async () => {
    const store = await newRun('exp-run-1');
    const bodies: { items: Record<string, unknown>[]; config: Record<string, unknown> }[] = [];
    const progress: RemoteProgress[] = [];
    const out = await driveRemoteRun({ store, runId: 'exp-run-1', token: API_TOKEN, endpoint: `${srv.url}/api/remote/runs`, fetch: recordingFetch(bodies), onProgress: (p) => progress.push(p) });
    expect(out.error).toBeNull();
    expect(out.status).toBe('finished');
    expect(out.summary).toEqual({ items: 4, completed: 4, skipped: 0, failed: 0, reconnects: 0, duplicates: 0 });
    expect(bodies).toHaveLength(1);
    for (const it of bodies[0].items) expect(Object.keys(it).sort()).toEqual(['answer', 'context', 'id', 'label', 'question']);
    expect(bodies[0].items[1]).toEqual({ id: 'tq-1', question: 'Question 1: which river?', context: 'Rivers of Egypt.', answer: ['Nile', 'the Nile'], label: 1 });
    expect(bodies[0].config.judge).toBeUndefined();
    expect(bodies[0].config.dataset_type).toBe('qa');

    const run = (await store.getRun('exp-run-1'))!;
    expect(run.status).toBe('finished');
    expect(isRemoteRun(run)).toBe(true);
    const items = await store.listItems('exp-run-1');
    expect(items.map((i) => i.id)).toEqual(['tq-0', 'tq-1', 'tq-2', 'tq-3']);
    for (const item of items) {
      expect(item.run_status).toBe('complete');
      expect(item.reasoning_chain.map((t) => t.step)).toEqual([0, 1, 2]);
      expect(item.nli_label).toBe(ITEMS.find((i) => i.id === item.id)!.label);
      expect(item.dataset_type).toBe('qa');
      for (const t of item.reasoning_chain) {
        expect(t.metrics.entropy_mean).toBeNull();
        expect(t.metrics.rs).toBeNull();
        expect(Number.isFinite(t.metrics.nll_mean)).toBe(true);
      }
      const hidden = await store.getHidden('exp-run-1', item.id);
      expect([...hidden.keys()]).toEqual([0, 1, 2]);
      const h = hidden.get(2)!;
      expect(h.layers).toEqual([backend.spec.numLayers]);
      expect(Object.keys(h.positions).sort()).toEqual(['last_tok_bef_gen_embedding', 'last_token_embedding']);
      expect(h.positions.last_token_embedding!.length).toBe(backend.spec.hiddenSize);
      expect(decodeF16(h.positions.last_token_embedding!).some((v) => v !== 0)).toBe(true);
    }
    const last = progress.at(-1)!;
    expect(last.stored).toBe(4);
    expect(last.nodes).toBe(2);
    expect(Object.values(last.byNode).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('driveRemoteRun resumes a paused run by resubmitting only the items the store lacks, and the items equal an uninterrupted run', async () => {
    const ref = await newRun('exp-run-ref');
    await driveRemoteRun({ store: ref, runId: 'exp-run-ref', token: API_TOKEN, endpoint: `${srv.url}/api/remote/runs` });

    const store = await newRun('exp-run-2');
    const pause = new AbortController();
    const paused = await driveRemoteRun({ store, runId: 'exp-run-2', token: API_TOKEN, endpoint: `${srv.url}/api/remote/runs`, signal: pause.signal, onStored: () => pause.abort() });
    expect(paused.status).toBe('paused');
    expect((await store.getRun('exp-run-2'))!.status).toBe('cancelled');
    const whole = (await Promise.all(ITEMS.map((i) => storedWhole(store, 'exp-run-2', i.id)))).filter(Boolean).length;
    expect(whole).toBeGreaterThanOrEqual(1);
    expect(whole).toBeLessThan(4);

    const bodies: { items: Record<string, unknown>[]; config: Record<string, unknown> }[] = [];
    const resumed = await driveRemoteRun({ store, runId: 'exp-run-2', token: API_TOKEN, endpoint: `${srv.url}/api/remote/runs`, fetch: recordingFetch(bodies) });
    expect(resumed.status).toBe('finished');
    expect(resumed.summary!.skipped).toBe(whole);
    expect(resumed.summary!.completed).toBe(4 - whole);
    expect(bodies[0].items).toHaveLength(4 - whole);
    // The same dialogues (responses, token ids, labels); numbers to float precision, as the nodes' sessions differ
    // in their KV-cache history (remote-dialogue.test.ts compares the same way).
    const got = await store.listItems('exp-run-2');
    const want = await ref.listItems('exp-run-ref');
    const strip = (i: (typeof got)[number]) => ({ id: i.id, label: i.nli_label, turns: i.reasoning_chain.map((t) => [t.response, t.tokens?.ids]) });
    expect(got.map(strip)).toEqual(want.map(strip));
    for (let i = 0; i < got.length; i++) {
      for (let k = 0; k < 3; k++) expect(got[i].reasoning_chain[k].metrics.nll_mean).toBeCloseTo(want[i].reasoning_chain[k].metrics.nll_mean!, 5);
    }
  });

  it('storeRemoteResult stores the turns before the last as a partial item, so an interruption between saves leaves it to be sent again', async () => {
    const store = await newRun('exp-run-3');
    const src = await newRun('exp-run-src');
    await driveRemoteRun({ store: src, runId: 'exp-run-src', token: API_TOKEN, endpoint: `${srv.url}/api/remote/runs` });
    const item = (await src.getItem('exp-run-src', 'tq-0'))!;
    const hidden = await src.getHidden('exp-run-src', 'tq-0');
    const asBytes = (bits: Uint16Array) => new Uint8Array(bits.buffer.slice(bits.byteOffset, bits.byteOffset + bits.byteLength));
    const result: RemoteDialogueResult = {
      item,
      hidden: [...hidden].map(([step, h]) => ({ step, layers: h.layers, hiddenSize: h.hiddenSize, positions: Object.fromEntries(Object.entries(h.positions).map(([k, v]) => [k, asBytes(v!)])) }))
    };
    // Only the first two turns' saves land (the store's sink fails on the third).
    const real = store.sink.bind(store);
    let saves = 0;
    store.sink = (runId, modelId) => {
      const s = real(runId, modelId);
      return { ...s, save: (r, t) => (++saves === 3 ? Promise.reject(new Error('tab closed')) : s.save(r, t)), clearError: (id) => s.clearError(id) };
    };
    await expect(storeRemoteResult(store, { id: 'exp-run-3', model_id: 'tiny-llama' }, 'tq-0', result)).rejects.toThrow('tab closed');
    const partial = (await store.getItem('exp-run-3', 'tq-0'))!;
    expect(partial.run_status).toBe('partial');
    expect(partial.reasoning_chain).toHaveLength(2);
    expect(await storedWhole(store, 'exp-run-3', 'tq-0')).toBe(false);
    store.sink = real;
    await storeRemoteResult(store, { id: 'exp-run-3', model_id: 'tiny-llama' }, 'tq-0', result);
    expect(await store.getItem('exp-run-3', 'tq-0')).toEqual(item);
    expect(await storedWhole(store, 'exp-run-3', 'tq-0')).toBe(true);
  });

  it('storeRemoteResult refuses a result for another item or with hidden states of the wrong size, naming the item', async () => {
    const store = await newRun('exp-run-4');
    const item = { id: 'tq-0', reasoning_chain: [] } as unknown as RemoteDialogueResult['item'];
    await expect(storeRemoteResult(store, { id: 'exp-run-4', model_id: 'm' }, 'tq-9', { item, hidden: [] })).rejects.toThrow('item tq-9: the server\'s result is for item "tq-0"');
    await expect(storeRemoteResult(store, { id: 'exp-run-4', model_id: 'm' }, 'tq-0', { item, hidden: [{ step: 0, layers: [2], hiddenSize: 16, positions: { last_token_embedding: new Uint8Array(6) } }] })).rejects.toThrow(
      'item tq-0 turn 0 last_token_embedding: 3 values, expected 1 layers × 16'
    );
  });

  it('driveRemoteRun with a wrong token stops with the server\'s 401, says what to do, and records the stop', async () => {
    const store = await newRun('exp-run-5');
    const out = await driveRemoteRun({ store, runId: 'exp-run-5', token: 'wrong', endpoint: `${srv.url}/api/remote/runs` });
    expect(out.status).toBe('stopped');
    expect(out.error).toEqual({ name: 'RemoteRunRefused', message: 'the server refused the run (HTTP 401): the bearer token is not valid', hint: 'Check the Remote server token in Settings, then press Resume on the run.' });
    const run = (await store.getRun('exp-run-5'))!;
    expect(run.status).toBe('cancelled');
    expect(run.summary).toEqual({ stopped_by: 'RemoteRunRefused', error: 'the server refused the run (HTTP 401): the bearer token is not valid' });
  });

  it('probeRemote reports the pool and its model with the token, the 401 without it, and nothing for a server without the route', async () => {
    const ok = await probeRemote(API_TOKEN, { endpoint: `${srv.url}/api/remote` });
    expect(ok.kind).toBe('ok');
    if (ok.kind !== 'ok') return;
    expect(ok.status.model).toEqual({ id: 'tiny-llama', layout: 'remote-sglang', numLayers: backend.spec.numLayers, hiddenSize: backend.spec.hiddenSize, capturableLayers: [backend.spec.numLayers], unavailable: expect.objectContaining({ entropy: expect.any(String), logit_lens: expect.any(String) }) });
    expect(ok.status.nodes.map((n) => [n.name, n.up])).toEqual([['node-1', true], ['node-2', true]]);
    expect(await probeRemote('nope', { endpoint: `${srv.url}/api/remote` })).toEqual({ kind: 'refused', status: 401, message: 'the bearer token is not valid' });
    expect(await probeRemote('', { endpoint: `${srv.url}/api/remote` })).toEqual({ kind: 'refused', status: 401, message: 'this API needs an Authorization: Bearer <token> header' });
    expect(await probeRemote(API_TOKEN, { endpoint: `${srv.url}/nothing-here` })).toEqual({ kind: 'absent' });
    const disabled = async () => new Response(JSON.stringify({ error: 'the API is disabled: the server has no SPIKESCORE_API_TOKEN set' }), { status: 503, headers: { 'content-type': 'application/json' } });
    expect(await probeRemote(API_TOKEN, { fetch: disabled })).toEqual({ kind: 'absent' });
    const noPool = async () => new Response(JSON.stringify({ error: 'no remote node pool is configured (set SPIKESCORE_REMOTE_NODES)' }), { status: 503, headers: { 'content-type': 'application/json' } });
    expect(await probeRemote(API_TOKEN, { fetch: noPool })).toEqual({ kind: 'unavailable', message: 'no remote node pool is configured (set SPIKESCORE_REMOTE_NODES)' });
  });

  it('remoteConfigProblem refuses probe_data, a judge or NLI label and mid-layer capture, naming what to do', () => {
    const model = STATUS().model;
    expect(remoteConfigProblem(config, model)).toBeNull();
    expect(remoteConfigProblem({ ...config, mode: 'probe_data' }, model)).toBe('the server runs dialogue experiments only (mode "probe_data" runs in this browser)');
    expect(remoteConfigProblem({ ...config, label_method: 'judge' }, model)).toBe('label_method "judge" is not available on the server: use dataset, match, f1');
    expect(remoteConfigProblem({ ...config, capture: { ...config.capture, layers: [1, 3] } }, model)).toBe(
      `capture.layers asks for hidden-state indices 1, but the remote engines return the last layer only (index ${model.numLayers}): leave the layers empty`
    );
  });

  it('remoteItems and remoteConfig keep what the route takes and nothing else', () => {
    const run = { id: 'r', config: { ...storableConfig(config), model_path: '/x', nli: { model: 'm' } }, dataset: { kind: 'qa', items: [{ id: 'a', question: 'Q?', context: '', answer: 'A', label: null, meta: { x: 1 }, turn_id: 3 }] } };
    expect(remoteItems(run)).toEqual([{ id: 'a', question: 'Q?', context: '', answer: 'A' }]);
    const c = remoteConfig(run);
    for (const k of ['model_path', 'nli', 'judge', 'probe']) expect(c[k]).toBeUndefined();
    expect(c.max_steps).toBe(2);
    expect(remoteConfig(run)).toEqual(c);
    expect(() => remoteItems({ id: 'r', dataset: null })).toThrow('run r holds no dataset items (dataset.items), so it cannot run');
    // A testbed item goes with its label rule and attribute (the server labels it by the rule), nothing else of meta.
    const testbed = { id: 't', dataset: { items: [{ id: 'b', question: 'Q?', context: '', answer: 'Hartton', meta: { label_rule: 'testbed-value/v1', attribute: 'capital', tier: 'never', entity: 'X' } }] } };
    expect(remoteItems(testbed)).toEqual([{ id: 'b', question: 'Q?', context: '', answer: 'Hartton', label_rule: 'testbed-value/v1', attribute: 'capital' }]);
  });

  it('remoteProgressText says items stored of n, per node, failures and reconnects', () => {
    expect(remoteProgressText({ total: 4, stored: 2, alreadyStored: 1, failed: 1, byNode: { 'node-2': 1, 'node-1': 1 }, nodes: 2, reconnects: 1, lastError: null, note: null })).toBe(
      '3 of 4 items stored (1 before this session) · 1 failed · on 2 nodes: node-1 1, node-2 1 · 1 reconnect'
    );
    expect(remoteProgressText({ total: 3, stored: 0, alreadyStored: 0, failed: 0, byNode: {}, nodes: null, reconnects: 0, lastError: null, note: null })).toBe('0 of 3 items stored · waiting for the server');
  });
});
