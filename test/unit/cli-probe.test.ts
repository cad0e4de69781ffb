import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { decodeF16, encodeF16 } from '../../src/lib/core/float16';
import { keyedRandom } from '../../src/lib/core/random';
import { bestSplit } from '../../src/lib/core/semantic/bestSplit';
import { encodeHiddenStates, decodeHiddenStates, sliceLayers } from '../../src/lib/store/hiddenStates';
import { encodeProbeDataJsonl, encodeProbeDataTensors, type ProbeDataRecord } from '../../src/lib/store/probeData';
import { decodeProbeFile } from '../../src/lib/store/probeFile';

const LAYERS = [0, 1, 2, 3];
const H = 4;

function io(cwd: string): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, env: {}, out, err };
}

/** F16-exact random hidden states; feature 0 of layer 2 drives SE and correctness. */
function hiddenFor(r: ReturnType<typeof keyedRandom>, signal: number): Float32Array {
  const v = Float32Array.from({ length: LAYERS.length * H }, () => r.normal());
  v[2 * H] = signal;
  return decodeF16(encodeF16(v));
}

/** A probe-data folder of n items; `model` names the model in the metadata. */
function probeDataDir(root: string, name: string, n: number, seed: number, model = 'test/model'): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const r = keyedRandom(seed, name);
  const records: ProbeDataRecord[] = [];
  const items: { id: string; hidden: Record<string, Float32Array> }[] = [];
  for (let i = 0; i < n; i++) {
    const signal = r.normal() * 2;
    const id = `${name}:${i}`;
    const high = signal > 0;
    records.push({ id, question: `q${i}`, gold_answer: 'a', most_likely_answer: 'b', accuracy: high ? 0 : 1, semantic_entropy: high ? 1.2 + 0.2 * r() : 0.1 * r(), samples: ['x'] });
    items.push({ id, hidden: { last_token_embedding: hiddenFor(r, signal), last_tok_bef_gen_embedding: hiddenFor(r, -signal) } });
  }
  records.push({ id: `${name}:null`, question: 'q', gold_answer: null, most_likely_answer: 'b', accuracy: null, semantic_entropy: null, samples: [] });
  writeFileSync(join(dir, 'probe_data.jsonl'), encodeProbeDataJsonl(records));
  writeFileSync(join(dir, 'probe_data.safetensors'), encodeProbeDataTensors({ modelId: model, layers: LAYERS, hiddenSize: H, items }));
  return dir;
}

function pythonRead(file: string) {
  return JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', file], { encoding: 'utf8' }));
}

describe('spikescore probe train', () => {
  const root = mkdtempSync(join(tmpdir(), 'cli-probe-'));
  probeDataDir(root, 'nq', 60, 1);
  probeDataDir(root, 'trivia', 50, 2);

  it('probe train --kind sep binarises SE at the best split pooled over the folders and saves a probe the Python reader reads', async () => {
    const cli = io(root);
    const status = await runCli(['probe', 'train', '--data-dirs', 'nq,trivia', '--save', 'sep.safetensors', '--layer-range', '1,3'], cli);
    expect(cli.err.join('')).toContain('probe train: sep on 110 items from 2 folder(s), last_token_embedding, layers [1, 3), 8 features, model test/model');
    expect(status).toBe(0);
    expect(cli.out.join('')).toMatch(/^saved sep probe to sep\.safetensors: 99 training and 11 validation items; validation log_loss/);
    const probe = decodeProbeFile(readFileSync(join(root, 'sep.safetensors')), 'sep.safetensors');
    const pooled = ['nq', 'trivia'].flatMap((d) =>
      readFileSync(join(root, d, 'probe_data.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).semantic_entropy).filter((v: number | null) => v !== null)
    );
    expect(probe.header).toMatchObject({ kind: 'sep', model_id: 'test/model', token_position: 'last_token_embedding', layer_range: [1, 3], hidden_size: 4, input_dim: 8 });
    expect(probe.header.training!.labels).toMatchObject({ threshold: bestSplit(pooled).threshold, skipped_without_target: 2, skipped_without_tensor: 0 });
    expect(probe.header.training!.validation.accuracy).toBeGreaterThan(0.8);
    const py = pythonRead(join(root, 'sep.safetensors'));
    expect(JSON.parse(py.metadata.probe).kind).toBe('sep');
    expect(py.tensors.coef.shape).toEqual([8]);
  });

  it('probe train --kind sep-mlp and --kind saplma train on raw SE and on accuracy, over every stored layer by default', async () => {
    for (const kind of ['sep-mlp', 'saplma']) {
      const cli = io(root);
      const status = await runCli(['probe', 'train', '--data-dirs', 'nq', '--save', `${kind}.safetensors`, '--kind', kind, '--token-key', 'last_tok_bef_gen_embedding', '--seed', '3'], cli);
      expect(status, cli.err.join('')).toBe(0);
      const probe = decodeProbeFile(readFileSync(join(root, `${kind}.safetensors`)), kind);
      expect(probe.header).toMatchObject({ kind, token_position: 'last_tok_bef_gen_embedding', layer_range: [0, 4], input_dim: 16 });
      expect(probe.header.training!.seed).toBe(3);
      expect(cli.err.join('')).toContain('epoch 1: train');
    }
  });

  it('probe train names the file and line of bad data, and refuses mixed models, missing layers and empty data', async () => {
    const bad = join(root, 'bad');
    probeDataDir(root, 'bad', 5, 9);
    writeFileSync(join(bad, 'probe_data.jsonl'), readFileSync(join(bad, 'probe_data.jsonl'), 'utf8') + '{"id": "z", "accuracy": 2}\n');
    let cli = io(root);
    expect(await runCli(['probe', 'train', '--data-dirs', 'bad', '--save', 'x.safetensors'], cli)).toBe(2);
    expect(cli.err.join('')).toContain(`${join(bad, 'probe_data.jsonl')}:7: accuracy must be 1 (correct), 0 (wrong) or null, got 2`);

    cli = io(root);
    expect(await runCli(['probe', 'train', '--data-dirs', 'nq,nowhere', '--save', 'x.safetensors'], cli)).toBe(2);
    expect(cli.err.join('')).toContain(`${join(root, 'nowhere', 'probe_data.jsonl')}: no such file (write probe data with \`spikescore run\` in mode probe_data)`);

    probeDataDir(root, 'other', 5, 4, 'other/model');
    cli = io(root);
    expect(await runCli(['probe', 'train', '--data-dirs', 'nq,other', '--save', 'x.safetensors'], cli)).toBe(2);
    expect(cli.err.join('')).toContain(`the folders come from different models (${join(root, 'nq')}: test/model; ${join(root, 'other')}: other/model)`);

    cli = io(root);
    expect(await runCli(['probe', 'train', '--data-dirs', 'nq', '--save', 'x.safetensors', '--layer-range', '3,6'], cli)).toBe(2);
    expect(cli.err.join('')).toContain(`${join(root, 'nq', 'probe_data.safetensors')}: layer range [3, 6) needs hidden-state indices 4, 5, which were not stored; stored: [0, 1, 2, 3]`);

    cli = io(root);
    expect(await runCli(['probe', 'train', '--data-dirs', 'nq', '--save', 'x.safetensors', '--layer-range', '3'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('--layer-range must be a,b with integers 0 ≤ a < b (half-open over hidden-state indices, e.g. 13,21), got "3"');

    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'probe_data.jsonl'), JSON.stringify({ id: 'a', question: 'q', gold_answer: null, most_likely_answer: 'm', accuracy: null, semantic_entropy: null, samples: [] }) + '\n');
    writeFileSync(join(empty, 'probe_data.safetensors'), encodeProbeDataTensors({ modelId: 'test/model', layers: LAYERS, hiddenSize: H, items: [] }));
    cli = io(root);
    expect(await runCli(['probe', 'train', '--data-dirs', 'empty', '--save', 'x.safetensors'], cli)).toBe(2);
    expect(cli.err.join('')).toContain(`no usable items in ${empty}: 1 without semantic_entropy, 0 without a last_token_embedding tensor`);

    cli = io(root);
    expect(await runCli(['probe', 'train', '--data-dirs', 'nq', '--save', 'x.safetensors', '--kind', 'sep', '--preset', 'seed-slow'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('preset seed-slow is defined for sep-mlp only');
  });
});

describe('spikescore metrics', () => {
  const item = (id: string, turns: number, extra: Record<string, unknown> = {}) => ({
    id,
    question: 'q',
    gold_answer: 'a',
    nli_label: 0,
    reasoning_chain: Array.from({ length: turns }, (_, k) => ({ step: k, prompt_type: k ? `progressive_step${k}` : 'initial_qa', followup_prompt: '', full_input: '', response: 'r', token_count: 1, metrics: { nll_mean: 0.5 } })),
    ...extra
  });

  function runDir(root: string): string {
    const dir = join(root, 'run');
    mkdirSync(dir, { recursive: true });
    const r = keyedRandom(8, 'run');
    for (const id of ['q:1', 'q:2']) {
      writeFileSync(join(dir, `${id.replace(':', '_')}.json`), JSON.stringify(item(id, 3)));
      // Turn 1 timed out: no hidden states.
      const turns = [0, 1, 2].map((k) => (k === 1 ? null : { last_token_embedding: hiddenFor(r, r.normal()), sec_last_token_embedding: hiddenFor(r, 0) }));
      writeFileSync(join(dir, `${id.replace(':', '_')}.safetensors`), encodeHiddenStates({ modelId: 'test/model', layers: LAYERS, hiddenSize: H, turns }));
    }
    writeFileSync(join(dir, 'progress.json'), '{"current": 2}');
    return dir;
  }

  it('metrics writes probe_pred from the probe’s own position and layers into every turn, null where a turn has no hidden states', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-metrics-'));
    probeDataDir(root, 'nq', 60, 1);
    expect(await runCli(['probe', 'train', '--data-dirs', 'nq', '--save', 'sep.safetensors', '--layer-range', '1,3'], io(root))).toBe(0);
    const dir = runDir(root);
    const cli = io(root);
    const status = await runCli(['metrics', '--json-dir', 'run', '--probe', 'sep.safetensors'], cli);
    expect(status, cli.err.join('')).toBe(0);
    expect(cli.out.join('')).toBe('wrote probe_pred to 4 turn(s) in 2 file(s); 2 turn(s) without hidden states set to null; skipped 1 file(s) without hidden states (progress.json)\n');
    const probe = decodeProbeFile(readFileSync(join(root, 'sep.safetensors')), 'sep.safetensors');
    const hidden = decodeHiddenStates(readFileSync(join(dir, 'q_1.safetensors')), 'q_1.safetensors');
    const written = JSON.parse(readFileSync(join(dir, 'q_1.json'), 'utf8'));
    expect(written.reasoning_chain.map((t: { metrics: { probe_pred: number | null } }) => t.metrics.probe_pred)).toEqual([
      probe.predict(sliceLayers(hidden, 'last_token_embedding', 0, [1, 3])!),
      null,
      probe.predict(sliceLayers(hidden, 'last_token_embedding', 2, [1, 3])!)
    ]);
    expect(written.reasoning_chain[0].metrics.nll_mean).toBe(0.5);
    expect(written.format_version).toBe(1);
  });

  it('metrics with a scikit-learn JSON probe takes position and layers from the flags; a safetensors probe refuses other flags', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-metrics-'));
    const dir = runDir(root);
    const coef = Array.from({ length: 8 }, (_, i) => (i - 4) / 10);
    writeFileSync(join(root, 'sk.json'), JSON.stringify({ coef: [coef], intercept: [0.1], classes: [0, 1] }));
    let cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'run', '--probe', 'sk.json'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('sk.json does not say which token position it was trained on; give it with --token-key');
    cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'run', '--probe', 'sk.json', '--token-key', 'sec_last_token_embedding', '--layer-range', '2,4'], cli)).toBe(0);
    const hidden = decodeHiddenStates(readFileSync(join(dir, 'q_2.safetensors')), 'q_2.safetensors');
    const x = sliceLayers(hidden, 'sec_last_token_embedding', 2, [2, 4])!;
    const z = coef.reduce((s, c, j) => s + c * x[j], 0.1);
    expect(JSON.parse(readFileSync(join(dir, 'q_2.json'), 'utf8')).reasoning_chain[2].metrics.probe_pred).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);

    probeDataDir(root, 'nq', 30, 1);
    expect(await runCli(['probe', 'train', '--data-dirs', 'nq', '--save', 'p.safetensors', '--layer-range', '1,3'], io(root))).toBe(0);
    cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'run', '--probe', 'p.safetensors', '--layer-range', '0,2'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('p.safetensors was trained on layers [1, 3); --layer-range 0,2 asks for others (a probe is applied where it was trained)');
  });

  it('probe train and metrics take absolute paths as given, whatever the working directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-abs-'));
    probeDataDir(root, 'nq', 60, 1);
    runDir(root);
    const elsewhere = mkdtempSync(join(tmpdir(), 'cli-cwd-'));
    const save = join(root, 'abs.safetensors');
    const cli = io(elsewhere);
    expect(await runCli(['probe', 'train', '--data-dirs', join(root, 'nq'), '--save', save, '--layer-range', '1,3'], cli), cli.err.join('')).toBe(0);
    expect(existsSync(save)).toBe(true);
    const m = io(elsewhere);
    expect(await runCli(['metrics', '--json-dir', join(root, 'run'), '--probe', save], m), m.err.join('')).toBe(0);
    expect(JSON.parse(readFileSync(join(root, 'run', 'q_1.json'), 'utf8')).reasoning_chain[0].metrics.probe_pred).toEqual(expect.any(Number));
  });

  it('metrics reports a malformed item, a bad hidden-state file and a size mismatch by file name, and still writes the others', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-metrics-'));
    const dir = runDir(root);
    writeFileSync(join(root, 'sk.json'), JSON.stringify({ coef_: new Array(8).fill(0.1), intercept_: 0, classes_: [0, 1], layer_range: [1, 3], token_key: 'last_token_embedding' }));
    writeFileSync(join(dir, 'broken.json'), '{"id": ');
    writeFileSync(join(dir, 'broken.safetensors'), encodeHiddenStates({ modelId: 'test/model', layers: LAYERS, hiddenSize: H, turns: [] }));
    writeFileSync(join(dir, 'wide.json'), JSON.stringify(item('wide', 1)));
    writeFileSync(join(dir, 'wide.safetensors'), encodeHiddenStates({ modelId: 'test/model', layers: LAYERS, hiddenSize: 6, turns: [{ last_token_embedding: new Float32Array(24) }] }));
    writeFileSync(join(dir, 'nofield.json'), JSON.stringify({ id: 'nofield' }));
    writeFileSync(join(dir, 'nofield.safetensors'), encodeHiddenStates({ modelId: 'test/model', layers: LAYERS, hiddenSize: H, turns: [] }));
    writeFileSync(join(dir, 'junk.json'), JSON.stringify(item('junk', 1)));
    writeFileSync(join(dir, 'junk.safetensors'), 'not safetensors');
    const cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'run', '--probe', 'sk.json'], cli)).toBe(2);
    const err = cli.err.join('');
    expect(err).toContain('broken.json: not valid JSON');
    expect(err).toContain('wide.safetensors holds hidden states of size 6, but the probe sk.json was trained on size 4');
    expect(err).toContain('nofield.json: reasoning_chain must be an array of turns, got undefined');
    expect(err).toContain('junk.safetensors is not a valid safetensors file');
    expect(cli.out.join('')).toContain('wrote probe_pred to 4 turn(s) in 2 file(s)');
    expect(cli.out.join('')).toContain('4 file(s) with problems');
    expect(JSON.parse(readFileSync(join(dir, 'q_1.json'), 'utf8')).reasoning_chain[0].metrics.probe_pred).toEqual(expect.any(Number));
    expect(JSON.parse(readFileSync(join(dir, 'wide.json'), 'utf8')).reasoning_chain[0].metrics.probe_pred).toBeUndefined();
  });

  it('metrics refuses an empty folder, a missing probe and a probe file that is neither format', async () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-metrics-'));
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'sk.json'), JSON.stringify({ coef: [1], intercept: 0, classes: [0, 1], layer_range: [0, 1], token_key: 'last_token_embedding' }));
    let cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'empty', '--probe', 'sk.json'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('empty: no item files (*.json) to score');
    cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'empty', '--probe', 'none.safetensors'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('none.safetensors: no such file (--probe)');
    writeFileSync(join(root, 'bad.bin'), 'garbage');
    cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'empty', '--probe', 'bad.bin'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('bad.bin: neither a safetensors probe nor valid JSON');
    cli = io(root);
    expect(await runCli(['metrics', '--json-dir', 'nowhere', '--probe', 'sk.json'], cli)).toBe(2);
    expect(cli.err.join('')).toContain('nowhere: no such folder');
  });
});
