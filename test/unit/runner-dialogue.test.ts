import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../../src/lib/core/config/runConfig';
import { parseDataset, type DatasetItem } from '../../src/lib/core/datasets/parseDataset';
import { decodeF16 } from '../../src/lib/core/float16';
import { unwrap } from '../../src/lib/core/issues';
import { parseItemResultText, type ItemResult } from '../../src/lib/core/itemResult';
import { FOLLOWUPS } from '../../src/lib/core/prompts/followups';
import { runDialogue, TIMED_OUT_RESPONSE } from '../../src/lib/core/runner/runDialogue';
import { entropyMean, nllMean, wordCount } from '../../src/lib/core/runner/turnMetrics';
import type { Labeller, ProgressEvent, RunSink, TurnHidden } from '../../src/lib/core/runner/types';
import { decodeHiddenStates } from '../../src/lib/store/hiddenStates';
import { RunDirSink } from '../../src/lib/store/node/runDir';
import { FakeModel } from './runner-fakeModel';
import { CAPTURE_POSITIONS } from '../../src/lib/core/config/runConfig';
import { POSITION_NAMES } from '../../src/lib/engine/types';

const GOLD = 'Zanzibar-GOLD-ANSWER';
const DATASET = [
  { id: 'q:1', question: 'What is the capital of Falubia?', context: 'Falubia is a small country.', answer: GOLD, secret_note: 'NOTE-NOT-FOR-PROMPT' },
  { id: 'q/2', question: 'Who wrote the Falubian anthem?', answer: ['Ann Other', 'A. Other'] },
  { id: 'q3', question: 'When was Falubia founded?', answer: '1802' }
];

function items(): DatasetItem[] {
  return [...unwrap(parseDataset(DATASET.map((r) => JSON.stringify(r)).join('\n'), { where: 'd.jsonl' })).items];
}

function config(extra: Record<string, unknown> = {}): RunConfig {
  return unwrap(parseRunConfig({ max_steps: 3, temperature: 0.2, seed: 7, capture: { layers: [1, 4] }, ...extra }));
}

/** An in-memory sink that keeps every item and hidden turn, and counts writes. */
class MemorySink implements RunSink {
  readonly items = new Map<string, ItemResult>();
  readonly hidden = new Map<string, Map<number, TurnHidden>>();
  readonly errors = new Map<string, string>();
  saves = 0;
  async loadItem(id: string) {
    const v = this.items.get(id);
    return v ? (JSON.parse(JSON.stringify(v)) as ItemResult) : null;
  }
  async save(result: ItemResult, turn: { step: number; hidden: TurnHidden | null } | null) {
    this.saves++;
    this.items.set(result.id, JSON.parse(JSON.stringify(result)));
    if (turn?.hidden) {
      const m = this.hidden.get(result.id) ?? new Map();
      m.set(turn.step, turn.hidden);
      this.hidden.set(result.id, m);
    }
  }
  async saveError(e: { id: string; error: string }) {
    this.errors.set(e.id, e.error);
  }
  async clearError(id: string) {
    this.errors.delete(id);
  }
  async saveProgress() {}
}

const fixedClock = () => Date.UTC(2026, 0, 2, 3, 4, 5);

describe('runDialogue', () => {
  it('CAPTURE_POSITIONS of the core config are the engine contract POSITION_NAMES, in order', () => {
    expect([...CAPTURE_POSITIONS]).toEqual([...POSITION_NAMES]);
  });

  it('runDialogue never feeds the gold answer, the id or other record fields to the model', async () => {
    const model = new FakeModel();
    const sink = new MemorySink();
    await runDialogue({ model, config: config(), items: items(), sink, now: fixedClock });
    expect(model.fed.length).toBe(3 * 4);
    for (const p of model.prompts) {
      expect(p).not.toContain(GOLD);
      expect(p).not.toContain('Ann Other');
      expect(p).not.toContain('1802');
      expect(p).not.toContain('NOTE-NOT-FOR-PROMPT');
      expect(p).not.toMatch(/q:1|q\/2|q3/);
      expect(p).not.toContain('Answer:');
    }
  });

  it('runDialogue runs K = max_steps + 1 turns, each continuing the whole turn-0 conversation (B2)', async () => {
    const model = new FakeModel();
    const sink = new MemorySink();
    const summary = await runDialogue({ model, config: config(), items: items().slice(0, 1), sink, now: fixedClock });
    expect(summary).toMatchObject({ items: 1, completed: 1, skipped: 0, failed: 0 });
    const item = sink.items.get('q:1')!;
    expect(item.run_status).toBe('complete');
    expect(item.reasoning_chain.map((t) => [t.step, t.prompt_type, t.followup_prompt])).toEqual([
      [0, 'initial_qa', ''],
      [1, 'progressive_step1', 'Great! Continue.'],
      [2, 'progressive_step2', 'Excellent! Please continue with more details.'],
      [3, 'progressive_step3', 'Perfect! Keep going with your analysis.']
    ]);
    const sys = '<|system|>You are a helpful AI assistant. Answer questions accurately based on any provided context.<|end|>';
    const user0 = '<|user|>Passage: Falubia is a small country.\n\nQuestion: What is the capital of Falubia?<|end|>';
    const [r0, r1] = item.reasoning_chain.map((t) => t.response);
    expect(model.prompts[0]).toBe(`${sys}${user0}<|assistant|>`);
    expect(model.prompts[2]).toBe(`${sys}${user0}<|assistant|>${r0}<|end|><|user|>Great! Continue.<|end|><|assistant|>${r1}<|end|><|user|>Excellent! Please continue with more details.<|end|><|assistant|>`);
    // Responses are stored trimmed, and full_input is the templated text that was encoded.
    expect(r0).toBe(r0.trim());
    expect(item.reasoning_chain[2].full_input).toBe(model.prompts[2]);
    // The chat template renders its own BOS: the ids fed are exactly the encoded template text.
    expect(model.fed[0].ids[0]).not.toBe(1);
  });

  it('runDialogue records the seed fields, the per-turn scores and the sampling settings per turn', async () => {
    const model = new FakeModel();
    const sink = new MemorySink();
    await runDialogue({ model, config: config({ top_p: 0.9, max_new_tokens: 64, generation_timeout: 30 }), items: items().slice(0, 1), sink, now: fixedClock });
    const item = sink.items.get('q:1')!;
    expect(item).toMatchObject({ id: 'q:1', question: DATASET[0].question, gold_answer: GOLD, temperature: 0.2, top_p: 0.9, max_steps: 3, actual_steps: 3, seed: 7, model: 'test-double/echo', last_update: '2026-01-02T03:04:05.000Z' });
    expect(item.context_preview).toBe('Falubia is a small country.');
    for (const [k, t] of item.reasoning_chain.entries()) {
      const fed = model.fed[k];
      expect(fed.options).toMatchObject({ temperature: 0.2, topP: 0.9, maxNewTokens: 64, timeoutMs: 30_000, seed: [7, 'q:1', k, 0] });
      expect(fed.options.capture).toEqual({ positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'], layers: [1, 2, 3] });
      expect(t.metrics.nll_mean).toBe(nllMean(t.tokens!.logprobs));
      expect(t.metrics.entropy_mean).toBe(entropyMean(t.tokens!.entropies));
      expect(t.response_length).toBe(wordCount(t.response));
      expect(t.input_length).toBe(wordCount(t.full_input));
      expect(t.timed_out).toBe(false);
      expect(t.timestamp).toBe('2026-01-02T03:04:05.000Z');
      expect(t.tokens!.ids.at(-1)).toBe(2);
    }
    const t0 = item.reasoning_chain[0];
    expect(t0.token_count).toBe(model.fed[0].ids.length + t0.tokens!.ids.length);
    const t1 = item.reasoning_chain[1];
    expect(t1.token_count).toBe(model.tokenizer.encode(`Great! Continue.\n${t1.response}`).length);
  });

  it('nllMean and entropyMean are the hand-worked means, and null for no tokens', () => {
    // logprobs −1/8, −2/8, −3/8 → NLL mean 2/8; entropies 1/4, 2/4, 3/4, 1/4 → mean 7/16.
    expect(nllMean([-0.125, -0.25, -0.375])).toBe(0.25);
    expect(entropyMean([0.25, 0.5, 0.75, 0.25])).toBe(0.4375);
    expect(nllMean([])).toBeNull();
    expect(entropyMean(new Float32Array(0))).toBeNull();
  });

  it('runDialogue stores F16 hidden states of the configured layers per turn and position', async () => {
    const model = new FakeModel();
    const sink = new MemorySink();
    await runDialogue({ model, config: config({ capture: { positions: ['last_tok_bef_gen_embedding'], layers: [2, 4] } }), items: items().slice(0, 1), sink, now: fixedClock });
    const turns = sink.hidden.get('q:1')!;
    expect([...turns.keys()]).toEqual([0, 1, 2, 3]);
    const t2 = turns.get(2)!;
    expect(t2.layers).toEqual([2, 3]);
    expect(Object.keys(t2.positions)).toEqual(['last_tok_bef_gen_embedding']);
    // The test double's value at layer l, unit j: ((len % 97) + 0.25 l + 0.125 j + p) / 8, exact in F16 here.
    const len = model.fed[2].ids.length;
    const values = decodeF16(t2.positions.last_tok_bef_gen_embedding!);
    expect(values.length).toBe(2 * 6);
    expect(values[0]).toBeCloseTo(((len % 97) + 0.5) / 8, 2);
    expect(values[6 + 5]).toBeCloseTo(((len % 97) + 0.75 + 0.625) / 8, 2);
  });

  it('runDialogue marks a timed-out turn, nulls its scores, stores no hidden states for it and goes on', async () => {
    const model = new FakeModel({ timeoutWhen: (p) => p.includes('Excellent! Please continue') && p.endsWith('<|assistant|>') && !p.includes('Perfect!') });
    const sink = new MemorySink();
    const summary = await runDialogue({ model, config: config(), items: items().slice(0, 1), sink, rs: () => 0.5, now: fixedClock });
    const chain = sink.items.get('q:1')!.reasoning_chain;
    expect(chain.length).toBe(4);
    expect(chain[2]).toMatchObject({ response: TIMED_OUT_RESPONSE, timed_out: true, stop_reason: 'timeout', metrics: { nll_mean: null, entropy_mean: null, rs: null } });
    expect(chain[1].metrics.rs).toBe(0.5);
    expect([...sink.hidden.get('q:1')!.keys()]).toEqual([0, 1, 3]);
    expect(summary.timedOutTurns).toBe(1);
    // The next turn continues the conversation with the timed-out marker as the answer, as the seed does.
    expect(model.prompts[3]).toContain(`<|assistant|>${TIMED_OUT_RESPONSE}<|end|><|user|>Perfect! Keep going with your analysis.`);
  });

  it('runDialogue records a failing item beside it, counts it, and goes on with the others', async () => {
    const model = new FakeModel({ failWhen: (p) => p.includes('anthem') });
    const sink = new MemorySink();
    const events: ProgressEvent[] = [];
    const summary = await runDialogue({ model, config: config(), items: items(), sink, now: fixedClock, onProgress: (e) => events.push(e) });
    expect(summary).toMatchObject({ items: 3, completed: 2, failed: 1 });
    expect(sink.errors.get('q/2')).toBe('test double: failing on cue');
    expect(sink.items.get('q3')!.run_status).toBe('complete');
    expect(events.filter((e) => e.type === 'item-failed').map((e) => e.itemId)).toEqual(['q/2']);
  });

  it('runDialogue labels the turn-0 answer once per item, counts label failures and keeps an override', async () => {
    const calls: unknown[][] = [];
    const labeller: Labeller = {
      async label(question, golds, answer, item) {
        calls.push([question, golds, answer, item?.id]);
        if (item?.id === 'q3') throw new Error('judge timed out');
        if (item?.id === 'q/2') return { label: null, source: 'judge', reason: 'reply was "maybe"' };
        return { label: 1, source: 'judge' };
      }
    };
    const sink = new MemorySink();
    const summary = await runDialogue({ model: new FakeModel(), config: config(), items: items(), sink, labeller, now: fixedClock });
    expect(calls.map((c) => c[3])).toEqual(['q:1', 'q/2', 'q3']);
    expect(calls[0].slice(0, 3)).toEqual([DATASET[0].question, [GOLD], sink.items.get('q:1')!.reasoning_chain[0].response]);
    expect(calls[1][1]).toEqual(['Ann Other', 'A. Other']);
    expect(summary).toMatchObject({ labelled: 1, labelFailures: 2 });
    expect(sink.items.get('q:1')).toMatchObject({ nli_label: 1, label_source: 'judge' });
    expect(sink.items.get('q/2')).toMatchObject({ nli_label: null, label_error: 'reply was "maybe"' });
    expect(sink.items.get('q3')).toMatchObject({ nli_label: null, label_error: 'judge timed out' });

    // A stored partial item with an override keeps it when the run continues.
    const sink2 = new MemorySink();
    const cfg = config();
    await runDialogue({ model: new FakeModel(), config: unwrap(parseRunConfig({ ...cfg, max_steps: 0, judge: undefined, label_method: 'match' })), items: items().slice(0, 1), sink: sink2, now: fixedClock });
    const stored = sink2.items.get('q:1')!;
    sink2.items.set('q:1', { ...stored, nli_label: 0, label_source: 'override', run_status: 'partial', reasoning_chain: [] });
    calls.length = 0;
    await runDialogue({ model: new FakeModel(), config: cfg, items: items().slice(0, 1), sink: sink2, labeller, now: fixedClock });
    expect(calls).toEqual([]);
    expect(sink2.items.get('q:1')).toMatchObject({ nli_label: 0, label_source: 'override' });
  });

  it('runDialogue ends an item early when the next prompt does not fit the context, and says so', async () => {
    const model = new FakeModel({ words: 12 }, { maxContext: 450 });
    const sink = new MemorySink();
    const summary = await runDialogue({ model, config: config({ max_new_tokens: 100 }), items: items().slice(2, 3), sink, now: fixedClock });
    const item = sink.items.get('q3')!;
    expect(item.truncation_triggered).toBe(true);
    expect(item.truncation_at_step).toBe(item.reasoning_chain.length);
    expect(item.reasoning_chain.length).toBeGreaterThan(0);
    expect(item.reasoning_chain.length).toBeLessThan(4);
    expect(item.run_status).toBe('complete');
    expect(summary.truncatedItems).toBe(1);
    for (const f of model.fed) expect(f.ids.length + f.options.maxNewTokens).toBeLessThanOrEqual(450);
  });

  it('runDialogue skips a stored seed-format item (no run_status) that already has all K turns', async () => {
    const sink = new MemorySink();
    const turns = [0, 1, 2, 3].map((step) => ({ step, prompt_type: step ? `progressive_step${step}` : 'initial_qa', followup_prompt: '', full_input: '', response: 'r', token_count: 1, metrics: {} }));
    sink.items.set('q3', { format_version: 1, id: 'q3', question: 'q', gold_answer: '1802', nli_label: 1, reasoning_chain: turns });
    const model = new FakeModel();
    const summary = await runDialogue({ model, config: config(), items: items().slice(2, 3), sink, now: fixedClock });
    expect(summary).toMatchObject({ skipped: 1, completed: 0 });
    expect(model.calls).toBe(0);
    expect(sink.saves).toBe(0);
  });

  it('runDialogue refuses capture layers the model cannot capture, naming capture.layers', async () => {
    await expect(runDialogue({ model: new FakeModel(), config: config({ capture: { layers: [3, 9] } }), items: items(), sink: new MemorySink() })).rejects.toThrow(
      'capture.layers [3, 9) asks for hidden-state indices 5, 6, 7, 8, which test-double/echo cannot capture (it has [0, 5))'
    );
  });

  it('runDialogue gives each item the same result whatever the item order (keyed randomness)', async () => {
    const cfg = config({ strategy: 'mixed', temperature: 0.9 });
    const a = new MemorySink();
    const b = new MemorySink();
    await runDialogue({ model: new FakeModel(), config: cfg, items: items(), sink: a, now: fixedClock });
    await runDialogue({ model: new FakeModel(), config: cfg, items: items().reverse(), sink: b, now: fixedClock });
    for (const id of ['q:1', 'q/2', 'q3']) expect(b.items.get(id)).toEqual(a.items.get(id));
    const c = new MemorySink();
    await runDialogue({ model: new FakeModel(), config: config({ strategy: 'mixed', temperature: 0.9, seed: 8 }), items: items(), sink: c, now: fixedClock });
    expect(c.items.get('q:1')!.reasoning_chain.map((t) => t.response)).not.toEqual(a.items.get('q:1')!.reasoning_chain.map((t) => t.response));
    // Mixed mode draws follow-ups from the library.
    const texts = new Set(Object.values(FOLLOWUPS).flat().map((p) => p.text));
    for (const t of a.items.get('q:1')!.reasoning_chain.slice(1)) expect(texts.has(t.followup_prompt)).toBe(true);
  });

  it('runDialogue reports progress per turn with tokens/s from engine timings and an ETA from the clock', async () => {
    let t = 0;
    const now = () => (t += 1000);
    const events: ProgressEvent[] = [];
    await runDialogue({ model: new FakeModel(), config: config(), items: items().slice(0, 2), sink: new MemorySink(), now, onProgress: (e) => events.push(e) });
    const turns = events.filter((e): e is Extract<ProgressEvent, { type: 'turn' }> => e.type === 'turn');
    expect(turns.map((e) => [e.index, e.turn])).toEqual([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [1, 3]]);
    // The test double's timings: 10 ms prefill + 10 ms per token → tokens/s = 1000 T / (10 + 10 T) per turn.
    const first = turns[0];
    expect(first.tokensPerSecond).toBeCloseTo((1000 * first.tokens) / (10 + 10 * first.tokens), 9);
    // The clock advances 1 s per read and every turn reads it equally often, so the mean wall time per turn is
    // constant and the ETA is proportional to the turns left (7 after the first of 8, 6 after the second, 0 at the end).
    expect(turns.at(-1)!.etaSeconds).toBe(0);
    expect(turns[0].etaSeconds! / 7).toBeCloseTo(turns[1].etaSeconds! / 6, 9);
    expect(events[0]).toEqual({ type: 'item-start', index: 0, total: 2, itemId: 'q:1', fromTurn: 0, turns: 4 });
  });
});

describe('runDialogue with the CLI run directory', () => {
  it('a run cancelled mid-item and resumed writes the same files as an uninterrupted run, with no duplicates', async () => {
    const cfg = config({ strategy: 'random', temperature: 0.7 });
    const whole = mkdtempSync(join(tmpdir(), 'run-whole-'));
    await runDialogue({ model: new FakeModel(), config: cfg, items: items(), sink: new RunDirSink(whole, 'test-double/echo'), now: fixedClock });

    const split = mkdtempSync(join(tmpdir(), 'run-split-'));
    const controller = new AbortController();
    // 3 items × 4 turns: cancel at the 6th call (item 2, turn 1), before it generates.
    const first = new FakeModel({ abortAt: { call: 6, controller } });
    await expect(runDialogue({ model: first, config: cfg, items: items(), sink: new RunDirSink(split, 'test-double/echo'), now: fixedClock, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const partial = parseItemResultText(readFileSync(join(split, 'q_2.json'), 'utf8'), 'q_2.json');
    expect(partial.run_status).toBe('partial');
    expect(partial.reasoning_chain.length).toBe(1);
    expect(readdirSync(split).filter((f) => f.startsWith('q3'))).toEqual([]);

    const second = new FakeModel();
    const summary = await runDialogue({ model: second, config: cfg, items: items(), sink: new RunDirSink(split, 'test-double/echo'), now: fixedClock });
    expect(summary).toMatchObject({ skipped: 1, resumed: 1, completed: 2 });
    // The resumed session generated exactly the missing turns: 3 of item 2, 4 of item 3.
    expect(second.calls).toBe(7);
    const files = (d: string) => readdirSync(d).filter((f) => f !== 'progress.json').sort();
    expect(files(split)).toEqual(files(whole));
    expect(files(whole)).toEqual(['q3.json', 'q3.safetensors', 'q_1.json', 'q_1.safetensors', 'q_2.json', 'q_2.safetensors']);
    for (const f of files(whole)) expect(readFileSync(join(split, f)), f).toEqual(readFileSync(join(whole, f)));
  });

  it('RunDirSink drops hidden states of a turn the item JSON does not have (a crash between the two writes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-crash-'));
    const cfg = config({ max_steps: 2 });
    await runDialogue({ model: new FakeModel(), config: cfg, items: items().slice(2, 3), sink: new RunDirSink(dir, 'm'), now: fixedClock });
    const full = decodeHiddenStates(readFileSync(join(dir, 'q3.safetensors')), 'q3.safetensors');
    expect(full.turns).toEqual([0, 1, 2]);
    // Pretend the process died after writing turn 2's hidden states but before its JSON: keep 2 turns in the JSON.
    const item = parseItemResultText(readFileSync(join(dir, 'q3.json'), 'utf8'), 'q3.json');
    writeFileSync(join(dir, 'q3.json'), JSON.stringify({ ...item, run_status: 'partial', reasoning_chain: item.reasoning_chain.slice(0, 2) }));
    // Resume with turn 2 timing out (no hidden states): the stale turn-2 tensors must go.
    const model = new FakeModel({ timeoutWhen: () => true });
    await runDialogue({ model, config: cfg, items: items().slice(2, 3), sink: new RunDirSink(dir, 'm'), now: fixedClock });
    const after = decodeHiddenStates(readFileSync(join(dir, 'q3.safetensors')), 'q3.safetensors');
    expect(after.turns).toEqual([0, 1]);
    expect(model.calls).toBe(1);
  });

  it('the item hidden-state files follow design.md and are read by an independent Python reader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-py-'));
    await runDialogue({ model: new FakeModel(), config: config({ max_steps: 1, capture: { positions: ['last_token_embedding', 'last_tok_bef_gen_embedding'], layers: [0, 2] } }), items: items().slice(0, 1), sink: new RunDirSink(dir, 'test-double/echo'), now: fixedClock });
    const py = JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', join(dir, 'q_1.safetensors')], { encoding: 'utf8' }));
    expect(py.metadata).toEqual({ format_version: '1', model_id: 'test-double/echo', layers: '[0,1]', hidden_size: '6' });
    expect(Object.keys(py.tensors)).toEqual(['turn0.last_token_embedding', 'turn0.last_tok_bef_gen_embedding', 'turn1.last_token_embedding', 'turn1.last_tok_bef_gen_embedding']);
    expect(py.tensors['turn1.last_token_embedding'].dtype).toBe('F16');
    expect(py.tensors['turn1.last_token_embedding'].shape).toEqual([2, 6]);
    const ours = decodeHiddenStates(readFileSync(join(dir, 'q_1.safetensors')), 'q_1.safetensors');
    expect(Array.from(ours.tensor(1, 'last_token_embedding')!)).toEqual(py.tensors['turn1.last_token_embedding'].values);
  });
});
