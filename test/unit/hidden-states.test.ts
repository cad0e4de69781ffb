import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeF16, encodeF16 } from '../../src/lib/core/float16';
import { decodeHiddenStates, encodeHiddenStates, hiddenStatesTurns, sliceLayers } from '../../src/lib/store/hiddenStates';
import { encodeSafetensors } from '../../src/lib/store/safetensors';

/** Values exactly representable in F16, so round trips compare with toEqual. */
function f16Values(n: number, seed: number): Float32Array {
  return decodeF16(encodeF16(Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 4)));
}

function pythonRead(bytes: Uint8Array): { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> } {
  const dir = mkdtempSync(join(tmpdir(), 'hidden-'));
  const file = join(dir, 'x.safetensors');
  writeFileSync(file, bytes);
  return JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

const layers = [13, 14, 15, 16];
const H = 3;
const turns = [
  { last_token_embedding: f16Values(12, 1), sec_last_token_embedding: f16Values(12, 2), last_tok_bef_gen_embedding: f16Values(12, 3) },
  null, // turn 1 timed out
  { last_token_embedding: f16Values(12, 4) }
];

describe('hidden-state files', () => {
  it('encodeHiddenStates writes turn{k}.<position> F16 tensors [layers, hidden] and string metadata, read back by the independent Python reader', () => {
    const bytes = encodeHiddenStates({ modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct', layers, hiddenSize: H, turns });
    const py = pythonRead(bytes);
    expect(py.metadata).toEqual({ format_version: '1', model_id: 'HuggingFaceTB/SmolLM2-135M-Instruct', layers: '[13,14,15,16]', hidden_size: '3' });
    expect(Object.keys(py.tensors).sort()).toEqual(['turn0.last_tok_bef_gen_embedding', 'turn0.last_token_embedding', 'turn0.sec_last_token_embedding', 'turn2.last_token_embedding']);
    const t = py.tensors['turn2.last_token_embedding'];
    expect(t.dtype).toBe('F16');
    expect(t.shape).toEqual([4, 3]);
    expect(t.values).toEqual(Array.from(turns[2]!.last_token_embedding));
  });

  it('decodeHiddenStates(encodeHiddenStates(x)) round-trips, and sliceLayers takes [a, b) over hidden-state indices', () => {
    const file = decodeHiddenStates(encodeHiddenStates({ modelId: 'm', layers, hiddenSize: H, turns: new Map([[0, turns[0]!], [2, turns[2]!]]) }), 'item.safetensors');
    expect(file.layers).toEqual(layers);
    expect(file.hiddenSize).toBe(3);
    expect(file.turns).toEqual([0, 2]);
    expect(file.tensor(0, 'sec_last_token_embedding')).toEqual(turns[0]!.sec_last_token_embedding);
    // [14, 16): indices 14 and 15 = rows 1 and 2.
    expect(sliceLayers(file, 'last_token_embedding', 2, [14, 16])).toEqual(turns[2]!.last_token_embedding.slice(3, 9));
    expect(sliceLayers(file, 'last_token_embedding', 0, [13, 17])).toEqual(turns[0]!.last_token_embedding);
    expect(sliceLayers(file, 'last_token_embedding', 1, [13, 14])).toBeNull();
    expect(sliceLayers(file, 'sec_last_token_embedding', 2, [13, 14])).toBeNull();
  });

  it('hiddenStatesTurns(file) gives the stored turns back, so a runner can append a turn and re-encode byte for byte', () => {
    const full = encodeHiddenStates({ modelId: 'm', layers, hiddenSize: H, turns });
    const partial = decodeHiddenStates(encodeHiddenStates({ modelId: 'm', layers, hiddenSize: H, turns: [{ last_tok_bef_gen_embedding: turns[0]!.last_tok_bef_gen_embedding, sec_last_token_embedding: turns[0]!.sec_last_token_embedding, last_token_embedding: turns[0]!.last_token_embedding }] }), 'a.safetensors');
    const again = encodeHiddenStates({ modelId: 'm', layers, hiddenSize: H, turns: hiddenStatesTurns(partial).set(2, turns[2]!) });
    expect(again).toEqual(full);
  });

  it('sliceLayers names the file and the indices when a layer was not stored', () => {
    const file = decodeHiddenStates(encodeHiddenStates({ modelId: 'm', layers: [13, 14, 16], hiddenSize: H, turns: [{ last_token_embedding: f16Values(9, 1) }] }), 'q_1.safetensors');
    expect(() => sliceLayers(file, 'last_token_embedding', 0, [13, 17])).toThrow('q_1.safetensors: layer range [13, 17) needs hidden-state indices 15, which were not stored; stored: [13, 14, 16]');
    expect(() => sliceLayers(file, 'last_token_embedding', 0, [20, 22])).toThrow('layer range [20, 22) needs hidden-state indices 20, 21');
    expect(() => sliceLayers(file, 'last_token_embedding', 0, [3, 3])).toThrow('layer range must be a,b with integers 0 ≤ a < b (half-open), got 3,3');
  });

  it('decodeHiddenStates refuses a newer format, missing or bad metadata, unknown tensors and wrong shapes, naming the file', () => {
    const tensor = { dtype: 'F16' as const, shape: [2, 2], data: encodeF16([1, 2, 3, 4]) };
    const meta = { format_version: '1', model_id: 'm', layers: '[1,2]' };
    const dec = (t: Record<string, typeof tensor>, m: Record<string, string>) => () => decodeHiddenStates(encodeSafetensors(t, m), 'a.safetensors');
    expect(dec({ 'turn0.last_token_embedding': tensor }, { ...meta, format_version: '2' })).toThrow('a.safetensors: format_version 2 is newer than this app reads (1); update SpikeScore Lab');
    expect(dec({}, { model_id: 'm', layers: '[1]' })).toThrow('a.safetensors: __metadata__.format_version is missing: not a SpikeScore Lab hidden-state file');
    expect(dec({}, { ...meta, layers: '[2,1]' })).toThrow('a.safetensors: __metadata__.layers must be strictly increasing, got [2,1] (from "[2,1]")');
    expect(dec({}, { ...meta, layers: 'thirteen' })).toThrow('__metadata__.layers must be a non-empty array of hidden-state indices');
    expect(dec({}, { format_version: '1', layers: '[1]' })).toThrow('a.safetensors: __metadata__.model_id is missing');
    expect(dec({ 'turn0.logits': tensor }, meta)).toThrow('a.safetensors: unexpected tensor "turn0.logits"; hidden-state tensors are named turn{k}.<position>');
    expect(dec({ 'turn0.last_token_embedding': { ...tensor, shape: [1, 4] } }, meta)).toThrow('a.safetensors: tensor "turn0.last_token_embedding" has shape [1, 4], expected [2, hidden] (2 stored layers)');
    expect(
      dec({ 'turn0.last_token_embedding': tensor, 'turn1.last_token_embedding': { dtype: 'F16', shape: [2, 1], data: encodeF16([1, 2]) } }, meta)
    ).toThrow('tensor "turn1.last_token_embedding" has shape [2, 1], expected [2, 2]');
  });

  it('encodeHiddenStates names bad inputs', () => {
    expect(() => encodeHiddenStates({ modelId: 'm', layers: [], hiddenSize: 2, turns: [] })).toThrow('layers must be a non-empty array of hidden-state indices, got []');
    expect(() => encodeHiddenStates({ modelId: 'm', layers: [1], hiddenSize: 2, turns: [{ last_token_embedding: new Float32Array(3) }] })).toThrow(
      'turn 0 last_token_embedding must be a Float32Array (or a Uint16Array of F16 bits) of layers × hidden = 1 × 2 = 2 values, got 3'
    );
    expect(() => encodeHiddenStates({ modelId: '', layers: [1], hiddenSize: 2, turns: [] })).toThrow('modelId must be a non-empty string, got ""');
  });

  it('encodeHiddenStates stores F16 bits as they are, and f16Bits and hiddenStatesTurns(file, "f16") give them back', () => {
    const bits = encodeF16(turns[0]!.last_token_embedding);
    const fromBits = encodeHiddenStates({ modelId: 'm', layers, hiddenSize: H, turns: [{ last_token_embedding: bits }] });
    const fromFloats = encodeHiddenStates({ modelId: 'm', layers, hiddenSize: H, turns: [{ last_token_embedding: turns[0]!.last_token_embedding }] });
    expect(fromBits).toEqual(fromFloats);
    const file = decodeHiddenStates(fromBits, 'b.safetensors');
    expect(file.f16Bits(0, 'last_token_embedding')).toEqual(bits);
    expect(file.f16Bits(0, 'sec_last_token_embedding')).toBeNull();
    expect(hiddenStatesTurns(file, 'f16').get(0)).toEqual({ last_token_embedding: bits });
    expect(() => encodeHiddenStates({ modelId: 'm', layers: [1], hiddenSize: 2, turns: [{ last_token_embedding: new Uint16Array(3) }] })).toThrow(
      'turn 0 last_token_embedding must be a Float32Array (or a Uint16Array of F16 bits) of layers × hidden = 1 × 2 = 2 values, got 3'
    );
  });

  it('decodeHiddenStates reads files without hidden_size (written before it existed) and refuses a dtype that is not a float', () => {
    const meta = { format_version: '1', model_id: 'm', layers: '[5]' };
    const old = decodeHiddenStates(encodeSafetensors({ 'turn1.last_token_embedding': { dtype: 'F16', shape: [1, 2], data: encodeF16([0.5, -2]) } }, meta), 'old.safetensors');
    expect(old.hiddenSize).toBe(2);
    expect(old.turns).toEqual([1]);
    expect(Array.from(old.tensor(1, 'last_token_embedding')!)).toEqual([0.5, -2]);
    expect(() => decodeHiddenStates(encodeSafetensors({ 'turn0.last_token_embedding': { dtype: 'I32', shape: [1, 2], data: new Int32Array(2) } }, meta), 'i.safetensors')).toThrow(
      'i.safetensors: tensor "turn0.last_token_embedding" is I32; hidden states are F16 (F32 and BF16 are read too)'
    );
  });
});
