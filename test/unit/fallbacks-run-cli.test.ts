/**
 * `spikescore fallbacks run` end to end on fixture models built in a temp folder: the bigram "loop" fixture
 * (deterministic fallbacks: one answer, then repetitions) and a random-weight Llama (sampling). Files named and laid
 * out as method-fallbacks.md §3, lines that parse, rows summing to 25, reps averaged, resume after Ctrl-C and after
 * SIGKILL of a real child process, the fact judge over a local HTTP server, and bad inputs with their messages.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main';
import { analyzeSequence } from '../../src/lib/core/fallbacks/index';
import { APP_VERSION } from '../../src/lib/core/version';
import { writeModelFolder } from '../../src/lib/engine/fixtures/node/writeModelFolder';
import { writeLoopModel } from './fallbacks-run-fixture';
import { repoRoot } from './fallbacks-shared';

const gpt2 = createRequire(import.meta.url)('gpt-3-encoder') as { encode(text: string): number[]; decode(ids: number[]): string };

const root = mkdtempSync(join(tmpdir(), 'fallbacks-run-'));
const loopDir = join(root, 'loop');
const randDir = join(root, 'rand');

beforeAll(async () => {
  await writeLoopModel(loopDir);
  await writeModelFolder(randDir, { arch: 'llama', layers: 2, seed: 7 }, { dtypes: ['fp32'] });
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Ran {
  status: number;
  out: string;
  err: string;
}

async function run(argv: string[], extra: { env?: Record<string, string>; signal?: AbortSignal; onErr?: (t: string) => void } = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const io = {
    stdout: (t: string) => void (out += t),
    stderr: (t: string) => {
      err += t;
      extra.onErr?.(t);
    },
    cwd: root,
    env: extra.env ?? {},
    ...(extra.signal ? { signal: extra.signal } : {})
  };
  const status = await runCli(['fallbacks', 'run', ...argv], io);
  return { status, out, err };
}

const text = (path: string): string => readFileSync(path, 'utf8');
const lines = (path: string): string[] => text(path).split('\n').slice(0, -1);
const jsonLines = <T = Record<string, unknown>>(path: string): T[] => lines(path).map((l) => JSON.parse(l) as T);
const sampleFiles = (out: string): string[] => (existsSync(join(out, 'samples')) ? readdirSync(join(out, 'samples')).filter((n) => /^r\d+-[a-z_]+-\d+\.json$/.test(n)).sort() : []);

/** The counts of a results CSV row whose prompt has no comma or quote: correct … repeated. */
const rowCounts = (line: string): number[] => line.split(',').slice(1, 7).map(Number);
const R24 = Array(24).fill(3).join(', ');

describe('fallbacks run on the loop fixture', () => {
  const outA = join(root, 'trivia');
  const triviaArgs = (out: string): string[] => ['--task', 'trivia_facts', '--model', loopDir, '--model-id', 'fixture/loop', '--out', out, '--limit', '3', '--max-new-tokens', '400'];

  it('fallbacks run --task trivia_facts --limit 3 writes the reference files, labels and summary', async () => {
    const r = await run(triviaArgs(outA));
    expect(r.status, r.err).toBe(0);
    const names = [
      'hq_qampari_results_3_prompts_fixture+loop_400T.jsonl',
      'hq_qampari_logprobs_3_prompts_fixture+loop_400T.jsonl',
      'hq_qampari_results_fixture+loop_answerable.csv',
      'reports/hq_qampari_results_fixture+loop_answerable.csv',
      'labels.jsonl',
      'summary.json'
    ];
    expect(r.out).toBe(names.map((n) => n + '\n').join(''));
    expect(r.err).toMatch(/prompt 1\/3 · r0-trivia_facts-0 · 400 tokens · [\d.]+ tok\/s · ETA \d+s\n/);

    const results = jsonLines<{ prompt: string; completion: string }>(join(outA, names[0]));
    expect(results.map((x) => x.prompt)).toEqual([
      'The following 25 fingers are part of the human hand',
      'The following 25 are the main stages in human life',
      'The following 25 are phases of human sleep'
    ]);
    for (const x of results) expect(x.completion.startsWith(' Index\n2. Index\n2. Index\n')).toBe(true); // untrimmed: the leading space is kept

    // Token ids: the prompt and "\n1." tokenized separately (an independent GPT-2 encoder), then the top-5 of every
    // step, each id decoded on its own, in the logprobs file.
    const sample = JSON.parse(text(join(outA, 'samples', 'r0-trivia_facts-0.json'))) as { prompt_ids: number[]; token_ids: number[]; top_ids: number[][]; completion: string };
    expect(sample.prompt_ids).toEqual([...gpt2.encode('The following 25 fingers are part of the human hand'), ...gpt2.encode('\n1.')]);
    expect(sample.token_ids.slice(0, 4)).toEqual([12901, 198, 17, 13]);
    expect(gpt2.decode(sample.token_ids)).toBe(sample.completion);
    const logprobs = jsonLines<{ prompt: string; logprobs: Record<string, number>[] }>(join(outA, names[1]));
    expect(logprobs[0].prompt).toBe('The following 25 fingers are part of the human hand\n1.');
    expect(logprobs[0].logprobs).toHaveLength(400);
    logprobs[0].logprobs.forEach((step, t) => {
      expect(Object.keys(step)).toEqual([...new Set(sample.top_ids[t].map((id) => gpt2.decode([id])))]);
      expect(Object.keys(step)[0]).toBe(gpt2.decode([sample.token_ids[t]])); // greedy: the chosen token is the best
    });
    expect(Object.keys(logprobs[0].logprobs[0])[0]).toBe(' Index');

    const csv = lines(join(outA, names[2]));
    expect(csv).toEqual([
      ',correct,bad_format,topic_change,eos,hallucinated,repeated,degenerated_tail,order',
      `The following 25 fingers are part of the human hand,1,0,0,0,0,24,True,"[1, ${R24}]"`,
      `The following 25 are the main stages in human life,0,0,0,0,1,24,True,"[2, ${R24}]"`,
      `The following 25 are phases of human sleep,0,0,0,0,1,24,True,"[2, ${R24}]"`
    ]);
    for (const row of csv.slice(1)) expect(rowCounts(row).reduce((a, b) => a + b, 0)).toBe(25);
    expect(text(join(outA, names[3])).startsWith(',Prompt,Expected,Prediction,Raw Prediction\n0,The following 25 fingers are part of the human hand,"Index\nThumb\nMiddle\nRing\nPinky","Index (C)\nIndex (R)\n')).toBe(true);

    const labels = jsonLines<{ status: string; key: string }>(join(outA, 'labels.jsonl'));
    expect(labels.map((l) => [l.key, l.status])).toEqual([
      ['r0-trivia_facts-0', 'FULL'],
      ['r0-trivia_facts-1', 'FULL'],
      ['r0-trivia_facts-2', 'FULL']
    ]);
    const summary = JSON.parse(text(join(outA, 'summary.json')));
    expect(summary.parts.answerable.mean).toEqual({ correct: 1 / 3, hallucinated: 2 / 3, repeated: 24, bad_format: 0, topic_change: 0, eos: 0 });
    expect(summary.parts.answerable).toMatchObject({ n_prompts: 3, n_samples: 3, status_counts: { FULL: 3 }, degenerated_tail_share: 1 });
    expect(summary.generation).toMatchObject({ n_samples: 3, new_tokens: 1200, stop_reasons: { length: 3 } });
    expect(summary.generation.tokens_per_second).toBeGreaterThan(0);
    expect(summary.provenance).toMatchObject({
      model_id: 'fixture/loop',
      model_sha256: createHash('sha256').update(readFileSync(join(loopDir, 'onnx', 'model.onnx'))).digest('hex'),
      backend: 'wasm',
      dtype: 'fp32',
      app_version: APP_VERSION,
      seed: 0,
      data_sha256: { 'trivia_facts.jsonl': createHash('sha256').update(readFileSync(join(repoRoot, 'static/data/fallbacks/trivia_facts.jsonl'))).digest('hex') }
    });
    expect(summary.config).toMatchObject({ task: 'trivia_facts', maxNewTokens: 400, temperature: 0, reps: 1, limit: 3 });
    expect(JSON.parse(text(join(outA, 'progress.json')))).toMatchObject({ current: 3, total: 3, percentage: 100 });
  }, 60_000);

  it('fallbacks run refuses an existing run without --resume, and a --resume with other options', async () => {
    const again = await run(triviaArgs(outA));
    expect(again.status).toBe(2);
    expect(again.err).toContain(`--out ${outA} is not empty (9 entries: a fallbacks run of trivia_facts with fixture/loop); pass --resume to continue the run there, or choose another --out`);
    expect(readdirSync(outA).sort()).toEqual(['hq_qampari_logprobs_3_prompts_fixture+loop_400T.jsonl', 'hq_qampari_results_3_prompts_fixture+loop_400T.jsonl', 'hq_qampari_results_fixture+loop_answerable.csv', 'labels.jsonl', 'progress.json', 'reports', 'run.json', 'samples', 'summary.json']);
    const other = await run([...triviaArgs(outA).slice(0, -1), '300', '--resume']);
    expect(other.status).toBe(2);
    expect(other.err).toContain(`--resume: this run's max_new_tokens is 300 but the run in ${outA} has 400; use the same options, or another --out`);
  }, 60_000);

  it('fallbacks run refuses a non-empty folder that is not a run, with or without --resume', async () => {
    const out = join(root, 'not-a-run');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const fresh = await run(triviaArgs(out));
    expect(fresh.status).toBe(2);
    expect(fresh.err).toContain(`--out ${out} is not empty (1 entries); pass --resume to continue the run there, or choose another --out`);
    const resumed = await run([...triviaArgs(out), '--resume']);
    expect(resumed.status).toBe(2);
    expect(resumed.err).toContain(`--out ${out} holds files but no run.json, so the run cannot be checked against these options; choose another --out`);
  });

  it('fallbacks run --resume after a SIGKILL of a real child process keeps the finished samples, never duplicates lines, and equals an uninterrupted run', async () => {
    const out = join(root, 'killed');
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'spikescore.mjs'), 'fallbacks', 'run', ...triviaArgs(out)], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let childErr = '';
    child.stderr!.on('data', (d) => (childErr += String(d)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 90_000;
    while (sampleFiles(out).length === 0 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    const { signal } = await exited;
    expect(signal, childErr).toBe('SIGKILL');
    const kept = sampleFiles(out);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(3);
    expect(existsSync(join(out, 'hq_qampari_results_3_prompts_fixture+loop_400T.jsonl'))).toBe(false);

    const resumed = await run([...triviaArgs(out), '--resume']);
    expect(resumed.status, resumed.err).toBe(0);
    expect(resumed.err).toContain(`resuming: ${kept.length} of 3 samples already finished, kept`);
    expect(resumed.err.match(/^prompt \d\/3 /gm)).toHaveLength(3 - kept.length);
    const names = ['hq_qampari_results_3_prompts_fixture+loop_400T.jsonl', 'hq_qampari_logprobs_3_prompts_fixture+loop_400T.jsonl', 'hq_qampari_results_fixture+loop_answerable.csv'];
    const results = jsonLines<{ prompt: string }>(join(out, names[0]));
    expect(new Set(results.map((x) => x.prompt)).size).toBe(3);
    for (const n of names) expect(text(join(out, n)), n).toBe(text(join(outA, n)));

    // A finished run resumed again generates nothing and writes the same files.
    const done = await run([...triviaArgs(out), '--resume']);
    expect(done.status).toBe(0);
    expect(done.err).toContain('resuming: 3 of 3 samples already finished, kept');
    expect(done.err).not.toMatch(/^prompt /m);
    for (const n of names) expect(text(join(out, n)), n).toBe(text(join(outA, n)));
  }, 120_000);

  it('fallbacks run stops on Ctrl-C after the sample in progress (exit 130) and --resume finishes it', async () => {
    const out = join(root, 'interrupted');
    const controller = new AbortController();
    const r = await run(triviaArgs(out), { signal: controller.signal, onErr: (t) => t.startsWith('prompt 1/3 ') && controller.abort() });
    expect(r.status).toBe(130);
    expect(r.err).toContain('stopped: cancelled; finished work is kept (resume with the same command and --resume)');
    expect(sampleFiles(out)).toEqual(['r0-trivia_facts-0.json']);
    const resumed = await run([...triviaArgs(out), '--resume']);
    expect(resumed.status, resumed.err).toBe(0);
    expect(text(join(out, 'hq_qampari_results_3_prompts_fixture+loop_400T.jsonl'))).toBe(text(join(outA, 'hq_qampari_results_3_prompts_fixture+loop_400T.jsonl')));
  }, 60_000);

  it('fallbacks run --task qampari runs QAMPARI then FakeQAMPARI into one JSONL and two CSVs (rows sum to 25)', async () => {
    const out = join(root, 'qampari');
    const r = await run(['--task', 'qampari', '--model', loopDir, '--out', out, '--limit', '3', '--max-new-tokens', '120']);
    expect(r.status, r.err).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      'qampari_results_6_prompts_loop_120T.jsonl',
      'qampari_logprobs_6_prompts_loop_120T.jsonl',
      'qampari_results_loop_answerable.csv',
      'reports/qampari_results_loop_answerable.csv',
      'qampari_results_loop_unanswerable.csv',
      'labels.jsonl',
      'summary.json'
    ]);
    const prompts = jsonLines<{ prompt: string }>(join(out, 'qampari_results_6_prompts_loop_120T.jsonl')).map((x) => x.prompt);
    expect(prompts[0]).toBe('The following 25 manga were drawn by Ryoichi Ikegami:');
    expect(prompts[3]).toBe('The following 25 manga were drawn by Haru Tanemura:');
    expect(jsonLines(join(out, 'qampari_logprobs_6_prompts_loop_120T.jsonl'))).toHaveLength(6);
    const fake = lines(join(out, 'qampari_results_loop_unanswerable.csv')).slice(1);
    expect(fake).toHaveLength(3);
    for (const row of fake) expect(row.endsWith(`,0,0,0,0,1,24,True,"[2, ${R24}]"`)).toBe(true);
    const answerable = lines(join(out, 'qampari_results_loop_answerable.csv')).slice(1);
    expect(answerable).toHaveLength(3);
    for (const row of [...answerable, ...fake]) expect(row.split(':,')[1].split(',').slice(0, 6).map(Number).reduce((a, b) => a + b, 0)).toBe(25);
    const summary = JSON.parse(text(join(out, 'summary.json')));
    expect(summary.parts.unanswerable.mean).toEqual({ correct: 0, hallucinated: 1, repeated: 24, bad_format: 0, topic_change: 0, eos: 0 });
    expect(summary.parts.answerable.n_prompts).toBe(3);
  }, 60_000);

  it('fallbacks run --task fake_qampari writes the unanswerable CSV and no report', async () => {
    const out = join(root, 'fake');
    const r = await run(['--task', 'fake_qampari', '--model', loopDir, '--out', out, '--limit', '3', '--max-new-tokens', '8']);
    expect(r.status, r.err).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual(['qampari_results_3_prompts_loop_8T.jsonl', 'qampari_logprobs_3_prompts_loop_8T.jsonl', 'qampari_results_loop_unanswerable.csv', 'labels.jsonl', 'summary.json']);
    expect(existsSync(join(out, 'reports'))).toBe(false);
    // 8 tokens: " Index\n2. Index\n2." → answers Index, Index, "" (a list cut off mid-line) → H R H, then EOS.
    const [result] = jsonLines<{ prompt: string; completion: string }>(join(out, 'qampari_results_3_prompts_loop_8T.jsonl'));
    expect(result).toEqual({ prompt: 'The following 25 manga were drawn by Haru Tanemura:', completion: ' Index\n2. Index\n2.' });
    const tail = analyzeSequence([...gpt2.encode(result.prompt), ...gpt2.encode(result.completion)]).degeneratedTail ? 'True' : 'False';
    const row = lines(join(out, 'qampari_results_loop_unanswerable.csv'))[1];
    expect(row).toBe(`The following 25 manga were drawn by Haru Tanemura:,0,0,0,22,2,1,${tail},"[2, 3, 2, ${Array(22).fill(6).join(', ')}]"`);
  }, 60_000);

  it('fallbacks run --temp 0.5 with one rep warns that the counts vary with the draw, and names files with the temperature', async () => {
    const out = join(root, 'temp1');
    const r = await run(['--task', 'fake_qampari', '--model', loopDir, '--out', out, '--limit', '1', '--max-new-tokens', '2', '--temp', '0.5']);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toContain("⚠ --temp > 0 with --reps 1: one sample per prompt, so the counts vary with the draw; consider --reps 5 (the paper's sampling runs)");
    expect(r.out.split('\n')[0]).toBe('qampari_results_1_prompts_loop_2T_temp=0_5.jsonl');
  }, 60_000);

  it('fallbacks run --task bio without a judge reports facts as unchecked, with degeneration and the diversity curve', async () => {
    const out = join(root, 'bio');
    const r = await run(['--task', 'bio', '--model', loopDir, '--out', out, '--limit', '3', '--max-new-tokens', '30']);
    expect(r.status, r.err).toBe(0);
    expect(r.out.split('\n').filter(Boolean).slice(0, 4)).toEqual([
      'open_ended_results_3_prompts_loop_30T.jsonl',
      'open_ended_logprobs_3_prompts_loop_30T.jsonl',
      'open_ended_results_loop_answerable.csv',
      'reports/open_ended_results_loop_answerable.csv'
    ]);
    const results = jsonLines<{ prompt: string; completion: string }>(join(out, 'open_ended_results_3_prompts_loop_30T.jsonl'));
    expect(results[0].prompt).toBe('The following is a bio of Lanny Flaherty:\nLanny Flaherty');
    expect(results[0].completion.startsWith(' He is an actor. Index\n2. Index\n2.')).toBe(true);
    expect(jsonLines<{ prompt: string }>(join(out, 'open_ended_logprobs_3_prompts_loop_30T.jsonl'))[0].prompt).toBe(results[0].prompt);
    const csv = text(join(out, 'open_ended_results_loop_answerable.csv'));
    expect(csv.startsWith(',correct,bad_format,topic_change,eos,hallucinated,repeated,degenerated_tail,order,unchecked\n')).toBe(true);
    // "Lanny Flaherty He is an actor." and "Index\n2." are unchecked facts, the next four "Index\n2." repeat, and
    // the last sentence ("Index", no period) is cut off by the token budget: bad format.
    const tail = analyzeSequence([...gpt2.encode(results[0].prompt), ...gpt2.encode(results[0].completion)]).degeneratedTail;
    expect(csv).toContain(`"The following is a bio of Lanny Flaherty:\nLanny Flaherty",0,1,0,0,0,4,${tail ? 'True' : 'False'},"[0, 0, 3, 3, 3, 3, 4]",2\n`);
    const summary = JSON.parse(text(join(out, 'summary.json')));
    expect(summary.bio_facts).toMatch(/^unchecked: no judge/);
    expect(summary.parts.answerable).toMatchObject({ unchecked_mean: 2, mean: { correct: 0, hallucinated: 0, repeated: 4, bad_format: 1 } });
    // Argmax tokens " He", " is", " an", " actor", ".", " Index", "\n", "2", ".", " Index": unique shares 1 … 8/9, 8/10.
    const expected = [1, 1, 1, 1, 1, 1, 1, 1, 8 / 9, 8 / 10];
    (summary.diversity.mean as number[]).slice(0, 10).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 12));
    expect(summary.diversity.count[29]).toBe(3);
    expect(summary.diversity.at_100).toBeNull();
  }, 60_000);
});

describe('fallbacks run with sampling on a random-weight fixture', () => {
  it('fallbacks run --temp 1 --reps 2 repeats the prompt list, averages counts per prompt and is reproducible by seed', async () => {
    const args = (out: string, seed: string): string[] => ['--task', 'trivia_facts', '--model', randDir, '--out', out, '--limit', '2', '--max-new-tokens', '12', '--temp', '1', '--reps', '2', '--seed', seed];
    const out = join(root, 'reps');
    const r = await run(args(out, '5'));
    expect(r.status, r.err).toBe(0);
    const jsonl = join(out, 'hq_qampari_results_2_prompts_rand_12T_temp=1_0.jsonl');
    const results = jsonLines<{ prompt: string; completion: string }>(jsonl);
    expect(results.map((x) => x.prompt.slice(17, 30))).toEqual(['fingers are p', 'are the main ', 'fingers are p', 'are the main ']);
    expect(results[0].completion).not.toBe(results[2].completion); // the reps are different draws
    expect(existsSync(join(out, 'hq_qampari_logprobs_2_prompts_rand_12T_temp=1_0.jsonl'))).toBe(true);
    const labels = jsonLines<{ rep: number; index: number; correct: number; bad_format: number; topic_change: number; eos: number; hallucinated: number; repeated: number; order: number[] }>(
      join(out, 'labels.jsonl')
    );
    const csv = lines(join(out, 'hq_qampari_results_rand_temp=1.0_2reps_answerable.csv')).slice(1);
    expect(csv).toHaveLength(2);
    csv.forEach((row, index) => {
      const mine = labels.filter((l) => l.index === index);
      expect(mine.map((l) => l.rep)).toEqual([0, 1]);
      const mean = (k: 'correct' | 'bad_format' | 'topic_change' | 'eos' | 'hallucinated' | 'repeated') => (mine[0][k] + mine[1][k]) / 2;
      const cells = rowCounts(row);
      expect(cells).toEqual([mean('correct'), mean('bad_format'), mean('topic_change'), mean('eos'), mean('hallucinated'), mean('repeated')]);
      expect(row.split(',')[1]).toMatch(/^\d+\.\d+$/); // written as Python floats
      expect(cells.reduce((a, b) => a + b, 0)).toBe(25);
      expect(row.endsWith(`"[${mine[0].order.join(', ')}]"`)).toBe(true); // the order of the first rep
    });
    const same = join(root, 'reps-same');
    expect((await run(args(same, '5'))).status).toBe(0);
    expect(text(join(same, 'hq_qampari_results_2_prompts_rand_12T_temp=1_0.jsonl'))).toBe(text(jsonl));
    const other = join(root, 'reps-other');
    expect((await run(args(other, '6'))).status).toBe(0);
    expect(text(join(other, 'hq_qampari_results_2_prompts_rand_12T_temp=1_0.jsonl'))).not.toBe(text(jsonl));
  }, 90_000);
});

describe('fallbacks run --task bio with the fact judge over a local OpenAI-compatible server', () => {
  let server: Server;
  let baseURL = '';
  const seen: { auth: string | undefined; content: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw) as { model: string; messages: { content: string }[] };
        const content = body.messages[0].content;
        seen.push({ auth: req.headers.authorization, content });
        const fact = content.slice(content.lastIndexOf('Input: '));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: body.model, choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: fact.includes('actor') ? 'True' : 'False' } }] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fallbacks run --judge-* labels each checked sentence C or H, sends the key, and reuses judged/ on --resume', async () => {
    const knowledge = join(root, 'knowledge.jsonl');
    writeFileSync(
      knowledge,
      [
        { topic: 'Lanny Flaherty', text: 'Lanny Flaherty is an American actor.' },
        { topic: 'Marianne McAndrew', text: 'Marianne McAndrew is an American actress.' }
      ]
        .map((x) => JSON.stringify(x))
        .join('\n')
    );
    const out = join(root, 'judged');
    const args = ['--task', 'bio', '--model', loopDir, '--out', out, '--limit', '2', '--max-new-tokens', '30', '--judge-base-url', baseURL, '--judge-model', 'judge-m', '--judge-key-env', 'JUDGE_KEY', '--judge-knowledge', knowledge];
    const r = await run(args, { env: { JUDGE_KEY: 'sk-test' } });
    expect(r.status, r.err).toBe(0);
    expect(seen).toHaveLength(4); // two checked sentences per bio; the repetitions are not checked
    expect(seen.every((s) => s.auth === 'Bearer sk-test')).toBe(true);
    expect(seen[0].content).toContain('Input: Lanny Flaherty He is an actor. True or False?\nOutput:');
    expect(seen[0].content).toContain('Text: Lanny Flaherty is an American actor.');
    const csv = lines(join(out, 'open_ended_results_loop_answerable.csv'));
    expect(csv[1]).toBe('"The following is a bio of Lanny Flaherty:');
    expect(csv[2]).toMatch(/^Lanny Flaherty",1,1,0,0,1,4,(True|False),"\[1, 2, 3, 3, 3, 3, 4\]",0$/);
    const summary = JSON.parse(text(join(out, 'summary.json')));
    expect(summary.bio_facts).toBe('factscore-verify:judge-m (one fact per sentence)');
    expect(r.err).toContain('fact judge factscore-verify:judge-m (one fact per sentence): scored 2 bio(s), 0 from judged/');

    const again = await run([...args, '--resume'], { env: { JUDGE_KEY: 'sk-test' } });
    expect(again.status, again.err).toBe(0);
    expect(seen).toHaveLength(4);
    expect(again.err).toContain('scored 0 bio(s), 2 from judged/');
  }, 60_000);

  it('fallbacks run --judge-knowledge must cover every topic of the run', async () => {
    const knowledge = join(root, 'knowledge-1.jsonl');
    writeFileSync(knowledge, JSON.stringify({ topic: 'Lanny Flaherty', text: 'An actor.' }) + '\n');
    const r = await run(['--task', 'bio', '--model', loopDir, '--out', join(root, 'judged-missing'), '--limit', '2', '--max-new-tokens', '4', '--judge-base-url', baseURL, '--judge-model', 'm', '--judge-knowledge', knowledge]);
    expect(r.status).toBe(2);
    expect(r.err).toContain(`--judge-knowledge ${knowledge} has no passage for 1 topic(s) of this run: "Marianne McAndrew"`);
  }, 60_000);
});

describe('fallbacks run bad inputs', () => {
  const base = (out: string): string[] => ['--model', loopDir, '--out', join(root, out)];
  it.each([
    [['--task', 'trivia', ...base('b1')], '--task must be one of trivia_facts, qampari, fake_qampari, bio, got "trivia"'],
    [['--task', 'trivia_facts', '--reps', '3', ...base('b2')], 'reps 3 needs a temperature > 0: greedy decoding gives the same completion every time (the reference refuses this too)'],
    [['--task', 'trivia_facts', '--model', join(root, 'no-such-model'), '--out', join(root, 'b3')], `--model ${join(root, 'no-such-model')}: no such folder`],
    [['--task', 'qampari', '--colon', ...base('b4')], 'the colon variant (":\\n1.") applies to trivia_facts only (QAMPARI prompts already end with a colon), got task qampari'],
    [['--task', 'trivia_facts', '--judge-base-url', 'http://127.0.0.1:1/v1', '--judge-model', 'm', '--judge-knowledge', 'k.jsonl', ...base('b5')], 'the fact judge (--judge-*) scores bios: it applies to --task bio only, got --task trivia_facts'],
    [['--task', 'bio', '--judge-base-url', 'http://127.0.0.1:1/v1', ...base('b6')], '--judge-model is required with --judge-base-url (the model name the API serves)'],
    [['--task', 'bio', '--data', join(root, 'no-data'), ...base('b7')], `dataset ${join(root, 'no-data', 'open_ended', 'topics.jsonl')}: no such file`],
    [['--task', 'bio', '--template', 'Bio:', ...base('b8')], 'the bio template must contain {topic}, got "Bio:"'],
    [['--task', 'bio', '--limit', '0', ...base('b9')], 'limit must be a positive integer (the first N prompts), got 0'],
    [['--task', 'bio', '--model', loopDir], 'option --out is required for `spikescore fallbacks run`']
  ])('fallbacks run %j exits 2 with the message', async (argv, message) => {
    const r = await run(argv);
    expect(r.status).toBe(2);
    expect(r.err).toContain(message);
    expect(r.out).toBe('');
  });

  it('fallbacks run on a folder without config.json exits 2 naming the file', async () => {
    const empty = join(root, 'empty-model');
    mkdirSync(empty, { recursive: true });
    const r = await run(['--task', 'bio', '--model', empty, '--out', join(root, 'b10'), '--limit', '1']);
    expect(r.status).toBe(2);
    expect(r.err).toContain('config.json is missing (a model folder needs config.json, tokenizer.json and onnx/*.onnx)');
  });
});
