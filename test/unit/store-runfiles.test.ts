import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeF16 } from '../../src/lib/core/float16';
import type { TurnHidden } from '../../src/lib/core/runner/types';
import { isItemFileName, listItemFiles, readRunManifest, reservedIdProblem, RunDirSink } from '../../src/lib/store/node/runDir';
import { decodeHiddenStates } from '../../src/lib/store/hiddenStates';
import type { ItemResult } from '../../src/lib/core/itemResult';

const turn = (layers: number[], h: number, fill = 0.5): TurnHidden => ({ layers, hiddenSize: h, positions: { last_token_embedding: encodeF16(new Array(layers.length * h).fill(fill)) } });

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

  it('RunDirSink.save writes the turns it has as one hidden-state file and refuses a turn with another layer set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rundir-'));
    const sink = new RunDirSink(dir, 'm/x');
    const item = (n: number) => ({ id: 'a', question: 'q', gold_answer: 'g', nli_label: null, reasoning_chain: Array.from({ length: n }, (_, step) => ({ step })) }) as unknown as ItemResult;
    await sink.save(item(1), { step: 0, hidden: turn([3, 4], 2, -1) });
    await sink.save(item(2), { step: 1, hidden: null });
    await sink.save(item(3), { step: 2, hidden: turn([3, 4], 2, 0.25) });
    const file = decodeHiddenStates(readFileSync(join(dir, 'a.safetensors')), 'a.safetensors');
    expect(file.modelId).toBe('m/x');
    expect(file.layers).toEqual([3, 4]);
    expect(file.turns).toEqual([0, 2]);
    expect(Array.from(file.tensor(2, 'last_token_embedding')!)).toEqual([0.25, 0.25, 0.25, 0.25]);
    // A new sink (a resumed session) reads the file back before adding a turn.
    await expect(new RunDirSink(dir, 'm/x').save(item(4), { step: 3, hidden: turn([3], 2) })).rejects.toThrow(
      `${join(dir, 'a.safetensors')}: turn 3 stores layers [3] × 2, but the file holds [3,4] × 2; one file holds one layer set`
    );
  });
});
