import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRunCommand, defaultMakeLabeller, progressLine, type LoadRequest, type RunCommandDeps } from '../../src/cli/commands/run';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import type { Labeller } from '../../src/lib/core/runner/types';
import { FakeModel } from './runner-fakeModel';

const SECRET = 'sk-test-NEVER-STORE-THIS-0123456789';

function workspace(config: Record<string, unknown>, dataset: string, datasetName = 'data.jsonl') {
  const dir = mkdtempSync(join(tmpdir(), 'cli-run-'));
  writeFileSync(join(dir, datasetName), dataset);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ dataset_path: `./${datasetName}`, output_dir: './out', max_steps: 2, seed: 3, model_path: './model', ...config }));
  mkdirSync(join(dir, 'model'));
  return dir;
}

const DATA = ['{"id": "a", "question": "Capital of Falubia?", "answer": "Hartton"}', '{"id": "b", "question": "Currency of Falubia?", "answer": "zecchin"}'].join('\n') + '\n';

function io(cwd: string, extra: Partial<CliIO> = {}) {
  let out = '';
  let err = '';
  const value: CliIO = { stdout: (t) => (out += t), stderr: (t) => (err += t), cwd, env: { JUDGE_KEY: SECRET }, ...extra };
  return { io: value, get out() { return out; }, get err() { return err; } };
}

function deps(model: () => FakeModel, extra: Partial<RunCommandDeps> = {}): RunCommandDeps & { requests: LoadRequest[] } {
  const requests: LoadRequest[] = [];
  return {
    requests,
    loadModel: async (req) => {
      requests.push(req);
      return model();
    },
    now: () => Date.UTC(2026, 0, 1),
    ...extra
  };
}

async function run(cwd: string, argv: string[], d: RunCommandDeps, extra: Partial<CliIO> = {}) {
  const c = io(cwd, extra);
  const status = await runCli(['run', ...argv], c.io, [createRunCommand(d)]);
  return { status, out: c.out, err: c.err };
}

describe('spikescore run', () => {
  it('spikescore run config.json writes the run directory and exits 0', async () => {
    const dir = workspace({}, DATA);
    const d = deps(() => new FakeModel());
    const r = await run(dir, ['config.json', '--threads', '2', '--backend', 'wasm'], d);
    expect(r.status).toBe(0);
    expect(d.requests[0]).toMatchObject({ ref: { kind: 'local', path: join(dir, 'model'), id: 'model' }, backend: 'wasm', threads: 2, dtype: 'auto' });
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['a.json', 'a.safetensors', 'b.json', 'b.safetensors', 'manifest.json', 'progress.json']);
    const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format_version: 1, kind: 'spikescore-run', config: { max_steps: 2, seed: 3 }, provenance: { model_id: 'test-double/echo', app_version: '0.1.0', seeds: { run: 3, sampling: 3 } }, dataset: { kind: 'general', items: 2, sampled: 2 } });
    expect(manifest.summary).toMatchObject({ items: 2, completed: 2, failed: 0 });
    expect(JSON.parse(readFileSync(join(dir, 'out/progress.json'), 'utf8'))).toEqual({ current: 2, total: 2, percentage: 100, current_item: 'b', timestamp: '2026-01-01T00:00:00.000Z', turn: 0, turns: 3 });
    expect(r.out).toContain('done: 2 items × 3 turns (2 finished now, 0 of them continued, 0 already done, 0 failed)');
    expect(r.err).toContain('labels: no labeller is wired for label_method "match"');
  });

  it('spikescore run exits 2 with every config problem on stderr', async () => {
    const dir = workspace({ max_steps: -1, temperature: 'warm' }, DATA);
    const r = await run(dir, ['config.json'], deps(() => new FakeModel()));
    expect(r.status).toBe(2);
    expect(r.err).toContain('config.json: max_steps must be an integer ≥ 0, got -1');
    expect(r.err).toContain('config.json: temperature must be a number ≥ 0, got "warm"');
  });

  it('spikescore run exits 2 naming each bad dataset line, a missing dataset, and an unknown model', async () => {
    const bad = workspace({}, '{"id": "a", "question": "ok", "answer": "x"}\n{"oops"\n{"answer": "no question"}\n');
    const r1 = await run(bad, ['config.json'], deps(() => new FakeModel()));
    expect(r1.status).toBe(2);
    expect(r1.err).toMatch(/\.\/data\.jsonl:2: not valid JSON/);
    expect(r1.err).toContain('./data.jsonl:3: the record has no question');
    expect(existsSync(join(bad, 'out'))).toBe(false);

    const missing = workspace({ dataset_path: 'nowhere.jsonl' }, DATA);
    const r2 = await run(missing, ['config.json'], deps(() => new FakeModel()));
    expect(r2.status).toBe(2);
    expect(r2.err).toContain('config.json: dataset_path "nowhere.jsonl" not found (looked at');

    const unknown = workspace({ model_path: 'someone/UnknownModel-7B' }, DATA);
    const r3 = await run(unknown, ['config.json'], deps(() => new FakeModel()));
    expect(r3.status).toBe(2);
    expect(r3.err).toContain('config.json: model_path "someone/UnknownModel-7B" is neither a folder on disk nor a hub model with a known ONNX export');

    const noFolder = workspace({ model_path: './no-such-model' }, DATA);
    const r4 = await run(noFolder, ['config.json'], deps(() => new FakeModel()));
    expect(r4.status).toBe(2);
    expect(r4.err).toContain('config.json: model_path "./no-such-model" is not a folder');
  });

  it('spikescore run maps a PyTorch hub id to its ONNX export before loading', async () => {
    const dir = workspace({ model_path: 'Qwen/Qwen2.5-0.5B-Instruct' }, DATA);
    const d = deps(() => new FakeModel());
    expect((await run(dir, ['config.json'], d)).status).toBe(0);
    expect(d.requests[0].ref).toEqual({ kind: 'hub', id: 'onnx-community/Qwen2.5-0.5B-Instruct', requested: 'Qwen/Qwen2.5-0.5B-Instruct' });
  });

  it('spikescore run refuses a non-empty output_dir without --resume, and a changed config with it', async () => {
    const dir = workspace({}, DATA);
    expect((await run(dir, ['config.json'], deps(() => new FakeModel()))).status).toBe(0);
    const again = await run(dir, ['config.json'], deps(() => new FakeModel()));
    expect(again.status).toBe(2);
    expect(again.err).toMatch(/config\.json: output_dir .*out is not empty \(6 entries\); pass --resume to continue the run there, or choose another output_dir/);

    const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...cfg, temperature: 0.9, strategy: 'fixed' }));
    const changed = await run(dir, ['config.json', '--resume'], deps(() => new FakeModel()));
    expect(changed.status).toBe(2);
    expect(changed.err).toContain('was made with a different strategy: "progressive" → "fixed"');
    expect(changed.err).toContain('was made with a different temperature: 0.2 → 0.9');

    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    writeFileSync(join(dir, 'data.jsonl'), DATA + '{"id": "c", "question": "New?", "answer": "x"}\n');
    const data = await run(dir, ['config.json', '--resume'], deps(() => new FakeModel()));
    expect(data.status).toBe(2);
    expect(data.err).toContain('its content changed (sha256');
  });

  it('spikescore run --resume after a Ctrl-C continues where it stopped and matches an uninterrupted run', async () => {
    const whole = workspace({}, DATA);
    expect((await run(whole, ['config.json'], deps(() => new FakeModel()))).status).toBe(0);

    const split = workspace({}, DATA);
    const controller = new AbortController();
    const stopped = await run(split, ['config.json'], deps(() => new FakeModel({ abortAt: { call: 5, controller } })), { signal: controller.signal });
    expect(stopped.status).toBe(130);
    expect(stopped.err).toContain('stopped: cancelled; finished work is kept');
    const resumed = await run(split, ['config.json', '--resume'], deps(() => new FakeModel()));
    expect(resumed.status).toBe(0);
    expect(resumed.out).toContain('(1 finished now, 1 of them continued, 1 already done, 0 failed)');
    for (const f of ['a.json', 'a.safetensors', 'b.json', 'b.safetensors']) {
      expect(readFileSync(join(split, 'out', f)), f).toEqual(readFileSync(join(whole, 'out', f)));
    }
  });

  it('spikescore run writes <id>_error.json for a failing item and exits 1 only when every item failed', async () => {
    const dir = workspace({}, DATA);
    const some = await run(dir, ['config.json'], deps(() => new FakeModel({ failWhen: (p) => p.includes('Currency') })));
    expect(some.status).toBe(0);
    const err = JSON.parse(readFileSync(join(dir, 'out/b_error.json'), 'utf8'));
    expect(err).toMatchObject({ id: 'b', error: 'test double: failing on cue', timestamp: '2026-01-01T00:00:00.000Z' });
    expect(some.err).toContain('item 2/2 b failed: test double: failing on cue');
    // Resuming retries the failed item and removes its error file once it succeeds.
    expect((await run(dir, ['config.json', '--resume'], deps(() => new FakeModel()))).status).toBe(0);
    expect(existsSync(join(dir, 'out/b_error.json'))).toBe(false);

    const all = workspace({}, DATA);
    expect((await run(all, ['config.json'], deps(() => new FakeModel({ failWhen: () => true })))).status).toBe(1);
  });

  it('spikescore run never stores the judge key it reads from the environment', async () => {
    const dir = workspace({ judge: { base_url: 'https://judge.example/v1', model: 'gpt-4o-mini', api_key_env: 'JUDGE_KEY' } }, DATA);
    let seenKey: string | undefined;
    const labeller: Labeller = { label: async () => ({ label: 1, source: 'judge' }) };
    const d = deps(() => new FakeModel(), {
      makeLabeller: (config, env) => {
        seenKey = env[config.judge!.api_key_env!];
        return labeller;
      }
    });
    expect((await run(dir, ['config.json'], d)).status).toBe(0);
    expect(seenKey).toBe(SECRET);
    for (const f of readdirSync(join(dir, 'out'))) expect(readFileSync(join(dir, 'out', f)).includes(SECRET), f).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')).config.judge).toEqual({ base_url: 'https://judge.example/v1', model: 'gpt-4o-mini', api_key_env: 'JUDGE_KEY', timeout_ms: null });
    expect(JSON.parse(readFileSync(join(dir, 'out/a.json'), 'utf8'))).toMatchObject({ nli_label: 1, label_source: 'judge' });
  });

  it('spikescore run labels through the judges: an OpenAI-compatible judge gets the key from env, and no file keeps it', async () => {
    const seen: { auth?: string; body?: { messages: { role: string; content: string }[] } }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: '1' } }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const dir = workspace({ label_method: 'judge', judge: { base_url: `http://127.0.0.1:${port}/v1`, model: 'judge-model', api_key_env: 'JUDGE_KEY' } }, DATA);
      const r = await run(dir, ['config.json'], deps(() => new FakeModel(), { makeLabeller: defaultMakeLabeller }));
      expect(r.status).toBe(0);
      expect(seen.length).toBe(2);
      expect(seen[0].auth).toBe(`Bearer ${SECRET}`);
      // The reference slot holds the gold answer and the model slot the turn-0 answer (B7 fixed).
      const a = JSON.parse(readFileSync(join(dir, 'out/a.json'), 'utf8'));
      expect(seen[0].body!.messages.at(-1)!.content).toBe(`Question: Capital of Falubia?\nReference answer: Hartton\nModel answer: ${a.reasoning_chain[0].response}\nYour reply:`);
      expect(a).toMatchObject({ nli_label: 1, label_source: 'judge', label_detail: { kind: 'judge', reply: '1' } });
      for (const f of readdirSync(join(dir, 'out'))) expect(readFileSync(join(dir, 'out', f)).includes(SECRET), f).toBe(false);
      expect(JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')).summary.label_stats).toMatchObject({ calls: 2, correct: 2 });
    } finally {
      server.close();
    }
  });

  it('spikescore run with label_method "dataset" stores the dataset labels through the judges', async () => {
    const dir = workspace({ label_method: 'dataset' }, '{"id": "a", "question": "q1", "answer": "x", "label": 0}\n{"id": "b", "question": "q2", "answer": "y"}\n');
    const r = await run(dir, ['config.json'], deps(() => new FakeModel(), { makeLabeller: defaultMakeLabeller }));
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out/a.json'), 'utf8'))).toMatchObject({ nli_label: 0, label_source: 'dataset' });
    expect(JSON.parse(readFileSync(join(dir, 'out/b.json'), 'utf8'))).toMatchObject({ nli_label: null, label_source: 'dataset', label_error: 'missing' });
    expect(r.out).toContain('labels 1, label failures 1');
  });

  it('spikescore run refuses ids that would collide with the run directory files', async () => {
    const dir = workspace({}, '{"id": "progress", "question": "q", "answer": "a"}\n{"id": "x_error", "question": "r", "answer": "b"}\n');
    const r = await run(dir, ['config.json'], deps(() => new FakeModel()));
    expect(r.status).toBe(2);
    expect(r.err).toContain('item id "progress" would be stored as progress.json, a name the run directory reserves');
    expect(r.err).toContain('item id "x_error" would be stored as x_error.json');
  });

  it('progressLine shows item i of n, turn k of K, tokens/s and the ETA', () => {
    // Done: (2 items + 5/21 of the third) of 10 = 22.4 % of 20 cells → 4 filled.
    expect(progressLine({ type: 'turn', index: 2, total: 10, itemId: 'x', turn: 4, turns: 21, tokens: 30, timedOut: false, tokensPerSecond: 14.25, etaSeconds: 185 })).toBe(
      '████░░░░░░░░░░░░░░░░ item 3/10 · turn 5/21 · 14.3 tok/s · ETA 3m05s'
    );
    expect(progressLine({ type: 'turn', index: 0, total: 1, itemId: 'x', turn: 0, turns: 1, tokens: 0, timedOut: true, tokensPerSecond: null, etaSeconds: null })).toBe(
      '████████████████████ item 1/1 · turn 1/1 · – tok/s · ETA ? · timed out'
    );
  });
});
