import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeHiddenStates } from '../../src/lib/store/hiddenStates';

/** Writes a seed-style pickle {step: {position: array[n_layers + 1, H]}} with numpy arrays (no torch needed). */
function seedPickle(dir: string): string {
  const file = join(dir, 'coqa_7_1.pkl');
  const py = `
import pickle, numpy as np
def t(step, p):
    return (np.arange(5 * 4, dtype=np.float32).reshape(5, 4) / 8 + step + p / 4)
data = {0: {'last_token_embedding': t(0, 0), 'sec_last_token_embedding': t(0, 1), 'last_tok_bef_gen_embedding': t(0, 2)},
        1: {'last_token_embedding': np.ones((1, 4), np.float32), 'sec_last_token_embedding': t(1, 1), 'last_tok_bef_gen_embedding': t(1, 2)},
        2: {'last_token_embedding': None, 'sec_last_token_embedding': None, 'last_tok_bef_gen_embedding': None}}
pickle.dump(data, open(${JSON.stringify(file)}, 'wb'))
`;
  execFileSync('python3', ['-c', py]);
  return file;
}

describe('scripts/pkl_to_safetensors.py', () => {
  it('converts a seed pickle into the app hidden-state file, read by our reader and an independent one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkl-'));
    const pkl = seedPickle(dir);
    const r = spawnSync('python3', ['scripts/pkl_to_safetensors.py', pkl, '--model-id', 'meta-llama/Llama-3.2-3B-Instruct', '--layers', '1,4'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('warning: turn1.last_token_embedding has 1 layers, not 5: skipped');
    const out = join(dir, 'coqa_7_1.safetensors');
    const ours = decodeHiddenStates(readFileSync(out), 'coqa_7_1.safetensors');
    expect(ours.modelId).toBe('meta-llama/Llama-3.2-3B-Instruct');
    expect(ours.layers).toEqual([1, 2, 3]);
    expect(ours.turns).toEqual([0, 1]);
    expect(ours.tensor(1, 'last_token_embedding')).toBeNull();
    // Row l of t(step, p) is (4 l + j) / 8 + step + p / 4; layers 1..3 kept. turn1.sec_last: step 1, p 1.
    const v = Array.from(ours.tensor(1, 'sec_last_token_embedding')!);
    expect(v).toEqual([1, 2, 3].flatMap((l) => [0, 1, 2, 3].map((j) => (4 * l + j) / 8 + 1 + 0.25)));
    const py = JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', out], { encoding: 'utf8' }));
    expect(py.metadata).toEqual({ format_version: '1', model_id: 'meta-llama/Llama-3.2-3B-Instruct', layers: '[1,2,3]', converted_from: 'seed-pkl (last index has the final norm applied)' });
    expect(py.tensors['turn1.sec_last_token_embedding'].values).toEqual(v);
  });

  it('refuses a layer range outside the stored indices', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pkl-'));
    const pkl = seedPickle(dir);
    const r = spawnSync('python3', ['scripts/pkl_to_safetensors.py', pkl, '--model-id', 'm', '--layers', '3,9'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ValueError: --layers 3,9 is outside the 5 stored hidden-state indices [0, 5)');
  });
});
