import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/lib/core/config/runConfig';
import { parseDataset } from '../../src/lib/core/datasets/parseDataset';
import { unwrap } from '../../src/lib/core/issues';
import { runProbeData, type ProbeDataHidden, type ProbeDataRecord, type ProbeDataSink } from '../../src/lib/core/runner/runProbeData';
import type { ItemError } from '../../src/lib/core/runner/types';
import { BOS, FakeModel } from './runner-fakeModel';

const items = unwrap(parseDataset('{"id": "p1", "question": "Who painted the Falubian flag", "answer": "Ida GOLD-PAINTER"}\n{"id": "p2", "question": "Capital of Falubia?", "context": "Falubia lies north.", "answer": ["Hartton"]}\n', { where: 'p.jsonl' })).items;
const config = unwrap(parseRunConfig({ mode: 'probe_data', num_samples: 4, seed: 9, capture: { layers: [2, 5] } }));

class MemoryProbeSink implements ProbeDataSink {
  readonly records = new Map<string, ProbeDataRecord>();
  readonly hidden = new Map<string, ProbeDataHidden>();
  readonly errors: ItemError[] = [];
  async has(id: string) {
    return this.records.has(id);
  }
  async put(record: ProbeDataRecord, hidden: ProbeDataHidden) {
    this.records.set(record.id, record);
    this.hidden.set(record.id, hidden);
  }
  async saveError(e: ItemError) {
    this.errors.push(e);
  }
}

describe('runProbeData', () => {
  it('runProbeData makes one low-temperature answer with hidden states and N samples as ONE generateBatch call per question', async () => {
    const model = new FakeModel();
    const sink = new MemoryProbeSink();
    const seCalls: [string, readonly string[]][] = [];
    const summary = await runProbeData({
      model,
      config,
      items,
      sink,
      semanticEntropy: async (q, answers) => {
        seCalls.push([q, answers]);
        return { se: 0.6931, ids: answers.map((_, i) => i % 2) };
      },
      labeller: { label: async (_q, golds, answer) => ({ label: answer.includes(golds[0]) ? 1 : 0, source: 'match' }) }
    });
    expect(summary).toEqual({ items: 2, completed: 2, skipped: 0, failed: 0, labelFailures: 0, seFailures: 0 });
    // Per question: the generate call (most likely), then one batch of 4.
    expect(model.fed.map((f) => [f.options.temperature, f.batch])).toEqual([
      [0.1, 1], [1, 4], [1, 4], [1, 4], [1, 4],
      [0.1, 1], [1, 4], [1, 4], [1, 4], [1, 4]
    ]);
    expect(model.calls).toBe(4);
    const first = model.fed[0];
    expect(first.text).toBe('Answer the following question in a single brief but complete sentence.\nQuestion: Who painted the Falubian flag\nAnswer:');
    expect(first.ids[0]).toBe(BOS);
    expect(first.options).toMatchObject({ topP: 1, maxNewTokens: 100, seed: [9, 'p1', 'most_likely'], capture: { positions: ['last_tok_bef_gen_embedding', 'last_token_embedding'], layers: [2, 3, 4] } });
    expect(first.options.stopStrings).toEqual(['\n\n\n\n', '\n\n\n', '\n\n', '\n', 'Question:', 'Context:']);
    expect(model.fed[1].options.seed).toEqual([9, 'p1', 'sample', 0]);
    expect(model.fed[4].options.seed).toEqual([9, 'p1', 'sample', 3]);
    // The context stays out unless use_context is set, and the gold never enters.
    for (const p of model.prompts) {
      expect(p).not.toContain('GOLD-PAINTER');
      expect(p).not.toContain('Hartton');
      expect(p).not.toContain('Falubia lies north');
    }
    const rec = sink.records.get('p1')!;
    expect(rec).toMatchObject({ format_version: 1, id: 'p1', gold_answer: 'Ida GOLD-PAINTER', accuracy: 0, label_source: 'match', semantic_entropy: 0.6931, se_reason: null, semantic_ids: [0, 1, 0, 1] });
    expect(rec.samples.length).toBe(4);
    expect(seCalls[0]).toEqual(['Who painted the Falubian flag', rec.samples.map((s) => s.text)]);
    expect(rec.most_likely_answer).toBe(rec.most_likely_answer.trim());
    const h = sink.hidden.get('p1')!;
    expect(h.layers).toEqual([2, 3, 4]);
    expect(h.last_tok_bef_gen_embedding.length).toBe(3 * 6);
    expect(h.last_token_embedding.length).toBe(3 * 6);
  });

  it('runProbeData shows the context with use_context, skips questions already written, and records failures', async () => {
    const cfg = unwrap(parseRunConfig({ mode: 'probe_data', num_samples: 2, seed: 9, use_context: true }));
    const sink = new MemoryProbeSink();
    const model = new FakeModel({ timeoutWhen: (p) => p.includes('Capital') && !p.includes('zzz') });
    const se = async () => ({ se: null, reason: 'entailment_failed' });
    const s1 = await runProbeData({ model, config: cfg, items, sink, semanticEntropy: se });
    expect(s1).toMatchObject({ completed: 1, failed: 1, seFailures: 1 });
    expect(sink.errors.map((e) => [e.id, e.error])).toEqual([['p2', 'the most-likely answer timed out after 180 s']]);
    expect(model.prompts.find((p) => p.includes('Capital'))).toContain('Context: Falubia lies north.\nQuestion: Capital of Falubia?\nAnswer:');
    expect(sink.records.get('p1')).toMatchObject({ semantic_entropy: null, se_reason: 'entailment_failed', accuracy: null });

    const again = new FakeModel();
    const s2 = await runProbeData({ model: again, config: cfg, items, sink, semanticEntropy: async () => ({ se: 0 }) });
    expect(s2).toMatchObject({ completed: 1, skipped: 1, failed: 0 });
    expect(again.prompts.every((p) => p.includes('Capital'))).toBe(true);
  });

  it('runProbeData stops on cancellation without writing the question in progress', async () => {
    const controller = new AbortController();
    const sink = new MemoryProbeSink();
    await expect(
      runProbeData({ model: new FakeModel({ abortAt: { call: 2, controller } }), config, items, sink, signal: controller.signal, semanticEntropy: async () => ({ se: 0 }) })
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect([...sink.records.keys()]).toEqual([]);
  });
});
