import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ItemResult, TurnRecord } from '../../src/lib/core/itemResult';
import { configToForm, defaultForm, formToConfig, issueField, pageIssues, validateConfigText, validateForm } from '../../src/routes/experiment/configForm';
import { BUNDLED_DATASETS, readDataset } from '../../src/routes/experiment/datasets';
import { applyEvent, emptyProgress, fractionDone, progressText } from '../../src/routes/experiment/progress';
import { summariseRun } from '../../src/routes/experiment/runMetrics';
import { configSummary, resumable, runState, whereStopped } from '../../src/routes/experiment/runStatus';
import { checkRoom, estimateRunStorage, tokenTraceChars } from '../../src/routes/experiment/storageEstimate';

describe('estimateRunStorage', () => {
  it('estimateRunStorage counts F16 hidden states exactly and the JSON by the documented formula (hand-worked)', () => {
    const e = estimateRunStorage({ items: 2, turns: 3, positions: 3, layers: 5, hiddenSize: 64, maxNewTokens: 10, promptChars: 100, topK: 5 });
    // 2 × 3 × 3 × 5 × 64 × 2 bytes.
    expect(e.hiddenBytes).toBe(11520);
    // Token trace 6 + 11 + 11 + 5·7 + 5·11 = 118; per turn 400 + 40 + 10·118 + 100 + 250 = 1970;
    // growth 3·2/2 · (40 + 250) = 870; per item 1500 + 100 + 3·1970 + 870 = 8380.
    expect(tokenTraceChars(5)).toBe(118);
    expect(e.jsonBytes).toBe(16760);
    expect(e.totalBytes).toBe(28280);
  });

  it('estimateRunStorage gives 0 bytes for no items or no turns', () => {
    expect(estimateRunStorage({ items: 0, turns: 3, positions: 3, layers: 5, hiddenSize: 64, maxNewTokens: 10, promptChars: 100 }).totalBytes).toBe(0);
    expect(estimateRunStorage({ items: 4, turns: 0, positions: 3, layers: 5, hiddenSize: 64, maxNewTokens: 10, promptChars: 100 }).totalBytes).toBe(0);
  });

  it('estimateRunStorage refuses a negative or non-finite size, naming it', () => {
    expect(() => estimateRunStorage({ items: -1, turns: 3, positions: 3, layers: 5, hiddenSize: 64, maxNewTokens: 10, promptChars: 100 })).toThrow('estimateRunStorage: items must be a finite number ≥ 0, got -1');
    expect(() => estimateRunStorage({ items: 1, turns: 3, positions: 3, layers: NaN, hiddenSize: 64, maxNewTokens: 10, promptChars: 100 })).toThrow('layers must be a finite number ≥ 0, got NaN');
  });

  it('checkRoom compares the bytes with quota − usage; unknown usage or quota passes', () => {
    expect(checkRoom(100, { usage: 900, quota: 1000 })).toEqual({ ok: true, free: 100 });
    expect(checkRoom(101, { usage: 900, quota: 1000 })).toEqual({ ok: false, free: 100, reason: 'the run needs about 101 bytes and this site has 100 bytes free' });
    expect(checkRoom(1e12, null)).toEqual({ ok: true, free: null });
    expect(checkRoom(1e12, { usage: 5 })).toEqual({ ok: true, free: null });
  });
});

function turn(step: number, nll: number | null): TurnRecord {
  return { step, prompt_type: step ? 'followup' : 'initial_qa', followup_prompt: '', full_input: '', response: '', token_count: 0, metrics: { nll_mean: nll } };
}

function item(id: string, nli: 0 | 1 | null, scores: (number | null)[], extra: Partial<ItemResult> = {}): ItemResult {
  return { format_version: 1, id, question: id, gold_answer: null, nli_label: nli, label_source: 'dataset', reasoning_chain: scores.map((s, k) => turn(k, s)), ...extra };
}

describe('summariseRun', () => {
  const items = [
    item('A', 0, [0, 0, 2, 0]), // hallucinated, SpikeScore max(|2|, |−4|) = 4
    item('B', 0, [0, 1, 0]), // hallucinated, 2
    item('C', 1, [0, 0, 3], { label_source: 'override', label_before_override: 0 }), // correct (overridden), 3
    item('D', 1, [1, 1, 1]), // correct, 0
    item('E', null, [0, 5, 0]), // unlabelled
    item('F', 1, [0, 1]) // too short
  ];

  it('summariseRun gives the AUROC of SpikeScore with hallucination positive (hand-worked: 3 of 4 pairs ordered)', () => {
    const s = summariseRun(items);
    expect(s.items).toBe(6);
    expect(s.labelled).toBe(5);
    expect(s.unlabelled).toBe(1);
    expect(s.hallucinated).toBe(2);
    expect(s.scores).toHaveLength(1);
    const nll = s.scores[0];
    expect(nll.key).toBe('nll_mean');
    expect([nll.n, nll.nPos, nll.nNeg, nll.short]).toEqual([4, 2, 2, 1]);
    // Positives 4, 2; negatives 3, 0: (4>3), (4>0), (2<3), (2>0) → 3/4.
    expect(nll.auroc).toBe(0.75);
    expect(nll.reason).toBeNull();
  });

  it('summariseRun lists every overridden label, and flags the metrics that use it', () => {
    const s = summariseRun(items);
    expect(s.overrides).toEqual([{ id: 'C', before: 0, after: 1 }]);
    expect(s.scores[0].overridden).toEqual(['C']);
    // An overridden item left out for too few turns does not flag the metric.
    const short = summariseRun([item('A', 0, [0, 0, 2, 0]), item('D', 1, [1, 1, 1]), item('G', 1, [0, 1], { label_source: 'override', label_before_override: 0 })]);
    expect(short.overrides.map((o) => o.id)).toEqual(['G']);
    expect(short.scores[0].overridden).toEqual([]);
  });

  it('summariseRun gives NaN with the reason for one class or no usable item, never 0', () => {
    const one = summariseRun([item('A', 0, [0, 0, 2]), item('B', 0, [0, 1, 0])]).scores[0];
    expect(one.auroc).toBeNaN();
    expect(one.reason).toContain('one class only');
    const none = summariseRun([item('A', 0, [0, 1]), item('B', 1, [1, 0])]).scores[0];
    expect(none.auroc).toBeNaN();
    expect(none.reason).toBe('no labelled item has 3 or more scored turns');
    expect(summariseRun([]).scores).toEqual([]);
  });

  it('summariseRun skips turns without a score (timeouts), as itemTrajectory does', () => {
    // [0, null, 0, 2, 0] → scored [0, 0, 2, 0] → 4; against [1, 1, 1] → 0.
    const s = summariseRun([item('A', 0, [0, null, 0, 2, 0]), item('B', 1, [1, 1, 1])]).scores[0];
    expect(s.auroc).toBe(1);
  });
});

describe('config form', () => {
  it('defaultForm validates, with the paper field names in the config it writes', () => {
    const raw = formToConfig(defaultForm(), { datasetPath: 'tiny_qa.jsonl' });
    expect(raw).toMatchObject({ mode: 'dialogue', dataset_path: 'tiny_qa.jsonl', sampling: { strategy: 'all', seed: 42 }, strategy: 'progressive', max_steps: 5, top_p: 0.7, max_new_tokens: 64, enable_thinking: false, generation_timeout: 180, label_method: 'f1' });
    expect(raw.sampling).not.toHaveProperty('n');
    expect(raw.capture).toEqual({ positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] });
    const r = validateForm(defaultForm());
    expect(r.ok).toBe(true);
  });

  it('validateForm reports every bad field with the validator message naming it', () => {
    const f = { ...defaultForm(), maxSteps: -1, topP: 3, samplingN: 2.5, positions: [], layersFrom: 4, layersTo: 2 };
    const r = validateForm(f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const fields = r.issues.map(issueField);
    expect(fields).toEqual(expect.arrayContaining(['max_steps', 'top_p', 'sampling.n', 'capture.positions', 'capture.layers']));
    expect(r.issues.find((i) => issueField(i) === 'top_p')!.message).toContain('top_p');
  });

  it('configToForm shows a pasted config.json in the form, and the form writes it back unchanged', () => {
    const text = JSON.stringify({ sampling: { strategy: 'random', n: 3, seed: 7 }, seed: 9, strategy: 'mixed', max_steps: 2, temperature: 0.5, top_p: 0.9, max_new_tokens: 16, enable_thinking: true, generation_timeout: null, capture: { positions: ['last_token_embedding'], layers: [1, 3] }, label_method: 'match' });
    const r = validateConfigText(text);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const back = validateForm(configToForm(r.value));
    expect(back.ok && back.value).toEqual(r.value);
  });

  it('validateConfigText names the file for bad JSON, and refuses a key in the config', () => {
    const bad = validateConfigText('{"max_steps": 2,', 'mine.json');
    expect(!bad.ok && bad.issues[0].message).toMatch(/^mine\.json: not valid JSON/);
    const key = validateConfigText('{"label_method": "judge", "judge": {"base_url": "https://x.test/v1", "model": "m", "api_key": "sk-123"}}');
    expect(!key.ok && key.issues.map((i) => i.message).join('\n')).toContain('judge.api_key: a key never goes in a config file');
  });

  it('formToConfig takes the judge endpoint from Settings but never the key; pageIssues asks for what is missing', () => {
    const f = { ...defaultForm(), labelMethod: 'judge' as const };
    const raw = formToConfig(f, { judge: { base_url: 'https://judge.test/v1', model: 'gpt-4o-mini' } });
    expect(raw.judge).toEqual({ base_url: 'https://judge.test/v1', model: 'gpt-4o-mini' });
    expect(JSON.stringify(raw)).not.toContain('sk-');
    const r = validateForm(f, { judge: { base_url: 'https://judge.test/v1', model: 'gpt-4o-mini' } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(pageIssues(r.value, { judgeBaseUrl: 'https://judge.test/v1', judgeModel: 'gpt-4o-mini', judgeApiKey: '' }).map((i) => i.message)).toEqual([
      "the LLM judge needs its API key: type it in Settings (it stays in this tab's memory, never stored)"
    ]);
    expect(pageIssues(r.value, { judgeBaseUrl: 'https://judge.test/v1', judgeModel: 'gpt-4o-mini', judgeApiKey: 'sk-1' })).toEqual([]);
    const noEndpoint = validateForm(f);
    expect(!noEndpoint.ok && noEndpoint.issues.map((i) => i.message).join('\n')).toContain('label_method "judge" needs a judge block');
  });
});

describe('live progress', () => {
  it('applyEvent folds the runner events into item i of n, turn k of K, tokens/s and ETA', () => {
    let p = emptyProgress('r', 3, 3);
    p = applyEvent(p, { type: 'progress', event: { type: 'item-skipped', index: 0, total: 3, itemId: 'a' } });
    p = applyEvent(p, { type: 'progress', event: { type: 'item-start', index: 1, total: 3, itemId: 'b', fromTurn: 1, turns: 3 } });
    p = applyEvent(p, { type: 'token', itemId: 'b', turn: 1, text: 'hel' });
    p = applyEvent(p, { type: 'token', itemId: 'b', turn: 1, text: 'lo' });
    expect(p.text).toBe('hello');
    expect(progressText(p)).toBe('item 2 of 3 · turn 2 of 3 · – tok/s · ETA – · 0 done, 1 already done');
    p = applyEvent(p, { type: 'progress', event: { type: 'turn', index: 1, total: 3, itemId: 'b', turn: 1, turns: 3, tokens: 5, timedOut: false, tokensPerSecond: 12.345, etaSeconds: 65 } });
    expect(p.text).toBe('');
    expect(progressText(p)).toBe('item 2 of 3 · turn 3 of 3 · 12.3 tok/s · ETA 1 min 5 s · 0 done, 1 already done');
    // One item skipped plus two of three turns of the second: (1 + 2/3) / 3.
    expect(fractionDone(p)).toBeCloseTo(5 / 9, 12);
    p = applyEvent(p, { type: 'progress', event: { type: 'item-failed', index: 2, total: 3, itemId: 'c', error: 'boom' } });
    expect(p.failed).toBe(1);
    expect(p.lastError).toBe('c: boom');
  });

  it('applyEvent counts probe_data questions, which have no turns', () => {
    let p = emptyProgress('r', 2, 0);
    p = applyEvent(p, { type: 'probe-item', kind: 'item-done', index: 0, total: 2, itemId: 'a' });
    expect(progressText(p)).toBe('item 1 of 2 · – tok/s · ETA – · 1 done');
    expect(fractionDone(p)).toBe(0.5);
    expect(fractionDone(emptyProgress('r'))).toBe(0);
  });
});

describe('run status', () => {
  const live = { ownRunId: 'mine', heldRunIds: new Set(['mine', 'theirs']) };
  it('runState tells running here, elsewhere, interrupted, paused, stopped, finished and imported apart', () => {
    expect(runState({ id: 'mine', status: 'running', summary: null }, live)).toBe('running-here');
    expect(runState({ id: 'theirs', status: 'running', summary: null }, live)).toBe('running-elsewhere');
    expect(runState({ id: 'old', status: 'running', summary: null }, live)).toBe('interrupted');
    expect(runState({ id: 'p', status: 'cancelled', summary: null }, live)).toBe('paused');
    expect(runState({ id: 's', status: 'cancelled', summary: { stopped_by: 'StorageFullError' } }, live)).toBe('stopped');
    expect(runState({ id: 'f', status: 'finished', summary: null }, live)).toBe('finished');
    expect(runState({ id: 'i', status: 'imported', summary: null }, live)).toBe('imported');
    expect(['interrupted', 'paused', 'stopped'].every((s) => resumable(s as never))).toBe(true);
    expect(resumable('finished') || resumable('running-elsewhere')).toBe(false);
  });

  it('whereStopped and configSummary describe a run in one line', () => {
    expect(whereStopped({ progress: { current: 2, total: 4, percentage: 50, current_item: 'b', timestamp: '', turn: 1, turns: 3 } })).toBe('item 2 of 4');
    expect(whereStopped({ progress: null })).toBeNull();
    expect(configSummary({ mode: 'dialogue', sampling: { strategy: 'random', seed: 7 }, max_steps: 2, strategy: 'mixed', temperature: 0.2, top_p: 0.7, max_new_tokens: 16, seed: 9, label_method: 'f1' }, 3)).toBe(
      'dialogue · 3 items (random, seed 7) · K=3 (mixed) · T 0.2 · top_p 0.7 · 16 tok · seed 9 · labels f1'
    );
  });
});

describe('bundled datasets', () => {
  // The testbed's dataset is copied into static/ by the build (scripts/assets.mjs) from testbed/, its source.
  const read = (path: string) =>
    readFileSync(new URL(path === '/data/testbed/dataset.jsonl' ? '../../testbed/dataset.jsonl' : `../../static${path}`, import.meta.url), 'utf8');

  it('readDataset reads Tiny QA: 8 items with alternating exact labels', () => {
    const r = readDataset(read('/data/qa/tiny_qa.jsonl'), 'tiny_qa.jsonl');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.items.map((i) => i.id)).toEqual(['tiny-01', 'tiny-02', 'tiny-03', 'tiny-04', 'tiny-05', 'tiny-06', 'tiny-07', 'tiny-08']);
    expect(r.value.items.map((i) => i.label)).toEqual([1, 0, 1, 0, 1, 0, 1, 1]);
    expect(r.value.items[0].answer).toEqual(['Paris']);
  });

  it('readDataset reads every bundled dataset', () => {
    const counts = Object.fromEntries(
      BUNDLED_DATASETS.map((d) => {
        const r = readDataset(read(d.path), d.path);
        return [d.id, r.ok ? r.value.items.length : r.issues[0].message];
      })
    );
    expect(counts).toEqual({ tiny_qa: 8, testbed: 3500, trivia_facts: 97, qampari: 100, fake_qampari: 100 });
    // Every testbed line keeps its label rule and attribute for the dataset judge (never in a prompt).
    const testbed = readDataset(read('/data/testbed/dataset.jsonl'), 'testbed');
    expect(testbed.ok && testbed.value.items.every((i) => i.meta?.label_rule === 'testbed-value/v1' && typeof i.meta?.attribute === 'string' && i.label === undefined)).toBe(true);
  });

  it('readDataset reports every bad record with its line, and an empty file', () => {
    const r = readDataset('{"question": "a?", "answer": "b"}\n{"question": \n[1]\n{"answer": "x"}\n', 'mine.jsonl');
    expect(!r.ok && r.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^mine\.jsonl:2: not valid JSON/),
      'mine.jsonl:3: a record must be a JSON object, got array',
      expect.stringMatching(/^mine\.jsonl:4: the record has no question/)
    ]);
    const empty = readDataset('  \n', 'e.json');
    expect(!empty.ok && empty.issues[0].message).toBe('e.json: the file is empty');
  });
});
