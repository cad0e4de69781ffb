/**
 * The wiring of `spikescore run` around the runner, on test doubles (the real engine runs in e2e-cli.test.ts):
 * a model with `generateChat` and unavailable scores, the pooled dialogue runner, the probe-data folder writer,
 * the remote fields of the config, and the command's remote path.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunCommand, type RunCommandDeps } from '../../src/cli/commands/run';
import type { CliIO } from '../../src/cli/io';
import { runCli } from '../../src/cli/main';
import { parseRunConfig, type RunConfig } from '../../src/lib/core/config/runConfig';
import { parseDataset, type DatasetItem } from '../../src/lib/core/datasets/parseDataset';
import { unwrap } from '../../src/lib/core/issues';
import type { ChatMessage } from '../../src/lib/core/prompts/messages';
import { runDialogue } from '../../src/lib/core/runner/runDialogue';
import { runDialoguePool } from '../../src/lib/core/runner/runDialoguePool';
import { runProbeData, type ProbeDataRecord } from '../../src/lib/core/runner/runProbeData';
import type { ItemPool, RunnerGenerateOptions, RunnerGeneration, RunnerModel } from '../../src/lib/core/runner/types';
import { ProbeDataDirSink } from '../../src/lib/store/node/probeDataDir';
import { decodeProbeDataTensors, parseProbeDataJsonl } from '../../src/lib/store/probeData';
import { RunDirSink } from '../../src/lib/store/node/runDir';
import { FakeModel } from './runner-fakeModel';

const DATA = [
  { id: 'w:1', question: 'Capital of Falubia?', answer: 'Hartton', label: 1 },
  { id: 'w/2', question: 'Currency of Falubia?', answer: 'zecchin', label: 0 },
  { id: 'w3', question: 'Anthem of Falubia?', answer: 'Ode', label: 1 },
  { id: 'w4', question: 'River of Falubia?', answer: 'Falu', label: 0 }
];
const items = (): DatasetItem[] => [...unwrap(parseDataset(DATA.map((r) => JSON.stringify(r)).join('\n'), { where: 'w.jsonl' })).items];
const config = (extra: Record<string, unknown> = {}): RunConfig => unwrap(parseRunConfig({ max_steps: 2, seed: 5, capture: { layers: [1, 3] }, ...extra }));
const clock = () => Date.UTC(2026, 0, 2);

/** A remote-like double: only `generateChat` works (the template is rendered "on the engine"), and it cannot give entropy, RS or hidden states. */
class ChatOnlyModel extends FakeModel {
  chats = 0;
  constructor() {
    super({}, {
      id: 'test-double/chat',
      capturableLayers: [],
      unavailable: { entropy: 'top-k only', logit_lens: 'the LM head stays on the engine', hidden_states: 'no hidden states over this API' }
    });
  }
  override async generate(): Promise<RunnerGeneration> {
    throw new Error('generate(promptIds) must not be called when generateChat exists');
  }
  async generateChat(messages: readonly ChatMessage[], template: { addGenerationPrompt?: boolean }, options: RunnerGenerateOptions): Promise<RunnerGeneration & { fullInput: string }> {
    this.chats++;
    if (options.capture) throw new Error('capture must not be requested from a model without hidden states');
    const fullInput = `[engine template]${this.tokenizer.applyChatTemplate(messages, template)}`;
    const gen = await super.generate(this.tokenizer.encode(fullInput), options);
    return { ...gen, fullInput };
  }
}

/** An in-process pool of test-double nodes: items run concurrently, each attempt on one node; listed items fail their first attempt after one turn. */
class FakePool implements ItemPool {
  readonly attempts: string[] = [];
  constructor(
    readonly nodes: RunnerModel[],
    readonly failFirst: ReadonlySet<string> = new Set(),
    readonly failAlways: ReadonlySet<string> = new Set()
  ) {}
  async run<I, R>(list: readonly I[], o: Parameters<ItemPool['run']>[1] & { run: (item: I, model: RunnerModel, signal: AbortSignal) => Promise<R> }) {
    let done = 0;
    let failed = 0;
    // Finishing order is scrambled on purpose (last item first): files must not depend on it.
    await Promise.all(
      [...list].reverse().map(async (item, j) => {
        const id = o.itemId(item as never);
        const tried: string[] = [];
        for (let attempt = 1; attempt <= 2; attempt++) {
          const n = (j + attempt) % this.nodes.length;
          tried.push(`node-${n}`);
          this.attempts.push(`${id}@node-${n}`);
          let model = this.nodes[n];
          if ((this.failFirst.has(id) && attempt === 1) || this.failAlways.has(id)) {
            let calls = 0;
            const base = model;
            model = Object.assign(Object.create(Object.getPrototypeOf(base)) as RunnerModel, base, {
              generate: async (ids: readonly number[], opts: RunnerGenerateOptions) => {
                if (++calls === 2) throw new Error('node lost');
                return base.generate(ids, opts);
              }
            });
          }
          try {
            const result = await o.run(item as never, model, new AbortController().signal);
            await o.onResult?.({ itemId: id, item: item as never, result: result as never, node: `node-${n}`, attempts: attempt });
            done++;
            return;
          } catch (e) {
            if (attempt === 2) {
              failed++;
              await o.onFailure?.({ itemId: id, item: item as never, error: e as Error, attempts: attempt, nodes: tried });
            }
          }
        }
      })
    );
    return { done, failed, cancelled: 0 };
  }
}

const filesOf = (d: string) => readdirSync(d).filter((f) => f !== 'progress.json').sort();

describe('runner wiring', () => {
  it('runDialogue prefers generateChat, stores the prompt it fed as full_input, and writes null for the scores the model names unavailable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wire-chat-'));
    const model = new ChatOnlyModel();
    const rsCalls: number[] = [];
    const summary = await runDialogue({ model, config: config(), items: items().slice(0, 1), sink: new RunDirSink(dir, model.info.id), rs: async () => (rsCalls.push(1), 0.5), now: clock });
    expect(summary).toMatchObject({ completed: 1, failed: 0 });
    expect(model.chats).toBe(3);
    expect(rsCalls).toEqual([]);
    expect(filesOf(dir)).toEqual(['w_1.json']); // no hidden-state file
    const item = JSON.parse(readFileSync(join(dir, 'w_1.json'), 'utf8'));
    expect(item.unavailable_scores).toEqual({ entropy: 'top-k only', logit_lens: 'the LM head stays on the engine', hidden_states: 'no hidden states over this API' });
    for (const turn of item.reasoning_chain) {
      expect(turn.full_input.startsWith('[engine template]<|system|>')).toBe(true);
      expect(turn.metrics.entropy_mean).toBeNull();
      expect(turn.metrics.rs).toBeNull();
      expect(turn.metrics.nll_mean).toBeGreaterThan(0);
      expect(turn.tokens.entropies.length).toBe(turn.tokens.ids.length);
      expect(turn.tokens.entropies.every((e: unknown) => e === null)).toBe(true);
    }
    expect(item.reasoning_chain[2].full_input).toContain(item.reasoning_chain[1].response);
  });

  it('runDialogue empties a cached model\'s KV cache before each item and, for a partial item, regenerates its stored turns unsaved before the next one', async () => {
    /** A double with a cache: records resets, and what each generate call was for. */
    class CachedModel extends FakeModel {
      readonly log: string[] = [];
      async resetCache(): Promise<void> {
        this.log.push('reset');
      }
      override async generate(ids: readonly number[], o: RunnerGenerateOptions): Promise<RunnerGeneration> {
        this.log.push(`gen ${String(o.seed[1])} turn ${String(o.seed[2])}`);
        return super.generate(ids, o);
      }
    }
    const whole = mkdtempSync(join(tmpdir(), 'wire-cache-'));
    const first = new CachedModel();
    await runDialogue({ model: first, config: config(), items: items().slice(0, 2), sink: new RunDirSink(whole, 'test-double/echo'), now: clock });
    expect(first.log).toEqual(['reset', 'gen w:1 turn 0', 'gen w:1 turn 1', 'gen w:1 turn 2', 'reset', 'gen w/2 turn 0', 'gen w/2 turn 1', 'gen w/2 turn 2']);

    const dir = mkdtempSync(join(tmpdir(), 'wire-cache-'));
    const controller = new AbortController();
    const stopped = new CachedModel({ abortAt: { call: 6, controller } });
    await expect(runDialogue({ model: stopped, config: config(), items: items().slice(0, 2), sink: new RunDirSink(dir, 'test-double/echo'), signal: controller.signal, now: clock })).rejects.toThrow('cancelled');
    expect(JSON.parse(readFileSync(join(dir, 'w_2.json'), 'utf8')).reasoning_chain).toHaveLength(2);
    const resumed = new CachedModel();
    await runDialogue({ model: resumed, config: config(), items: items().slice(0, 2), sink: new RunDirSink(dir, 'test-double/echo'), now: clock });
    // Item 1 is finished (no call); item 2's turns 0 and 1 are generated again (same prompts, same seeds), then turn 2.
    expect(resumed.log).toEqual(['reset', 'gen w/2 turn 0', 'gen w/2 turn 1', 'gen w/2 turn 2']);
    expect(resumed.fed.slice(0, 2).map((f) => f.text)).toEqual(first.fed.slice(3, 5).map((f) => f.text));
    for (const f of filesOf(whole)) expect(readFileSync(join(dir, f)), f).toEqual(readFileSync(join(whole, f)));
  });

  it('runProbeData empties a cached model\'s KV cache before each question', async () => {
    const log: string[] = [];
    const model = Object.assign(new FakeModel(), { resetCache: async () => void log.push('reset') });
    const generate = model.generate.bind(model);
    const generateBatch = model.generateBatch.bind(model);
    model.generate = async (ids, o) => (log.push(`one ${String(o.seed[1])}`), generate(ids, o));
    model.generateBatch = async (ids, n, o) => (log.push(`batch ${String(o.seed[1])}`), generateBatch(ids, n, o));
    const puts: string[] = [];
    await runProbeData({
      model,
      config: config({ mode: 'probe_data', num_samples: 2, max_steps: undefined }),
      items: items().slice(0, 2),
      sink: { has: async () => false, put: async (r) => void puts.push(r.id) },
      semanticEntropy: async () => ({ se: 0 })
    });
    expect(log).toEqual(['reset', 'one w:1', 'batch w:1', 'reset', 'one w/2', 'batch w/2']);
    expect(puts).toEqual(['w:1', 'w/2']);
  });

  it('runDialoguePool writes the same files as runDialogue, whatever node and finishing order, and leaves nothing of a failed attempt', async () => {
    const whole = mkdtempSync(join(tmpdir(), 'wire-whole-'));
    await runDialogue({ model: new FakeModel(), config: config(), items: items(), sink: new RunDirSink(whole, 'test-double/echo'), now: clock });
    const pooled = mkdtempSync(join(tmpdir(), 'wire-pool-'));
    const pool = new FakePool([new FakeModel(), new FakeModel(), new FakeModel()], new Set(['w/2']));
    const events: string[] = [];
    const summary = await runDialoguePool({ model: new FakeModel(), pool, config: config(), items: items(), sink: new RunDirSink(pooled, 'test-double/echo'), now: clock, onProgress: (e) => e.type === 'item-done' && events.push(e.itemId) });
    expect(summary).toMatchObject({ items: 4, completed: 4, failed: 0, skipped: 0 });
    expect(pool.attempts.filter((a) => a.startsWith('w/2@'))).toHaveLength(2);
    expect(events.sort()).toEqual(['w/2', 'w3', 'w4', 'w:1']);
    expect(filesOf(pooled)).toEqual(filesOf(whole));
    expect(filesOf(whole)).toEqual(['w3.json', 'w3.safetensors', 'w4.json', 'w4.safetensors', 'w_1.json', 'w_1.safetensors', 'w_2.json', 'w_2.safetensors']);
    for (const f of filesOf(whole)) expect(readFileSync(join(pooled, f)), f).toEqual(readFileSync(join(whole, f)));
  });

  it('runDialoguePool skips finished items, continues partial ones, and records an item that fails on every node', async () => {
    const whole = mkdtempSync(join(tmpdir(), 'wire-whole-'));
    await runDialogue({ model: new FakeModel(), config: config(), items: items(), sink: new RunDirSink(whole, 'test-double/echo'), now: clock });
    const dir = mkdtempSync(join(tmpdir(), 'wire-resume-'));
    // A local session stopped during item 2 (its second generate call), after item 1 finished.
    const controller = new AbortController();
    await expect(
      runDialogue({ model: new FakeModel({ abortAt: { call: 5, controller } }), config: config(), items: items(), sink: new RunDirSink(dir, 'test-double/echo'), signal: controller.signal, now: clock })
    ).rejects.toThrow('cancelled');
    expect(JSON.parse(readFileSync(join(dir, 'w_2.json'), 'utf8')).reasoning_chain).toHaveLength(1);
    const nodes = [new FakeModel(), new FakeModel()];
    const summary = await runDialoguePool({ model: new FakeModel(), pool: new FakePool(nodes, new Set(), new Set(['w4'])), config: config(), items: items(), sink: new RunDirSink(dir, 'test-double/echo'), now: clock });
    expect(summary).toMatchObject({ items: 4, skipped: 1, resumed: 1, completed: 2, failed: 1 });
    // Item 2 needed 2 more turns, item 3 all 3; item 4 failed twice at its second call.
    expect(nodes.reduce((s, m) => s + m.calls, 0)).toBe(2 + 3 + 2);
    expect(JSON.parse(readFileSync(join(dir, 'w4_error.json'), 'utf8')).error).toBe('node lost (tried on node-1, node-0)');
    expect(existsSync(join(dir, 'w4.json'))).toBe(false);
    for (const f of ['w_1.json', 'w_1.safetensors', 'w_2.json', 'w_2.safetensors', 'w3.json', 'w3.safetensors']) expect(readFileSync(join(dir, f)), f).toEqual(readFileSync(join(whole, f)));
  });
});

const record = (id: string, se: number | null): ProbeDataRecord => ({
  format_version: 1,
  id,
  question: `q ${id}`,
  gold_answer: 'g',
  most_likely_answer: 'm',
  accuracy: 1,
  label_source: 'dataset',
  semantic_entropy: se,
  se_reason: null,
  semantic_ids: [0, 0],
  samples: [
    { text: 'a', log_likelihood: -1, num_tokens: 1, stop_reason: 'length' },
    { text: 'b', log_likelihood: -2, num_tokens: 1, stop_reason: 'length' }
  ],
  most_likely_log_likelihood: -0.5
});
const hidden = (v: number) => ({ layers: [1, 2], hiddenSize: 2, last_tok_bef_gen_embedding: Float32Array.from([v, v + 1, v + 2, v + 3]), last_token_embedding: Float32Array.from([-v, 0.5, 0.25, v]) });

describe('probe-data folder', () => {
  it('ProbeDataDirSink writes probe_data.jsonl and probe_data.safetensors as design.md says, read by the store and an independent Python reader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-'));
    const sink = await ProbeDataDirSink.open(dir, 'fixture/m');
    await sink.put(record('a:1', 0), hidden(1));
    await sink.put(record('b/2', 0.69), hidden(2));
    expect(await sink.has('a:1')).toBe(true);
    expect(await sink.has('c')).toBe(false);
    await sink.finish();
    expect(readdirSync(dir).sort()).toEqual(['probe_data.jsonl', 'probe_data.safetensors']);
    const parsed = parseProbeDataJsonl(readFileSync(join(dir, 'probe_data.jsonl'), 'utf8'));
    expect(parsed.ok && parsed.value.map((r) => [r.id, r.semantic_entropy, r.samples])).toEqual([['a:1', 0, ['a', 'b']], ['b/2', 0.69, ['a', 'b']]]);
    expect(parsed.ok && parsed.value[0].sample_details).toEqual([
      { text: 'a', log_likelihood: -1, num_tokens: 1, stop_reason: 'length' },
      { text: 'b', log_likelihood: -2, num_tokens: 1, stop_reason: 'length' }
    ]);
    const st = decodeProbeDataTensors(readFileSync(join(dir, 'probe_data.safetensors')));
    expect(Array.from(st.tensor('b/2', 'last_tok_bef_gen_embedding')!)).toEqual([2, 3, 4, 5]);
    const py = JSON.parse(execFileSync('python3', ['test/tools/read_safetensors.py', join(dir, 'probe_data.safetensors')], { encoding: 'utf8' }));
    expect(py.metadata).toEqual({ format_version: '1', model_id: 'fixture/m', layers: '[1,2]', hidden_size: '2' });
    expect(Object.keys(py.tensors)).toEqual(['a_1.last_tok_bef_gen_embedding', 'a_1.last_token_embedding', 'b_2.last_tok_bef_gen_embedding', 'b_2.last_token_embedding']);
    expect(py.tensors['a_1.last_token_embedding']).toEqual({ dtype: 'F16', shape: [2, 2], values: [-1, 0.5, 0.25, 1] });
  });

  it('ProbeDataDirSink.open after a crash drops a cut-short last line and a line without tensors, and a resumed folder equals an uninterrupted one', async () => {
    const whole = mkdtempSync(join(tmpdir(), 'pd-whole-'));
    const w = await ProbeDataDirSink.open(whole, 'm');
    for (const [i, id] of ['a', 'b', 'c'].entries()) await w.put(record(id, i / 2), hidden(i));
    await w.finish();

    const dir = mkdtempSync(join(tmpdir(), 'pd-crash-'));
    const s1 = await ProbeDataDirSink.open(dir, 'm');
    await s1.put(record('a', 0), hidden(0));
    await s1.finish(); // an earlier session that finished with one question
    const s2 = await ProbeDataDirSink.open(dir, 'm');
    await s2.put(record('b', 0.5), hidden(1));
    // The process dies: half of c's line is appended, and a line whose part file never made it.
    appendFileSync(join(dir, 'probe_data.jsonl'), JSON.stringify(record('zz', 1)) + '\n' + JSON.stringify(record('c', 1)).slice(0, 20));
    const s3 = await ProbeDataDirSink.open(dir, 'm');
    expect([await s3.has('a'), await s3.has('b'), await s3.has('c'), await s3.has('zz')]).toEqual([true, true, false, false]);
    expect(readFileSync(join(dir, 'probe_data.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id)).toEqual(['a', 'b']);
    await s3.put(record('c', 1), hidden(2));
    await s3.finish();
    expect(readdirSync(dir).sort()).toEqual(['probe_data.jsonl', 'probe_data.safetensors']);
    for (const f of ['probe_data.jsonl', 'probe_data.safetensors']) expect(readFileSync(join(dir, f)), f).toEqual(readFileSync(join(whole, f)));
  });

  it('ProbeDataDirSink.put refuses a question already written and one with another layer set, and clears an old error file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-bad-'));
    const sink = await ProbeDataDirSink.open(dir, 'm');
    await sink.saveError({ id: 'a', error: 'boom', traceback: null, timestamp: 't' });
    expect(existsSync(join(dir, 'a_error.json'))).toBe(true);
    await sink.put(record('a', 0), hidden(0));
    expect(existsSync(join(dir, 'a_error.json'))).toBe(false);
    await expect(sink.put(record('a', 0), hidden(0))).rejects.toThrow(`${join(dir, 'probe_data.jsonl')} already holds question "a"`);
    await expect(sink.put(record('b', 0), { ...hidden(0), layers: [1, 3] })).rejects.toThrow(`${dir}: question b has layers [1,3] × 2, but the folder holds [1,2] × 2; one folder holds one layer set`);
  });
});

describe('config: remote fields', () => {
  it('parseRunConfig keeps the documented engine fields and remote_tokenizer, and names bad ones', () => {
    const c = unwrap(parseRunConfig({ model_path: 'meta-llama/x', remote_engines: [{ url: 'http://10.0.0.5:30000', protocol: 'sglang', token_env: 'GPU_A', name: 'gpu-a', max_concurrency: 8, hidden_states: false, served_model: 'llama', request_timeout_ms: 5000 }], remote_tokenizer: '/srv/tok' }));
    expect(c.remote_engines).toEqual([{ url: 'http://10.0.0.5:30000', protocol: 'sglang', token_env: 'GPU_A', name: 'gpu-a', max_concurrency: 8, hidden_states: false, served_model: 'llama', request_timeout_ms: 5000 }]);
    expect(c.remote_tokenizer).toBe('/srv/tok');
    const bad = parseRunConfig({
      remote_engines: [
        { url: 'http://a:1', protocol: 'sglang', name: 'bad name!', max_concurrency: 0 },
        { url: 'http://b:1', protocol: 'sglang', hidden_states: false }
      ]
    });
    expect(bad.ok ? [] : bad.issues.map((i) => i.message)).toEqual([
      "config.json: remote_engines[0].name must be 1–64 letters, digits, '.', '_' or '-', got \"bad name!\"",
      'config.json: remote_engines[0].max_concurrency must be an integer ≥ 1, got 0',
      'config.json: remote_engines mixes hidden_states true and false: items would have hidden states or not depending on their node; give every engine the same hidden_states'
    ]);
    const mixed = parseRunConfig({ remote_engines: [{ url: 'http://a:1', protocol: 'sglang' }, { url: 'http://b:1', protocol: 'openai' }] });
    expect(mixed.ok ? [] : mixed.issues.map((i) => i.message)).toEqual([
      'config.json: remote_engines mixes protocols (sglang and openai): every engine of a pool must speak the same protocol, or results would depend on the node an item ran on'
    ]);
    const alone = parseRunConfig({ remote_tokenizer: '/srv/tok' });
    expect(alone.ok && alone.warnings.map((w) => w.message)).toEqual(['config.json: remote_tokenizer only applies with remote_engines and is ignored']);
  });
});

describe('spikescore run with remote_engines (test-double pool)', () => {
  function workspace(extra: Record<string, unknown>) {
    const dir = mkdtempSync(join(tmpdir(), 'wire-cli-'));
    writeFileSync(join(dir, 'data.jsonl'), DATA.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ model_path: 'org/remote-model', dataset_path: 'data.jsonl', output_dir: 'out', max_steps: 2, seed: 5, label_method: 'dataset', remote_engines: [{ url: 'http://10.1.1.1:30000', protocol: 'openai', token_env: 'NODE_TOKEN' }], ...extra })
    );
    return dir;
  }
  async function run(dir: string, argv: string[], deps: RunCommandDeps) {
    let out = '';
    let err = '';
    const io: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd: dir, env: { NODE_TOKEN: 'secret-token' } };
    const status = await runCli(['run', ...argv], io, [createRunCommand(deps)]);
    return { status, out, err };
  }

  it('spikescore run sends the dialogue to the pool (never loading a local model) and stores every item', async () => {
    const dir = workspace({});
    const seen: { where: string; tokenEnv: unknown }[] = [];
    const nodes = [new ChatOnlyModel(), new ChatOnlyModel()];
    const deps: RunCommandDeps = {
      loadModel: async () => {
        throw new Error('a remote run must not load a local model');
      },
      makeRemotePool: async (config, env, where) => {
        seen.push({ where, tokenEnv: config.remote_engines[0].token_env && env[config.remote_engines[0].token_env] });
        return { pool: new FakePool(nodes), model: new ChatOnlyModel() };
      },
      makeLabeller: async () => ({ label: async (_q, _g, _a, item) => ({ label: (item as { label?: 0 | 1 }).label ?? null, source: 'dataset' }) }),
      now: clock
    };
    const r = await run(dir, ['config.json'], deps);
    expect(r.status, r.err).toBe(0);
    expect(seen).toEqual([{ where: 'config.json', tokenEnv: 'secret-token' }]);
    expect(r.err).toContain('remote: 1 engine(s) serving org/remote-model');
    expect(r.err).toContain('unavailable: entropy (top-k only); written as null');
    expect(nodes[0].chats + nodes[1].chats).toBe(4 * 3);
    expect(filesOf(join(dir, 'out'))).toEqual(['manifest.json', 'w3.json', 'w4.json', 'w_1.json', 'w_2.json']);
    const manifest = readFileSync(join(dir, 'out', 'manifest.json'), 'utf8');
    expect(manifest).not.toContain('secret-token');
    expect(JSON.parse(manifest).summary).toMatchObject({ items: 4, completed: 4, labelled: 4 });
    expect(JSON.parse(readFileSync(join(dir, 'out', 'w_2.json'), 'utf8'))).toMatchObject({ nli_label: 0, label_source: 'dataset', model: 'test-double/chat' });
  });

  it('spikescore run refuses probe_data on remote engines, naming the field', async () => {
    const dir = workspace({ mode: 'probe_data' });
    const r = await run(dir, ['config.json'], { loadModel: async () => new FakeModel(), makeRemotePool: async () => ({ pool: new FakePool([]), model: new FakeModel() }) });
    expect(r.status).toBe(2);
    expect(r.err).toContain('config.json: mode "probe_data" runs on a local model; remote_engines serve the dialogue mode');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
  });
});
