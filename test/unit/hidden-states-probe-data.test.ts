import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeF16, encodeF16 } from '../../src/lib/core/float16';
import {
  decodeProbeDataTensors,
  encodeProbeDataJsonl,
  encodeProbeDataTensors,
  parseProbeDataJsonl,
  probeFeatures,
  type ProbeDataRecord
} from '../../src/lib/store/probeData';
import { encodeSafetensors } from '../../src/lib/store/safetensors';

function f16Values(n: number, seed: number): Float32Array {
  return decodeF16(encodeF16(Float32Array.from({ length: n }, (_, i) => Math.cos(seed * 3.7 + i) * 2)));
}

const record = (id: string, se: number | null, accuracy: 0 | 1 | null): ProbeDataRecord => ({
  id,
  question: `q ${id}?`,
  gold_answer: 'gold',
  most_likely_answer: 'answer',
  accuracy,
  semantic_entropy: se,
  samples: ['a', 'b']
});

describe('probe_data.jsonl', () => {
  it('parseProbeDataJsonl(encodeProbeDataJsonl(records)) round-trips and keeps extra fields', () => {
    const records = [record('nq:1', 0.5, 1), { ...record('nq/2', null, null), extra: { k: 1 } }];
    const r = parseProbeDataJsonl(encodeProbeDataJsonl(records), 'd/probe_data.jsonl');
    expect(r.ok && r.value).toEqual(records);
  });

  it('parseProbeDataJsonl names the line and field of every problem', () => {
    const lines = [
      JSON.stringify(record('a', 0.1, 1)),
      '{"id": ',
      JSON.stringify({ ...record('b', -1, 1), accuracy: 0.5 }),
      JSON.stringify({ id: 'c', question: 'q' }),
      JSON.stringify(record('a', 0.2, 0)),
      '',
      JSON.stringify({ ...record('a:x', 0.2, 0), samples: ['ok', 3] }),
      JSON.stringify(record('a/x', 0.2, 0))
    ].join('\n');
    const r = parseProbeDataJsonl(lines, 'probe_data.jsonl');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.issues.map((i) => i.message);
    expect(messages).toContain('probe_data.jsonl:2: not valid JSON (Unexpected end of JSON input)');
    expect(messages).toContain('probe_data.jsonl:3: accuracy must be 1 (correct), 0 (wrong) or null, got 0.5');
    expect(messages).toContain('probe_data.jsonl:3: semantic_entropy must be a finite number ≥ 0 or null, got -1');
    expect(messages).toContain('probe_data.jsonl:4: most_likely_answer must be a string, got undefined');
    expect(messages).toContain('probe_data.jsonl:4: gold_answer is missing (a string, a list of strings or null)');
    expect(messages).toContain('probe_data.jsonl:4: samples must be a list of answer strings, got undefined');
    expect(messages).toContain('probe_data.jsonl:5: id "a" repeats line 1');
    expect(messages).toContain('probe_data.jsonl:7: samples[1] must be a string, got number');
    expect(messages).toContain('probe_data.jsonl:8: id "a/x" has the same file-safe id "a_x" as line 7');
    expect(r.issues.find((i) => i.message.startsWith('probe_data.jsonl:3: accuracy'))?.path).toEqual(['accuracy']);
  });

  it('parseProbeDataJsonl of an empty file is an issue: no records', () => {
    const r = parseProbeDataJsonl('\n\n', 'x/probe_data.jsonl');
    expect(!r.ok && r.issues[0].message).toBe('x/probe_data.jsonl: no records');
  });
});

describe('probe_data.safetensors', () => {
  const layers = [0, 1, 2];
  const H = 4;
  const items = [
    { id: 'nq:1', hidden: { last_tok_bef_gen_embedding: f16Values(12, 1), last_token_embedding: f16Values(12, 2) } },
    { id: 'nq:2', hidden: { last_token_embedding: f16Values(12, 3) } }
  ];

  it('encodeProbeDataTensors writes {safe_id}.<position> F16 tensors with the metadata, read back by the independent Python reader', () => {
    const bytes = encodeProbeDataTensors({ modelId: 'm', layers, hiddenSize: H, items });
    const dir = mkdtempSync(join(tmpdir(), 'pd-'));
    writeFileSync(join(dir, 'probe_data.safetensors'), bytes);
    const py = JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', join(dir, 'probe_data.safetensors')], { encoding: 'utf8' }));
    expect(py.metadata).toEqual({ format_version: '1', model_id: 'm', layers: '[0,1,2]', hidden_size: '4' });
    expect(Object.keys(py.tensors).sort()).toEqual(['nq_1.last_tok_bef_gen_embedding', 'nq_1.last_token_embedding', 'nq_2.last_token_embedding']);
    expect(py.tensors['nq_1.last_tok_bef_gen_embedding']).toEqual({ dtype: 'F16', shape: [3, 4], values: Array.from(items[0].hidden.last_tok_bef_gen_embedding!) });
  });

  it('probeFeatures(records, tensors, position, [a, b)) stacks the selected layers of each record and lists missing ones', () => {
    const tensors = decodeProbeDataTensors(encodeProbeDataTensors({ modelId: 'm', layers, hiddenSize: H, items }), 'd/probe_data.safetensors');
    const records = [record('nq:1', 0.1, 1), record('nq:2', 0.9, 0)];
    const slt = probeFeatures(records, tensors, 'last_token_embedding', [1, 3]);
    expect(slt.n).toBe(2);
    expect(slt.d).toBe(8);
    expect(Array.from(slt.X.subarray(0, 8))).toEqual(Array.from(items[0].hidden.last_token_embedding.subarray(4, 12)));
    expect(Array.from(slt.X.subarray(8, 16))).toEqual(Array.from(items[1].hidden.last_token_embedding.subarray(4, 12)));
    const tbg = probeFeatures(records, tensors, 'last_tok_bef_gen_embedding', [0, 1]);
    expect(tbg.n).toBe(1);
    expect(tbg.missing).toEqual(['nq:2']);
    expect(probeFeatures(records, tensors, 'last_token_embedding', [0, 3], (r) => r.accuracy === 0).records.map((r) => r.id)).toEqual(['nq:2']);
    expect(() => probeFeatures(records, tensors, 'last_token_embedding', [2, 5])).toThrow('d/probe_data.safetensors: layer range [2, 5) needs hidden-state indices 3, 4, which were not stored; stored: [0, 1, 2]');
    expect(() => probeFeatures(records, tensors, 'sec_last_token_embedding', [0, 1])).toThrow('probe data keeps last_tok_bef_gen_embedding and last_token_embedding; sec_last_token_embedding is not stored there');
  });

  it('decodeProbeDataTensors names unexpected tensors and bad shapes', () => {
    const bytes = encodeProbeDataTensors({ modelId: 'm', layers: [0], hiddenSize: 2, items: [{ id: 'x', hidden: { last_token_embedding: new Float32Array(2) } }] });
    expect(() => decodeProbeDataTensors(bytes.slice(0, bytes.length - 1), 'p.safetensors')).toThrow('p.safetensors is not a valid safetensors file');
    const meta = { format_version: '1', model_id: 'm', layers: '[0]' };
    const odd = encodeSafetensors({ 'x.logits': { dtype: 'F16', shape: [1, 2], data: encodeF16([1, 2]) } }, meta);
    expect(() => decodeProbeDataTensors(odd, 'p.safetensors')).toThrow('p.safetensors: unexpected tensor "x.logits"; probe-data tensors are named {safe_id}.last_tok_bef_gen_embedding or {safe_id}.last_token_embedding');
    const wide = encodeSafetensors({ 'x.last_token_embedding': { dtype: 'F16', shape: [2, 1], data: encodeF16([1, 2]) } }, meta);
    expect(() => decodeProbeDataTensors(wide, 'p.safetensors')).toThrow('p.safetensors: tensor "x.last_token_embedding" has shape [2, 1], expected [1, hidden] (1 stored layers)');
    expect(() => decodeProbeDataTensors(encodeSafetensors({}, { ...meta, format_version: '7' }), 'p.safetensors')).toThrow('format_version 7 is newer than this app reads (1)');
    expect(() => encodeProbeDataTensors({ modelId: 'm', layers: [0], hiddenSize: 2, items: [{ id: 'x', hidden: { sec_last_token_embedding: new Float32Array(2) } }] })).toThrow(
      'item x: probe data keeps last_tok_bef_gen_embedding and last_token_embedding, got "sec_last_token_embedding"'
    );
    expect(() =>
      encodeProbeDataTensors({ modelId: 'm', layers: [0], hiddenSize: 2, items: [{ id: 'a:b', hidden: { last_token_embedding: new Float32Array(2) } }, { id: 'a/b', hidden: { last_token_embedding: new Float32Array(2) } }] })
    ).toThrow('item a/b: tensor "a_b.last_token_embedding" is written twice (ids with the same file-safe id)');
  });
});
