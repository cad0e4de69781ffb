/**
 * `spikescore fallbacks run`: generates the Loops-to-Oops tasks with our engine and writes the reference's files
 * (method-fallbacks.md §2–§6): results and logprobs JSONL, results CSV(s), report CSV, plus `labels.jsonl`,
 * `summary.json` (mean counts per slot class, provenance) and `progress.json`.
 *
 * The output folder holds one run:
 *   run.json            what the run is (task, model and its SHA-256, decoding, prompt variant, data hashes)
 *   samples/<key>.json  one finished sample each, written atomically as it finishes (the resumable state)
 *   judged/<key>.json   bio scores from a fact judge, cached per sample
 *   progress.json       {current, total, percentage, current_item, timestamp, tokens_per_second, eta_seconds}
 *   [no25_exps/]<the reference's files>, labels.jsonl, summary.json   written at the end, atomically
 *
 * A SIGKILL loses at most the sample in progress; `--resume` keeps every stored sample and generates the rest.
 */
import { existsSync, promises as fs, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command';
import type { CliIO } from '../io';
import { InputError, typeName, type Issue } from '../../lib/core/issues';
import { jsonLines } from '../../lib/core/jsonLines';
import { FALLBACKS_DATA_FILES, parseBioTopics, parseListDataset } from '../../lib/core/fallbacks/datasets';
import type { Passage } from '../../lib/core/fallbacks/factJudge';
import { scoreBio, type BioScore } from '../../lib/core/fallbacks/scoreBio';
import { assembleFallbacksRun } from '../../lib/core/fallbacks/generation/assembleRun';
import { RUN_TASKS, planFallbacksRun, type RunData, type RunPlan, type RunTask } from '../../lib/core/fallbacks/generation/planRun';
import { parseSampleRecord, type SampleRecord } from '../../lib/core/fallbacks/generation/sampleRecord';
import { APP_VERSION } from '../../lib/core/version';
import { runFallbackSamples, type SampleProgress, type SampleStore } from '../../lib/engine/fallbacks/runSamples';
import { sha256Hex } from '../../lib/engine/hash';
import { resolveApiKey } from '../../lib/engine/judges/chatClient';
import { createOpenAIFactJudge } from '../../lib/engine/judges/factCheck';
import { loadModelFromDir } from '../../lib/engine/node/engine';
import type { LocalModel } from '../../lib/engine/localModel';
import type { ModelDtype } from '../../lib/engine/types';
import { atomicWrite, atomicWriteJson, readJsonFile } from '../../lib/store/node/files';

export const RUN_FORMAT_VERSION = 1;

/** The bundled data: `static/data/fallbacks/` of this checkout. */
const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../static/data/fallbacks/', import.meta.url));
const dataFile = (dir: string, key: keyof typeof FALLBACKS_DATA_FILES): string => join(dir, FALLBACKS_DATA_FILES[key].replace(/^data\/fallbacks\//, ''));

const SAMPLE_FILE = /^r\d+-[a-z_]+-\d+\.json$/;

function bad(message: string, where?: string): InputError {
  return new InputError([{ code: 'invalid_value', path: [], message, ...(where ? { where } : {}) }]);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError([{ code: 'not_found', path: [], where: path, message: `${what} ${path}: no such file` }]);
    throw err;
  }
}

/** Reads the datasets the task needs, with their SHA-256 (provenance, and the identity of a resumed run). */
async function readData(task: RunTask, dir: string): Promise<{ data: RunData; hashes: Record<string, string> }> {
  const hashes: Record<string, string> = {};
  const read = async (key: keyof typeof FALLBACKS_DATA_FILES): Promise<string> => {
    const path = dataFile(dir, key);
    const text = await readText(path, 'dataset');
    hashes[basename(path)] = await sha256Hex(text);
    return text;
  };
  const data: { -readonly [K in keyof RunData]: RunData[K] } = {};
  if (task === 'trivia_facts') data.triviaFacts = parseListDataset(await read('triviaFacts'), 'trivia_facts.jsonl');
  if (task === 'qampari') data.qampari = parseListDataset(await read('qampari'), 'qampari_rephrased.jsonl');
  if (task === 'qampari' || task === 'fake_qampari') data.fakeQampari = parseListDataset(await read('fakeQampari'), 'fake_qampari.jsonl');
  if (task === 'bio') data.bioTopics = parseBioTopics(await read('bioTopics'), 'open_ended/topics.jsonl');
  return { data, hashes };
}

/** Reference passages for the fact judge: JSONL, one passage per line, `{"topic", "text", "title"?}`. */
export function parseKnowledge(text: string, where: string): Map<string, Passage[]> {
  const issues: Issue[] = [];
  const out = new Map<string, Passage[]>();
  for (const { value: v, n, at } of jsonLines(text, where, issues)) {
    const o = v as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.topic !== 'string' || typeof o.text !== 'string' || (o.title !== undefined && typeof o.title !== 'string')) {
      issues.push({ code: 'invalid_type', path: [], where: at, message: `line ${n} must be {"topic": string, "text": string, "title"?: string}, got ${typeName(v)}` });
      continue;
    }
    const list = out.get(o.topic) ?? [];
    list.push({ title: (o.title as string | undefined) ?? o.topic, text: o.text });
    out.set(o.topic, list);
  }
  if (issues.length) throw new InputError(issues);
  return out;
}

/** What makes two runs the same run: a resumed run must match this exactly. */
function runIdentity(plan: RunPlan, model: LocalModel, dataHashes: Record<string, string>): Record<string, unknown> {
  const c = plan.config;
  return {
    format_version: RUN_FORMAT_VERSION,
    kind: 'fallbacks-run',
    task: c.task,
    model_id: c.modelId,
    model_sha256: model.info.modelSha256,
    tokenizer_sha256: model.info.tokenizerHash,
    dtype: model.info.dtype,
    max_new_tokens: c.maxNewTokens,
    temperature: c.temperature,
    reps: c.reps,
    instruction: c.instruction,
    no25: c.no25,
    colon: c.colon,
    limit: c.limit,
    seed: c.seed,
    template: c.template,
    prompt_tokenization: 'separate',
    data_sha256: dataHashes
  };
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.round(s);
  if (r < 60) return `${r}s`;
  if (r < 3600) return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s`;
  return `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, '0')}m`;
}

/** Sample files in `samples/`, validated against the plan. */
async function loadSamples(dir: string, plan: RunPlan): Promise<Map<string, SampleRecord>> {
  const byKey = new Map(plan.samples.map((s) => [s.key, s]));
  const out = new Map<string, SampleRecord>();
  let names: string[] = [];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names.filter((n) => SAMPLE_FILE.test(n)).sort()) {
    const key = name.slice(0, -'.json'.length);
    const planned = byKey.get(key);
    if (!planned) continue;
    out.set(key, parseSampleRecord(await readJsonFile(join(dir, name)), planned, join(dir, name)));
  }
  return out;
}

interface JudgeFlags {
  readonly baseURL: string;
  readonly model: string;
  readonly keyEnv: string | undefined;
  readonly knowledge: string;
}

function judgeFlags(o: Readonly<Record<string, unknown>>, task: RunTask): JudgeFlags | null {
  const url = o['judge-base-url'] as string | undefined;
  const model = o['judge-model'] as string | undefined;
  const keyEnv = o['judge-key-env'] as string | undefined;
  const knowledge = o['judge-knowledge'] as string | undefined;
  if (url === undefined && model === undefined && keyEnv === undefined && knowledge === undefined) return null;
  const issues: string[] = [];
  if (task !== 'bio') issues.push(`the fact judge (--judge-*) scores bios: it applies to --task bio only, got --task ${task}`);
  if (url === undefined) issues.push('--judge-base-url is required with the other --judge-* options (an OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1)');
  if (model === undefined) issues.push('--judge-model is required with --judge-base-url (the model name the API serves)');
  if (knowledge === undefined) issues.push('--judge-knowledge is required with --judge-base-url: a JSONL file of reference passages {"topic", "text", "title"?} for each bio topic');
  if (issues.length) throw new InputError(issues.map((message) => ({ code: 'invalid_value', path: [], message })));
  return { baseURL: url!, model: model!, keyEnv, knowledge: knowledge! };
}

/** Scores every bio, with the judge (cached per sample in `judged/`) or without (facts unchecked). */
async function scoreBios(plan: RunPlan, records: Map<string, SampleRecord>, out: string, judge: JudgeFlags | null, io: CliIO): Promise<{ scores: Map<string, BioScore>; judgeName: string | null }> {
  const scores = new Map<string, BioScore>();
  if (!judge) {
    for (const s of plan.samples) scores.set(s.key, await scoreBio(s.topic!, records.get(s.key)!.completion));
    return { scores, judgeName: null };
  }
  const knowledge = parseKnowledge(await readText(resolve(io.cwd, judge.knowledge), '--judge-knowledge'), judge.knowledge);
  const missing = [...new Set(plan.samples.map((s) => s.topic!))].filter((t) => !(knowledge.get(t)?.length));
  if (missing.length) throw bad(`--judge-knowledge ${judge.knowledge} has no passage for ${missing.length} topic(s) of this run: ${missing.slice(0, 5).map((t) => JSON.stringify(t)).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  const apiKey = resolveApiKey(judge.keyEnv, { env: io.env });
  const factJudge = createOpenAIFactJudge({ baseURL: judge.baseURL, model: judge.model, ...(apiKey ? { apiKey } : {}), knowledge: (t) => knowledge.get(t) ?? [] });
  const judgeId = { name: factJudge.name, base_url: judge.baseURL, model: judge.model };
  let asked = 0;
  for (const s of plan.samples) {
    const completion = records.get(s.key)!.completion;
    const path = join(out, 'judged', `${s.key}.json`);
    if (existsSync(path)) {
      const cached = (await readJsonFile(path)) as { judge?: typeof judgeId; completion?: string; score?: BioScore };
      if (cached.completion === completion && JSON.stringify(cached.judge) === JSON.stringify(judgeId) && cached.score) {
        scores.set(s.key, cached.score);
        continue;
      }
    }
    io.signal?.throwIfAborted();
    const score = await scoreBio(s.topic!, completion, { judge: factJudge, ...(io.signal ? { signal: io.signal } : {}) });
    await atomicWrite(path, JSON.stringify({ format_version: 1, judge: judgeId, completion, score }) + '\n');
    scores.set(s.key, score);
    asked++;
  }
  io.stderr(`fact judge ${factJudge.name}: scored ${asked} bio(s), ${plan.samples.length - asked} from judged/\n`);
  return { scores, judgeName: factJudge.name };
}

export const fallbacksRun: Command = {
  name: 'fallbacks run',
  summary: 'generate the Loops-to-Oops tasks with a local model and write the reference files, labels and summary',
  options: [
    { name: 'task', type: 'string', help: 'trivia_facts, qampari (QAMPARI + FakeQAMPARI, as the reference), fake_qampari or bio', choices: RUN_TASKS, required: true, metavar: 'TASK' },
    { name: 'model', type: 'string', help: 'model folder (hub layout: config.json, tokenizer.json, onnx/*.onnx)', metavar: 'DIR', required: true },
    { name: 'model-id', type: 'string', help: 'model name in the file names, e.g. EleutherAI/pythia-70m (default: the folder name)', metavar: 'ID' },
    { name: 'out', type: 'string', help: 'output folder (one run per folder)', metavar: 'DIR', required: true },
    { name: 'temp', type: 'number', help: 'temperature; 0 is greedy', default: 0, metavar: 'T' },
    { name: 'reps', type: 'integer', help: 'samples per prompt, counts averaged (needs --temp > 0)', default: 1, metavar: 'R' },
    { name: 'max-new-tokens', type: 'integer', help: 'tokens to generate per prompt (the reference\'s --k)', default: 512, metavar: 'K' },
    { name: 'instruction', type: 'string', help: 'icl, idk, or a text prepended to every prompt (followed by a space)', metavar: 'icl|idk|TEXT' },
    { name: 'no25', type: 'boolean', help: 'remove " 25 " from the prompts (files go to no25_exps/)' },
    { name: 'colon', type: 'boolean', help: 'trivia_facts: feed "…:\\n1." (the hq_with_colon runs)' },
    { name: 'template', type: 'string', help: 'bio template containing {topic} (default "The following is a bio of {topic}:")', metavar: 'TEXT' },
    { name: 'limit', type: 'integer', help: 'only the first N prompts of each dataset (qampari runs 2N)', metavar: 'N' },
    { name: 'seed', type: 'string', help: 'seed of the sampling draws, keyed by (seed, task, prompt index, rep)', default: '0', metavar: 'S' },
    { name: 'dtype', type: 'string', help: 'which weights to load', choices: ['auto', 'fp32', 'fp16', 'q4', 'q4f16'], default: 'auto' },
    { name: 'threads', type: 'integer', help: 'WASM threads (default 1 in Node)', metavar: 'N' },
    { name: 'data', type: 'string', help: 'folder holding trivia_facts.jsonl, qampari_rephrased.jsonl, fake_qampari.jsonl, open_ended/topics.jsonl (default: the bundled static/data/fallbacks)', metavar: 'DIR' },
    { name: 'resume', type: 'boolean', help: 'continue the run in --out: keep its finished samples, generate the rest' },
    { name: 'judge-base-url', type: 'string', help: 'bio: OpenAI-compatible API of the fact judge', metavar: 'URL' },
    { name: 'judge-model', type: 'string', help: 'bio: the judge model name', metavar: 'NAME' },
    { name: 'judge-key-env', type: 'string', help: 'bio: environment variable holding the judge API key (none for local servers)', metavar: 'VAR' },
    { name: 'judge-knowledge', type: 'string', help: 'bio: JSONL of reference passages {"topic", "text", "title"?}, one passage per line', metavar: 'FILE' }
  ],
  details: [
    'Decoding as the reference\'s base-model path: raw prompts (no chat template), prompt and "\\n1." tokenized',
    'separately with the tokenizer\'s default special tokens, greedy unless --temp > 0 (top-p 1, no top-k), 512 new',
    'tokens. Logprobs are the model\'s raw log-softmax (the reference stores temperature-scaled ones when sampling).',
    'Bio facts without a judge are "unchecked" (label 0, column `unchecked`), never counted correct; with --judge-*,',
    'each sentence is one fact checked with FActScore\'s prompt against the passages given.',
    '',
    'example: spikescore fallbacks run --task trivia_facts --model models/pythia-70m --model-id EleutherAI/pythia-70m --out runs/tf'
  ].join('\n'),
  async run(args, io) {
    const o = args.options;
    const task = o.task as RunTask;
    const modelDir = resolve(io.cwd, o.model as string);
    const out = resolve(io.cwd, o.out as string);
    const seedText = o.seed as string;
    const seed = /^-?\d+$/.test(seedText) && Number.isSafeInteger(Number(seedText)) ? Number(seedText) : seedText;
    const judge = judgeFlags(o, task);
    if (!existsSync(modelDir) || !statSync(modelDir).isDirectory()) throw bad(`--model ${o.model as string}: no such folder (${modelDir})`);
    if (o.threads !== undefined && (o.threads as number) < 1) throw bad(`--threads must be at least 1, got ${o.threads as number}`);

    const dataDir = o.data !== undefined ? resolve(io.cwd, o.data as string) : DEFAULT_DATA_DIR;
    const { data, hashes } = await readData(task, dataDir);
    const plan = planFallbacksRun(
      {
        task,
        modelId: (o['model-id'] as string | undefined) ?? basename(modelDir),
        maxNewTokens: o['max-new-tokens'] as number,
        temperature: o.temp as number,
        reps: o.reps as number,
        ...(o.instruction !== undefined ? { instruction: o.instruction as string } : {}),
        no25: o.no25 === true,
        colon: o.colon === true,
        ...(o.limit !== undefined ? { limit: o.limit as number } : {}),
        seed,
        ...(o.template !== undefined ? { template: o.template as string } : {})
      },
      data
    );

    if (plan.config.temperature > 0 && plan.config.reps === 1) {
      io.stderr('⚠ --temp > 0 with --reps 1: one sample per prompt, so the counts vary with the draw; consider --reps 5 (the paper\'s sampling runs)\n');
    }

    // The output folder holds one run: a new run needs an empty folder, --resume needs the same run (as `spikescore run`).
    const runJson = join(out, 'run.json');
    const previous = existsSync(runJson) ? ((await readJsonFile(runJson)) as Record<string, unknown>) : null;
    const entries = existsSync(out) ? (await fs.readdir(out)).filter((n) => !n.startsWith('.')) : [];
    if (entries.length && o.resume !== true) {
      const what = previous ? `: a fallbacks run of ${String(previous.task)} with ${String(previous.model_id)}` : '';
      throw bad(`--out ${out} is not empty (${entries.length} entries${what}); pass --resume to continue the run there, or choose another --out`);
    }
    if (entries.length && !previous) {
      throw bad(`--out ${out} holds files but no run.json, so the run cannot be checked against these options; choose another --out`);
    }
    if (previous && typeof previous.format_version === 'number' && previous.format_version > RUN_FORMAT_VERSION) {
      throw bad(`${runJson} has format_version ${previous.format_version}, newer than this program reads (${RUN_FORMAT_VERSION}); update spikescore`);
    }

    const t0 = performance.now();
    const model = await loadModelFromDir(modelDir, {
      modelId: plan.config.modelId,
      dtype: o.dtype as ModelDtype | 'auto',
      ...(o.threads !== undefined ? { threads: o.threads as number } : {}),
      ...(io.signal ? { signal: io.signal } : {})
    });
    try {
      const info = model.info;
      io.stderr(`model ${info.id}: ${info.layout}, ${info.numLayers} layers, ${info.dtype} on ${info.backend} (${info.threads} thread(s)), loaded in ${Math.round(performance.now() - t0)} ms\n`);
      const identity = runIdentity(plan, model, hashes);
      if (previous) {
        const differ = Object.keys(identity).filter((k) => JSON.stringify(identity[k]) !== JSON.stringify(previous[k]));
        if (differ.length) {
          throw new InputError(
            differ.map((k) => ({
              code: 'mismatch',
              path: [k],
              where: runJson,
              message: `--resume: this run's ${k} is ${JSON.stringify(identity[k])} but the run in ${out} has ${JSON.stringify(previous[k])}; use the same options, or another --out`
            }))
          );
        }
      } else {
        await atomicWriteJson(runJson, identity);
      }

      const samplesDir = join(out, 'samples');
      const records = await loadSamples(samplesDir, plan);
      const store: SampleStore = {
        has: (key) => records.has(key),
        async put(record) {
          await atomicWrite(join(samplesDir, `${record.key}.json`), JSON.stringify(record) + '\n'); // compact: ~k × steps numbers
          records.set(record.key, record);
        }
      };
      const total = plan.samples.length;
      if (records.size > 0) io.stderr(`resuming: ${records.size} of ${total} samples already finished, kept\n`);
      const progressLine = (p: SampleProgress): string =>
        `prompt ${p.done}/${total} · ${p.sample.key} · ${p.newTokens} tokens · ${p.tokensPerSecond.toFixed(1)} tok/s · ETA ${formatDuration(p.etaSeconds)}`;
      await runFallbackSamples(model, plan, store, {
        ...(io.signal ? { signal: io.signal } : {}),
        onProgress: async (p) => {
          io.stderr(io.isTTY ? `\r\x1b[2K${progressLine(p)}${p.done === total ? '\n' : ''}` : progressLine(p) + '\n');
          await atomicWriteJson(join(out, 'progress.json'), {
            current: p.done,
            total,
            percentage: Math.round((1000 * p.done) / total) / 10,
            current_item: p.sample.key,
            timestamp: new Date().toISOString(),
            tokens_per_second: p.tokensPerSecond,
            eta_seconds: p.etaSeconds
          });
        }
      });
      await atomicWriteJson(join(out, 'progress.json'), { current: total, total, percentage: 100, current_item: null, timestamp: new Date().toISOString() });

      let bio: { scores: Map<string, BioScore>; judgeName: string | null } | null = null;
      if (task === 'bio') bio = await scoreBios(plan, records, out, judge, io);
      const tokenize = (text: string): number[] => model.tokenizer.encode(text, { addSpecialTokens: false });
      const assembled = assembleFallbacksRun({ plan, records, tokenize, ...(bio ? { bioScores: bio.scores } : {}) });

      const written: string[] = [];
      for (const f of assembled.files) {
        await atomicWrite(join(out, f.path), f.text);
        written.push(f.path);
      }
      await atomicWrite(join(out, 'labels.jsonl'), assembled.labels.map((l) => JSON.stringify(l) + '\n').join(''));
      written.push('labels.jsonl');
      const summary = {
        format_version: RUN_FORMAT_VERSION,
        kind: 'fallbacks-run-summary',
        task,
        files: {
          folder: plan.files.folder,
          results_jsonl: plan.files.resultsJsonl,
          logprobs_jsonl: plan.files.logprobsJsonl,
          results_csv: plan.files.resultsCsv,
          report_csv: plan.files.reportCsv
        },
        ...assembled.summary,
        bio_facts: task === 'bio' ? (bio?.judgeName ?? 'unchecked: no judge; every non-repeated sentence is one unchecked fact (label 0), never counted correct') : undefined,
        config: plan.config,
        provenance: {
          model_id: info.id,
          model_dir: modelDir,
          model_sha256: info.modelSha256,
          tokenizer_sha256: info.tokenizerHash,
          layout: info.layout,
          dtype: info.dtype,
          backend: info.backend,
          backend_reason: info.backendReason,
          threads: info.threads,
          ort_version: info.ortVersion,
          app_version: APP_VERSION,
          node_version: process.versions.node,
          seed: plan.config.seed,
          seed_key: '[seed, item task, prompt index, rep]',
          prompt_variant: { instruction: plan.config.instruction, no25: plan.config.no25, colon: plan.config.colon, template: plan.config.template },
          prompt_tokenization: 'prompt and suffix tokenized separately with default special tokens, ids concatenated (reference base-model path)',
          logprobs: 'log-softmax of the raw logits (not temperature-scaled)',
          data_sha256: hashes,
          written_at: new Date().toISOString()
        }
      };
      await atomicWriteJson(join(out, 'summary.json'), summary);
      written.push('summary.json');

      for (const [part, s] of Object.entries(assembled.summary.parts)) {
        if (!s) continue;
        const m = s.mean;
        const f = (x: number): string => x.toFixed(2);
        io.stderr(`${part} (${s.n_prompts} prompts, ${s.n_samples} samples): C ${f(m.correct)}  H ${f(m.hallucinated)}  R ${f(m.repeated)}  BF ${f(m.bad_format)}  TC ${f(m.topic_change)}  EOS ${f(m.eos)}${s.unchecked_mean !== undefined ? `  unchecked ${f(s.unchecked_mean)}` : ''}\n`);
      }
      io.stdout(written.map((p) => p + '\n').join(''));
      return 0;
    } finally {
      await model.dispose();
    }
  }
};
