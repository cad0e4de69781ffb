/**
 * The server's `dialogue` mode: whole SpikeScore dialogues (turn 0 + follow-ups) sent through the route to SGLang
 * test nodes backed by the project's engine on a fixture model, each item's turns on one node, stored by the
 * client once each, and equal to the same dialogues run on a single node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRemote } from '../../src/lib/engine/remote/client';
import type { RunItem } from '../../src/lib/engine/remote/protocol';
import { decodeWire, encodeWire } from '../../src/lib/engine/remote/wire';
import { dialogueMode, type DialogueItemOutput } from '../../src/lib/server/remote/dialogueMode';
import { BUILTIN_MODES } from '../../src/lib/server/remote/modes';
import { fixtureBackend } from '../remote/fixture';
import { poolFor, startNodes, tempDir, type Backend } from '../remote/harness';
import { startRouteServer } from '../remote/routeServer';

const API_TOKEN = 'api-token-dialogue-1';
const NODE_TOKEN = 'node-token-dialogue-2';
const CONFIG = { max_steps: 2, temperature: 0.7, top_p: 0.9, max_new_tokens: 4, seed: 5, label_method: 'dataset', capture: { positions: ['last_token_embedding'] } };
const ITEMS: RunItem[] = Array.from({ length: 5 }, (_, i) => ({ id: `q${i}`, question: `Question ${i}: name a river.`, answer: 'Nile', label: i % 2 }));

let backend: Backend;
const cleanup: (() => Promise<void>)[] = [];
beforeAll(async () => {
  backend = await fixtureBackend();
});
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

describe('remote dialogue mode', () => {
  it('dialogue items run whole dialogues over two SGLang nodes through the route; each is stored once and equals a single-node run', async () => {
    const nodes = await startNodes(backend, ['ok', 'ok'], { token: NODE_TOKEN });
    cleanup.push(async () => void (await Promise.all(nodes.map((n) => n.close()))));
    // Reference: every item on one node, straight through the mode's item function.
    const single = poolFor([nodes[0]], backend, 'sglang', {}, { token: NODE_TOKEN });
    const ref = new Map<string, DialogueItemOutput>();
    await single.run(ITEMS, { itemId: (i) => i.id, run: dialogueMode.create(CONFIG, 'ref'), onResult: (d) => void ref.set(d.itemId, decodeWire(JSON.parse(JSON.stringify(encodeWire(d.result)))) as DialogueItemOutput) });

    const pool = poolFor(nodes, backend, 'sglang', {}, { token: NODE_TOKEN });
    const srv = await startRouteServer({ token: API_TOKEN, pool, journalDir: tempDir('journal-'), modes: { ...BUILTIN_MODES, dialogue: dialogueMode }, log: () => undefined });
    cleanup.push(() => srv.stop());
    const stored = new Map<string, DialogueItemOutput>();
    const times = new Map<string, number>();
    await runRemote({
      endpoint: `${srv.url}/api/remote/runs`,
      token: API_TOKEN,
      runId: 'dialogue-run-1',
      mode: 'dialogue',
      config: CONFIG,
      items: ITEMS,
      has: (id) => stored.has(id),
      onResult: async (id, r) => {
        times.set(id, (times.get(id) ?? 0) + 1);
        stored.set(id, r as DialogueItemOutput);
      }
    });
    expect([...times.values()]).toEqual(ITEMS.map(() => 1));
    for (const n of nodes) expect(n.served()).toBeGreaterThan(0);
    for (const it of ITEMS) {
      const got = stored.get(it.id)!;
      const want = ref.get(it.id)!;
      // K = max_steps + 1 turns, the follow-up schedule, labels from the dataset, and the same responses.
      expect(got.item.reasoning_chain.map((t) => t.prompt_type)).toEqual(['initial_qa', 'progressive_step1', 'progressive_step2']);
      expect(got.item.reasoning_chain.map((t) => t.response)).toEqual(want.item.reasoning_chain.map((t) => t.response));
      expect(got.item.nli_label).toBe(it.label);
      expect(got.item.reasoning_chain[1].followup_prompt).toBe('Great! Continue.');
      // Remote engines give no full-distribution entropy: null, never estimated.
      expect(got.item.reasoning_chain[0].metrics.entropy_mean).toBeNull();
      expect(typeof got.item.reasoning_chain[0].metrics.nll_mean).toBe('number');
      expect(got.hidden.map((h) => h.layers)).toEqual([[backend.spec.numLayers], [backend.spec.numLayers], [backend.spec.numLayers]]);
    }
  });

  it('the dialogue mode refuses a bad config and a bad item, naming the field', () => {
    expect(dialogueMode.check({ max_steps: -1 }).map((i) => i.path.join('.'))).toContain('config.max_steps');
    expect(dialogueMode.check({ mode: 'probe_data' })[0].message).toContain('only "dialogue"');
    expect(dialogueMode.checkItem!({ id: 'x', question: 3 }, 0)[0].message).toBe('items[0].question must be a non-empty string, got number');
    expect(dialogueMode.checkItem!({ id: 'x', question: 'q', label_rule: 'my-rule' }, 1).map((i) => i.message)).toEqual([
      'items[1].label_rule must be one of testbed-value/v1, got "my-rule"',
      'items[1].attribute must name the attribute its label_rule checks, got undefined'
    ]);
    expect(dialogueMode.checkItem!({ id: 'x', question: 'q', answer: 'Hartton', label_rule: 'testbed-value/v1', attribute: 'capital' }, 0)).toEqual([]);
  });

  it('with label_method "dataset", an item with a label rule is labelled by the rule from the answer, on the node', async () => {
    const nodes = await startNodes(backend, ['ok'], { token: NODE_TOKEN });
    cleanup.push(async () => void (await Promise.all(nodes.map((n) => n.close()))));
    const pool = poolFor(nodes, backend, 'sglang', {}, { token: NODE_TOKEN });
    // The fixture model knows no testbed fact: whatever it says about a capital is not the gold one.
    const items: RunItem[] = [
      { id: 'rule', question: 'What is the capital of Falubia?', answer: 'Hartton', label_rule: 'testbed-value/v1', attribute: 'capital' },
      { id: 'broken', question: 'What is the capital of Falubia?', answer: 'Paris', label_rule: 'testbed-value/v1', attribute: 'capital' }
    ];
    const out = new Map<string, DialogueItemOutput>();
    await pool.run(items, { itemId: (i) => i.id, run: dialogueMode.create({ ...CONFIG, max_steps: 0 }, 'rule-run'), onResult: (d) => void out.set(d.itemId, d.result as DialogueItemOutput) });
    expect(out.get('rule')!.item).toMatchObject({ nli_label: 0, label_source: 'dataset' });
    // A gold value that is not of the knowledge base: unknown, never a guess.
    expect(out.get('broken')!.item.nli_label).toBeNull();
  });
});
