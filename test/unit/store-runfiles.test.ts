import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeF16 } from '../../src/lib/core/float16';
import type { TurnHidden } from '../../src/lib/core/runner/types';
import { decodeItemHidden, encodeItemHidden } from '../../src/lib/store/itemHidden';
import { isItemFileName, listItemFiles, readRunManifest, reservedIdProblem, RunDirSink } from '../../src/lib/store/node/runDir';
import { encodeSafetensors } from '../../src/lib/store/safetensors';

const turn = (layers: number[], h: number, fill = 0.5): TurnHidden => ({ layers, hiddenSize: h, positions: { last_token_embedding: encodeF16(new Array(layers.length * h).fill(fill)) } });

describe('item hidden-state files', () => {
  it('encodeItemHidden then decodeItemHidden round-trips turns, layers and values', () => {
    const bytes = encodeItemHidden(new Map([[2, turn([3, 4], 2, 0.25)], [0, turn([3, 4], 2, -1)]]), 'm/x');
    const back = decodeItemHidden(bytes, 'x.safetensors');
    expect(back.modelId).toBe('m/x');
    expect(back.layers).toEqual([3, 4]);
    expect(back.hiddenSize).toBe(2);
    expect([...back.turns.keys()]).toEqual([0, 2]);
    expect(Array.from(back.turns.get(2)!.positions.last_token_embedding!)).toEqual(Array.from(encodeF16([0.25, 0.25, 0.25, 0.25])));
  });

  it('encodeItemHidden refuses turns with different layer sets and an empty map', () => {
    expect(() => encodeItemHidden(new Map([[0, turn([1, 2], 2)], [1, turn([1], 2)]]), 'm')).toThrow(
      'encodeItemHidden: turn 1 stores layers [1] × 2, but turn 0 stores [1,2] × 2; one file holds one layer set'
    );
    expect(() => encodeItemHidden(new Map(), 'm')).toThrow('encodeItemHidden: no turns to write');
  });

  it('decodeItemHidden names the file and every problem: version, metadata, names, dtype and shapes', () => {
    const f16 = (n: number) => ({ dtype: 'F16' as const, shape: [1, n], data: encodeF16(new Array(n).fill(0)) });
    expect(() => decodeItemHidden(encodeSafetensors({ 'turn0.last_token_embedding': f16(2) }, { format_version: '2', model_id: 'm', layers: '[0]' }), 'n.safetensors')).toThrow(
      'n.safetensors: format_version 2 is newer than this app reads (1); update SpikeScore Lab'
    );
    const bad = encodeSafetensors(
      {
        'turn0.last_token_embedding': f16(2),
        'turn0.first_token': f16(2),
        'layer3': f16(2),
        'turn1.last_token_embedding': { dtype: 'F32', shape: [1, 2], data: new Float32Array(2) },
        'turn2.last_token_embedding': { dtype: 'F16', shape: [2, 2], data: encodeF16([0, 0, 0, 0]) },
        'turn3.last_token_embedding': f16(3)
      },
      { format_version: 'one', layers: '13,14' }
    );
    let msg = '';
    try {
      decodeItemHidden(bad, 'b.safetensors');
    } catch (e) {
      msg = (e as Error).message;
    }
    for (const line of [
      'b.safetensors: __metadata__.format_version must be a positive integer string, got "one"',
      'b.safetensors: __metadata__.layers must be a JSON array of hidden-state indices in a string (e.g. "[13,14,15]"), got "13,14"',
      'b.safetensors: __metadata__.model_id is missing',
      'b.safetensors: tensor "turn0.first_token" is not named turn{k}.<position> with position one of last_token_embedding, sec_last_token_embedding, last_tok_bef_gen_embedding',
      'b.safetensors: tensor "layer3" is not named turn{k}.<position>',
      'b.safetensors: tensor "turn1.last_token_embedding" is F32; hidden states are stored as F16',
      'b.safetensors: tensor "turn2.last_token_embedding" has shape [2, 2], but __metadata__.layers lists 0 layers'
    ]) expect(msg).toContain(line);
    const sizes = encodeSafetensors({ 'turn0.last_token_embedding': f16(2), 'turn1.last_token_embedding': f16(3) }, { format_version: '1', model_id: 'm', layers: '[5]' });
    expect(() => decodeItemHidden(sizes, 's.safetensors')).toThrow('s.safetensors: tensor "turn1.last_token_embedding" has hidden size 3, other tensors 2');
  });
});

describe('run directory', () => {
  it('isItemFileName keeps item files only, and reservedIdProblem names ids that would collide', () => {
    expect(['a.json', 'manifest.json', 'progress.json', 'a_error.json', '.a.json.1.tmp', 'a.safetensors'].filter(isItemFileName)).toEqual(['a.json']);
    expect(reservedIdProblem('manifest')).toBe('item id "manifest" would be stored as manifest.json, a name the run directory reserves');
    expect(reservedIdProblem('..')).toBe('item id ".." cannot be a file name');
    expect(reservedIdProblem('coqa:3/1')).toBeNull();
  });

  it('RunDirSink.loadItem refuses a file holding another item, and readRunManifest a newer manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rundir-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ id: 'b', reasoning_chain: [] }));
    await expect(new RunDirSink(dir, 'm').loadItem('a')).rejects.toThrow(`${join(dir, 'a.json')} holds item "b", not "a"`);
    expect(await new RunDirSink(dir, 'm').loadItem('zzz')).toBeNull();
    expect(await listItemFiles(dir)).toEqual(['a.json']);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format_version: 5, config: {} }));
    await expect(readRunManifest(dir)).rejects.toThrow(`${join(dir, 'manifest.json')}: format_version 5 is newer than this app reads (1); update SpikeScore Lab`);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ hello: 1 }));
    await expect(readRunManifest(dir)).rejects.toThrow('not a run manifest (needs format_version and config)');
  });
});
