/**
 * The whole experiment through the CLI on the REAL engine (onnxruntime-web WASM in Node) and a random-weight
 * fixture model built in code: `spikescore run` in mode probe_data on one small dataset and in mode dialogue on
 * another → `spikescore probe train` (sep, sep-mlp) → `spikescore metrics` → `spikescore eval`. Random weights
 * answer nonsense, so the datasets carry exact labels (label_method "dataset") and both classes exist; a low
 * sample temperature makes the samples agree on some questions and not on others, so semantic entropy varies.
 *
 * Also: no gold answer reaches the model (checked on the prompts as text AND on the token ids fed to the engine),
 * every written safetensors file is read by the independent Python reader, and a run killed with SIGKILL (a real
 * child process) and resumed with --resume ends with the same files as an uninterrupted one.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index';
import { createRunCommand, defaultRunDeps, type LoadRequest, type LoadedModel } from '../../src/cli/commands/run';
import type { CliIO } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';
import { loadModelFromDir } from '../../src/lib/engine/node/engine';
import type { GenerateOptions } from '../../src/lib/engine/types';
import { decodeHiddenStates } from '../../src/lib/store/hiddenStates';
import { loadProbe } from '../../src/lib/store/probeFile';
import { fixtureBackend, fixtureFolder } from '../remote/fixture';
import { startNodes } from '../remote/harness';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const GOLD = 'Qorvath-Blenkinsop-7731';

/** Probe-data questions: 12, exact labels alternating (accuracy comes from the dataset). */
const PROBE_ITEMS = Array.from({ length: 12 }, (_, i) => ({ id: `pq:${i}`, question: `What is fact number ${i} about the island of Falubia?`, answer: `Vostrel-${i}`, label: i % 2 }));
/**
 * Dialogue items: 6, three correct and three hallucinated by their exact labels; the first two carry the distinctive
 * gold. No gold answer appears in any question or context (the test looks for each one in what was fed).
 */
const DIALOGUE_ITEMS = [
  { id: 'dq/0', question: 'Who founded the city of Hartton?', context: 'Hartton lies on the Falu river.', answer: GOLD, label: 0 },
  { id: 'dq/1', question: 'Which river runs through Hartton?', answer: ['Vestrel', `the ${GOLD} canal`], label: 1 },
  { id: 'dq/2', question: 'What is the currency of Falubia?', answer: 'zecchin', label: 0 },
  { id: 'dq/3', question: 'When did Falubia join the league?', answer: '1802', label: 1 },
  { id: 'dq/4', question: 'Who painted the Falubian flag?', answer: 'Ida Marr', label: 0 },
  { id: 'dq/5', question: 'What is the national bird of Falubia?', answer: 'the heron', label: 1 }
];

const jsonl = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

interface Captured {
  status: number;
  out: string;
  err: string;
}

/** Token ids fed to the engine in this process (prompts of generate and generateBatch). */
const fed: number[][] = [];

/** The engine's own loader for a local folder, with every prompt's ids recorded on the way in. */
async function spyingLoad(req: LoadRequest): Promise<LoadedModel> {
  if (req.ref.kind !== 'local') throw new Error('the e2e tests run a local fixture');
  const model = await loadModelFromDir(req.ref.path, { modelId: req.ref.id, backend: req.backend, threads: req.threads, dtype: req.dtype === 'auto' ? undefined : req.dtype });
  const generate = model.generate.bind(model);
  const generateBatch = model.generateBatch.bind(model);
  model.generate = (ids: readonly number[], o: GenerateOptions) => (fed.push([...ids]), generate(ids, o));
  model.generateBatch = (ids: readonly number[], n: number, o: GenerateOptions) => (fed.push([...ids]), generateBatch(ids, n, o));
  return model;
}

const list = commands.map((c) => (c.name === 'run' ? createRunCommand({ ...defaultRunDeps, loadModel: spyingLoad }) : c));

async function cli(cwd: string, argv: string[]): Promise<Captured> {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env: {} };
  const status = await runCli(argv, io, list);
  return { status, out, err };
}

function pythonRead(file: string): { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> } {
  return JSON.parse(execFileSync('python3', [join(repoRoot, 'test/tools/read_safetensors.py'), file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
}

/** Whether `needle` occurs as a contiguous run in `hay`. */
function containsRun(hay: readonly number[], needle: readonly number[]): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * An item file's bytes with its wall-clock values blanked: `last_update`, each turn's `timestamp` and
 * `provenance.created` say WHEN a turn was generated, which differs between any two sessions.
 */
function withoutClock(path: string): string {
  return readFileSync(path, 'utf8').replace(/"(last_update|timestamp|created)": "[^"]*"/g, '"$1": "<clock>"');
}

let root = '';
let modelDir = '';

function dialogueConfig(outputDir: string): Record<string, unknown> {
  return {
    model_path: modelDir,
    dataset_path: 'dialogue.jsonl',
    output_dir: outputDir,
    mode: 'dialogue',
    max_steps: 3,
    max_new_tokens: 6,
    temperature: 0.7,
    top_p: 0.9,
    seed: 11,
    label_method: 'dataset',
    generation_timeout: null
  };
}

beforeAll(async () => {
  modelDir = await fixtureFolder();
  root = mkdtempSync(join(tmpdir(), 'e2e-cli-'));
  writeFileSync(join(root, 'probe.jsonl'), jsonl(PROBE_ITEMS));
  writeFileSync(join(root, 'dialogue.jsonl'), jsonl(DIALOGUE_ITEMS));
  writeFileSync(
    join(root, 'probe.json'),
    JSON.stringify({
      model_path: modelDir,
      dataset_path: 'probe.jsonl',
      output_dir: 'probe',
      mode: 'probe_data',
      num_samples: 5,
      sample_temperature: 0.1,
      max_new_tokens: 1,
      seed: 3,
      label_method: 'dataset',
      entailment_model: 'match',
      generation_timeout: null
    })
  );
  writeFileSync(join(root, 'dialogue.json'), JSON.stringify(dialogueConfig('dialogue')));
  writeFileSync(join(root, 'killed.json'), JSON.stringify(dialogueConfig('killed')));
}, 120_000);

describe('the experiment end to end through the CLI, on the real engine', () => {
  it('spikescore run (probe_data) writes probe_data.jsonl and probe_data.safetensors for every question', async () => {
    const r = await cli(root, ['run', 'probe.json', '--threads', '1', '--backend', 'wasm']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toContain('done: 12 questions (12 new, 0 already done, 0 failed); label failures 0, semantic-entropy failures 0');
    expect(readdirSync(join(root, 'probe')).sort()).toEqual(['manifest.json', 'probe_data.jsonl', 'probe_data.safetensors']);
    const lines = readFileSync(join(root, 'probe', 'probe_data.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(PROBE_ITEMS.map((p) => p.id));
    expect(lines.map((l) => l.accuracy)).toEqual(PROBE_ITEMS.map((p) => p.label));
    for (const l of lines) {
      expect(l.samples).toHaveLength(5);
      expect(l.semantic_entropy).toBeGreaterThanOrEqual(0);
      expect(l.semantic_entropy).toBeLessThanOrEqual(Math.log(5) + 1e-12);
    }
    // Semantic entropy varies across questions (else the SEP split has one class).
    expect(new Set(lines.map((l) => l.semantic_entropy)).size).toBeGreaterThan(1);
    const py = pythonRead(join(root, 'probe', 'probe_data.safetensors'));
    expect(py.metadata).toEqual({ format_version: '1', model_id: 'tiny-llama', layers: '[0,1,2]', hidden_size: '16' });
    expect(Object.keys(py.tensors)).toHaveLength(24);
    expect(py.tensors['pq_5.last_tok_bef_gen_embedding']).toMatchObject({ dtype: 'F16', shape: [3, 16] });
  }, 120_000);

  it('spikescore run (dialogue) stores every turn with its full_input, nll_mean, entropy_mean and rs, and hidden states read by the independent reader', async () => {
    const r = await cli(root, ['run', 'dialogue.json', '--threads', '1', '--backend', 'wasm']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toContain('done: 6 items × 4 turns (6 finished now, 0 of them continued, 0 already done, 0 failed); labels 6, label failures 0');
    const names = readdirSync(join(root, 'dialogue')).sort();
    expect(names).toEqual(['dq_0.json', 'dq_0.safetensors', 'dq_1.json', 'dq_1.safetensors', 'dq_2.json', 'dq_2.safetensors', 'dq_3.json', 'dq_3.safetensors', 'dq_4.json', 'dq_4.safetensors', 'dq_5.json', 'dq_5.safetensors', 'manifest.json', 'progress.json']);
    for (const [i, src] of DIALOGUE_ITEMS.entries()) {
      const item = json(join(root, 'dialogue', `dq_${i}.json`));
      expect(item).toMatchObject({ id: src.id, nli_label: src.label, label_source: 'dataset', run_status: 'complete', model: 'tiny-llama' });
      expect(item.reasoning_chain.map((t: { step: number }) => t.step)).toEqual([0, 1, 2, 3]);
      for (const turn of item.reasoning_chain) {
        expect(turn.full_input).toContain(src.question);
        expect(turn.full_input.startsWith('<|im_start|>system\n')).toBe(true);
        expect(turn.metrics.nll_mean).toBeGreaterThan(0);
        expect(turn.metrics.entropy_mean).toBeGreaterThan(0);
        // RS: a mean JS divergence in bits, in [0, 1].
        expect(turn.metrics.rs).toBeGreaterThanOrEqual(0);
        expect(turn.metrics.rs).toBeLessThanOrEqual(1);
        expect(turn.tokens.ids.length).toBeGreaterThan(0);
      }
      const py = pythonRead(join(root, 'dialogue', `dq_${i}.safetensors`));
      expect(py.metadata).toEqual({ format_version: '1', model_id: 'tiny-llama', layers: '[0,1,2]', hidden_size: '16' });
      expect(Object.keys(py.tensors)).toHaveLength(4 * 3);
      const ours = decodeHiddenStates(readFileSync(join(root, 'dialogue', `dq_${i}.safetensors`)), `dq_${i}.safetensors`);
      expect(Array.from(ours.tensor(3, 'sec_last_token_embedding')!)).toEqual(py.tensors['turn3.sec_last_token_embedding'].values);
    }
  }, 120_000);

  it('no gold answer reaches the model: not in any full_input, and not in the token ids fed to the engine', async () => {
    expect(fed.length).toBeGreaterThanOrEqual(6 * 4);
    const model = await loadModelFromDir(modelDir, { modelId: 'tiny-llama', backend: 'wasm', threads: 1 });
    const tok = model.tokenizer;
    const encodings = (s: string) => [tok.encode(s, { addSpecialTokens: false }), tok.encode(` ${s}`, { addSpecialTokens: false })];
    const golds = [...DIALOGUE_ITEMS.flatMap((d) => (Array.isArray(d.answer) ? d.answer : [d.answer])), ...PROBE_ITEMS.map((p) => p.answer)];
    // The check can fail: every question IS found in the ids fed (with or without a leading space).
    for (const d of DIALOGUE_ITEMS) expect(encodings(d.question).some((e) => fed.some((ids) => containsRun(ids, e))), d.question).toBe(true);
    for (const g of [GOLD, ...golds]) {
      for (const e of encodings(g)) expect(fed.some((ids) => containsRun(ids, e)), g).toBe(false);
    }
    for (let i = 0; i < DIALOGUE_ITEMS.length; i++) {
      for (const turn of json(join(root, 'dialogue', `dq_${i}.json`)).reasoning_chain) {
        expect(turn.full_input).not.toContain(GOLD);
        expect(turn.full_input).not.toContain('Blenkinsop');
      }
    }
    await model.dispose();
  }, 60_000);

  it('spikescore run killed with SIGKILL and resumed with --resume ends with the same files as the uninterrupted run, without duplicates', async () => {
    const out = join(root, 'killed');
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'spikescore.mjs'), 'run', 'killed.json', '--threads', '1', '--backend', 'wasm'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let childErr = '';
    child.stderr!.on('data', (d) => (childErr += String(d)));
    const exited = new Promise<{ signal: NodeJS.Signals | null }>((r) => child.on('exit', (_code, signal) => r({ signal })));
    // Kill once the second item has at least one turn stored: one item finished, one partial, the rest not begun.
    const started = (name: string) => existsSync(join(out, name));
    const deadline = Date.now() + 90_000;
    while (!started('dq_1.json') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 2));
    child.kill('SIGKILL');
    const { signal } = await exited;
    expect(signal, childErr).toBe('SIGKILL');
    const kept = readdirSync(out).filter((f) => /^dq_\d\.json$/.test(f));
    expect(kept.length, `kept ${kept.join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(6);
    // dq_1.json appears with its first turn; a turn takes far longer than the 2 ms poll, so the kill lands mid-item.
    const partial = json(join(out, 'dq_1.json'));
    expect(partial.reasoning_chain.length).toBeGreaterThanOrEqual(1);
    expect(partial.reasoning_chain.length).toBeLessThan(4);

    const again = await cli(root, ['run', 'killed.json', '--threads', '1', '--backend', 'wasm']);
    expect(again.status).toBe(2);
    expect(again.err).toContain('is not empty');
    const resumed = await cli(root, ['run', 'killed.json', '--resume', '--threads', '1', '--backend', 'wasm']);
    expect(resumed.status, resumed.err).toBe(0);
    expect(resumed.out).toContain('done: 6 items × 4 turns');
    expect(resumed.out).toMatch(/finished now, 1 of them continued, \d already done, 0 failed/);

    const files = (d: string) => readdirSync(d).filter((f) => f !== 'progress.json' && f !== 'manifest.json').sort();
    expect(files(out)).toEqual(files(join(root, 'dialogue')));
    for (const f of files(out)) {
      if (f.endsWith('.safetensors')) expect(readFileSync(join(out, f)), f).toEqual(readFileSync(join(root, 'dialogue', f)));
      else {
        expect(withoutClock(join(out, f)), f).toBe(withoutClock(join(root, 'dialogue', f)));
        expect(json(join(out, f)).reasoning_chain.map((t: { step: number }) => t.step)).toEqual([0, 1, 2, 3]);
      }
    }
    expect(readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 180_000);
  it('spikescore probe train (sep, sep-mlp) → metrics → eval gives a summary.json with the contract fields', async () => {
    const sep = await cli(root, ['probe', 'train', '--data-dirs', 'probe', '--save', 'sep.safetensors', '--kind', 'sep']);
    expect(sep.status, sep.err).toBe(0);
    expect(sep.out).toContain('saved sep probe to sep.safetensors');
    const mlp = await cli(root, ['probe', 'train', '--data-dirs', 'probe', '--save', 'sep-mlp.safetensors', '--kind', 'sep-mlp']);
    expect(mlp.status, mlp.err).toBe(0);
    const probe = loadProbe(readFileSync(join(root, 'sep.safetensors')), 'sep.safetensors');
    expect(probe.header).toMatchObject({ kind: 'sep', model_id: 'tiny-llama', token_position: 'last_token_embedding', layer_range: [0, 3] });

    const m = await cli(root, ['metrics', '--json-dir', 'dialogue', '--probe', 'sep.safetensors']);
    expect(m.status, m.err).toBe(0);
    expect(m.out).toContain('wrote probe_pred to 24 turn(s) in 6 file(s)');
    for (let i = 0; i < 6; i++) {
      for (const turn of json(join(root, 'dialogue', `dq_${i}.json`)).reasoning_chain) {
        expect(turn.metrics.probe_pred).toBeGreaterThanOrEqual(0);
        expect(turn.metrics.probe_pred).toBeLessThanOrEqual(1);
      }
    }

    const e = await cli(root, ['eval', '--data-dir', 'dialogue', '--report-dir', 'report', '--bootstrap', '100', '--seed', '1']);
    expect(e.status, e.err).toBe(0);
    const s = json(join(root, 'report', 'summary.json'));
    expect(s).toMatchObject({ format_version: 1, kind: 'spikescore-eval', n: 6, n_hallucinated: 3, n_factual: 3, prevalence: 0.5, positive_class: 'hallucinated', score_key: 'probe_pred' });
    for (const key of ['auroc', 'ci95', 'auprc', 'prr', 'fpr95', 'ci95_by_metric', 'auroc_diff_vs_spikescore', 'chance', 'youden', 'aggregations', 'bootstrap', 'provenance', 'skipped']) expect(s, key).toHaveProperty(key);
    expect(s.auroc.spikescore).toBeGreaterThanOrEqual(0);
    expect(s.auroc.spikescore).toBeLessThanOrEqual(1);
    expect(s.skipped).toMatchObject({ files_malformed: 0, items_spikescore_null: 0, turns_without_score: 0 });
    expect(s.provenance.items[0]).toMatchObject({ model_id: 'tiny-llama', backend: 'wasm', n_items: 6 });
    for (const f of ['summary.json', 'summary.csv', 'items.csv', 'roc.svg', 'hist.svg', 'report.html']) expect(existsSync(join(root, 'report', f)), f).toBe(true);

    // The training-free scores evaluate from the same files.
    for (const key of ['nll_mean', 'entropy_mean', 'rs']) {
      const r = await cli(root, ['eval', '--data-dir', 'dialogue', '--report-dir', `report-${key}`, '--score-key', key, '--bootstrap', '50']);
      expect(r.status, r.err).toBe(0);
      expect(json(join(root, `report-${key}`, 'summary.json'))).toMatchObject({ n: 6, score_key: key });
    }
  }, 180_000);

});

describe('spikescore run with remote_engines, on SGLang test nodes serving the fixture', () => {
  it('spikescore run spreads the dialogues over the nodes, stores each item as it completes, last-layer hidden states only, and the results do not depend on the nodes', async () => {
    const backend = await fixtureBackend(2);
    const nodes = await startNodes(backend, ['ok', 'ok'], { token: 'node-secret' });
    try {
      // Four items, two of each label: enough to spread over two nodes with two in flight each.
      writeFileSync(join(root, 'remote.jsonl'), jsonl(DIALOGUE_ITEMS.slice(0, 4)));
      const remoteConfig = (out: string, engines: number) => ({
        ...dialogueConfig(out),
        dataset_path: 'remote.jsonl',
        model_path: 'tiny-llama',
        max_steps: 2,
        remote_tokenizer: modelDir,
        remote_engines: nodes.slice(0, engines).map((n, i) => ({ url: n.url, protocol: 'sglang', token_env: 'NODE_TOKEN', name: `gpu-${i}`, max_concurrency: 2 }))
      });
      writeFileSync(join(root, 'remote2.json'), JSON.stringify(remoteConfig('remote2', 2)));
      writeFileSync(join(root, 'remote1.json'), JSON.stringify(remoteConfig('remote1', 1)));
      const run = async (name: string) => {
        let out = '';
        let err = '';
        const status = await runCli(['run', name], { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: root, env: { NODE_TOKEN: 'node-secret' } });
        return { status, out, err };
      };
      const two = await run('remote2.json');
      expect(two.status, two.err).toBe(0);
      expect(two.err).toContain('remote: 2 engine(s) serving tiny-llama');
      expect(two.out).toContain('done: 4 items × 3 turns (4 finished now, 0 of them continued, 0 already done, 0 failed); labels 4');
      expect(nodes[0].served()).toBeGreaterThan(0);
      expect(nodes[1].served()).toBeGreaterThan(0);
      expect(nodes.every((n) => n.requests.every((r) => r.authorized))).toBe(true);
      const one = await run('remote1.json');
      expect(one.status, one.err).toBe(0);

      for (let i = 0; i < 4; i++) {
        const a = json(join(root, 'remote2', `dq_${i}.json`));
        const b = json(join(root, 'remote1', `dq_${i}.json`));
        expect(a).toMatchObject({ nli_label: DIALOGUE_ITEMS[i].label, run_status: 'complete', model: 'tiny-llama' });
        expect(Object.keys(a.unavailable_scores).sort()).toEqual(['entropy', 'logit_lens']);
        for (const turn of a.reasoning_chain) {
          expect(turn.metrics.entropy_mean).toBeNull();
          expect(turn.metrics.rs).toBeNull();
          expect(turn.metrics.nll_mean).toBeGreaterThan(0);
          expect(turn.full_input).not.toContain(GOLD);
        }
        // Same tokens and texts whichever node served a turn (the engine's numerics may differ in the last bits).
        expect(a.reasoning_chain.map((t: { tokens: { ids: number[] } }) => t.tokens.ids)).toEqual(b.reasoning_chain.map((t: { tokens: { ids: number[] } }) => t.tokens.ids));
        expect(a.reasoning_chain.map((t: { full_input: string }) => t.full_input)).toEqual(b.reasoning_chain.map((t: { full_input: string }) => t.full_input));
        const py = pythonRead(join(root, 'remote2', `dq_${i}.safetensors`));
        expect(py.metadata).toEqual({ format_version: '1', model_id: 'tiny-llama', layers: '[2]', hidden_size: '16' });
        expect(Object.keys(py.tensors)).toHaveLength(3 * 3);
      }
      expect(readFileSync(join(root, 'remote2', 'manifest.json'), 'utf8')).not.toContain('node-secret');
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  }, 180_000);
});
