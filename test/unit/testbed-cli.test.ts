/**
 * `spikescore run` without a model_path: the built-in knowledge testbed, written once into the model cache, on
 * its own dataset, labelled exactly by its rule (label_method "dataset", the default for such a dataset).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/cli/commands/run';
import { runCli } from '../../src/cli/main';
import { TESTBED_DIR } from '../../src/lib/engine/testbed/files';
import { ensureTestbedModel } from '../../src/lib/engine/testbed/ensureTestbedModel';
import { parseTestbedDataset } from '../../src/lib/engine/testbed/dataset';
import { testbedJudge } from '../../src/lib/engine/testbed/label';
import { captureIO } from './captureIO';

const ITEMS = parseTestbedDataset(readFileSync(join(TESTBED_DIR, 'dataset.jsonl'), 'utf8'));

// Every folder a test makes (model caches are ~7 MB) is removed after it.
const made: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
};
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workspace(items: readonly object[], config: Record<string, unknown> = {}) {
  const dir = temp('testbed-cli-');
  writeFileSync(join(dir, 'data.jsonl'), items.map((i) => JSON.stringify(i)).join('\n') + '\n');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ dataset_path: 'data.jsonl', output_dir: 'out', max_steps: 2, temperature: 0.2, top_p: 0.7, max_new_tokens: 24, seed: 0, ...config }));
  return dir;
}

describe('spikescore run on the built-in testbed', () => {
  it('runs without model_path, labels every item by the knowledge base, and reuses the cached model folder', async () => {
    const cache = temp('testbed-cache-');
    const frequent = ITEMS.find((i) => i.tier === 'frequent' && i.split === 'heldout')!;
    const never = ITEMS.find((i) => i.tier === 'never')!;
    const dir = workspace([frequent, never]);
    const c = captureIO(dir, { XDG_CACHE_HOME: cache });
    expect(await runCli(['run', 'config.json'], c.io, [runCommand])).toBe(0);
    expect(c.err).toContain('writing the built-in testbed model');
    expect(c.err).toContain('labels: every item carries an exact label or label rule; label_method "dataset"');
    expect(c.err).toContain('model testbed: 4 layers, hidden 128');
    const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8'));
    expect(manifest.provenance.model_id).toBe('testbed');
    expect(manifest.config.label_method).toBe('dataset');
    for (const item of [frequent, never]) {
      const r = JSON.parse(readFileSync(join(dir, 'out', `${item.id}.json`), 'utf8'));
      expect(r.reasoning_chain).toHaveLength(3);
      expect(r.label_source).toBe('dataset');
      // The stored label is the rule applied to the turn-0 answer, whatever the model said.
      expect(r.nli_label).toBe(testbedJudge(item, r.reasoning_chain[0].response).label);
      for (const turn of r.reasoning_chain) expect(Number.isFinite(turn.metrics.entropy_mean)).toBe(true);
    }
    // The frequent fact is known (held-out accuracy 0.996): greedy-ish sampling states its value.
    expect(JSON.parse(readFileSync(join(dir, 'out', `${frequent.id}.json`), 'utf8')).nli_label).toBe(1);

    // A second run loads the folder written by the first.
    const dir2 = workspace([frequent]);
    const c2 = captureIO(dir2, { XDG_CACHE_HOME: cache });
    expect(await runCli(['run', 'config.json'], c2.io, [runCommand])).toBe(0);
    expect(c2.err).not.toContain('writing the built-in testbed model');
    expect(readdirSync(join(cache, 'spikescore/models')).filter((n) => n.startsWith('builtin-testbed-'))).toHaveLength(1);
    // Same config and seed, same run.
    const a = JSON.parse(readFileSync(join(dir, 'out', `${frequent.id}.json`), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir2, 'out', `${frequent.id}.json`), 'utf8'));
    expect(b.reasoning_chain.map((t: { response: string }) => t.response)).toEqual(a.reasoning_chain.map((t: { response: string }) => t.response));
  }, 60_000);

  it('an explicit label_method wins over the dataset labels', async () => {
    const cache = temp('testbed-cache-');
    const dir = workspace([ITEMS[0]], { label_method: 'match', max_steps: 0 });
    const c = captureIO(dir, { XDG_CACHE_HOME: cache });
    expect(await runCli(['run', 'config.json'], c.io, [runCommand])).toBe(0);
    expect(c.err).not.toContain('label_method "dataset"');
    expect(JSON.parse(readFileSync(join(dir, 'out', `${ITEMS[0].id}.json`), 'utf8')).label_source).toBe('match');
  }, 60_000);

  it('a resumed run keeps the label method it started with when the config names none', async () => {
    const cache = temp('testbed-cache-');
    const dir = workspace([ITEMS[0]], { label_method: 'match', max_steps: 0 });
    expect(await runCli(['run', 'config.json'], captureIO(dir, { XDG_CACHE_HOME: cache }).io, [runCommand])).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    delete config.label_method;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const c = captureIO(dir, { XDG_CACHE_HOME: cache });
    expect(await runCli(['run', 'config.json', '--resume'], c.io, [runCommand])).toBe(0);
    expect(c.err).toContain('labels: label_method "match", as the run in');
    expect(JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')).config.label_method).toBe('match');
  }, 60_000);

  it('missing or broken testbed files give an error naming the file, and a failed write leaves no folder behind', async () => {
    const cache = temp('testbed-cache-');
    const empty = temp('testbed-src-');
    await expect(ensureTestbedModel(cache, { sourceDir: empty })).rejects.toThrow(`${join(empty, 'weights.safetensors')}, which is missing`);
    const broken = temp('testbed-src-');
    for (const f of ['weights.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'values.json']) copyFileSync(join(TESTBED_DIR, f), join(broken, f));
    writeFileSync(join(broken, 'eval.json'), '{"single_turn": ');
    await expect(ensureTestbedModel(cache, { sourceDir: broken })).rejects.toThrow(`${join(broken, 'eval.json')} is not valid JSON`);
    writeFileSync(join(broken, 'eval.json'), '{}');
    writeFileSync(join(broken, 'tokenizer.json'), '{"model": {}}');
    await expect(ensureTestbedModel(cache, { sourceDir: broken })).rejects.toThrow(`${join(broken, 'tokenizer.json')} has no model.vocab`);
    writeFileSync(join(broken, 'weights.safetensors'), new Uint8Array([1, 2, 3]));
    await expect(ensureTestbedModel(cache, { sourceDir: broken })).rejects.toThrow(/weights\.safetensors/);
    expect(readdirSync(cache)).toEqual([]);
    // A write that fails midway (a full disk, say) after some files are written: nothing is left where a later
    // run would look, and no temporary folder either.
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const failing = async (d: string) => {
      mkdirSync(join(d, 'onnx'), { recursive: true });
      writeFileSync(join(d, 'config.json'), '{}');
      writeFileSync(join(d, 'onnx', 'model.onnx'), new Uint8Array(1000));
      throw full;
    };
    await expect(ensureTestbedModel(cache, { write: failing })).rejects.toThrow('ENOSPC');
    expect(readdirSync(cache)).toEqual([]);
    // The next attempt writes the whole folder.
    const dir = await ensureTestbedModel(cache);
    expect(readdirSync(cache)).toEqual([dir.split('/').pop()]);
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual(['model.onnx', 'model_fp16.onnx']);
  });
});
