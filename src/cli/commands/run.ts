/**
 * `spikescore run config.json [--resume] [--threads N] [--backend webgpu|wasm|auto]`: a dataset run from the paper's
 * config.json (dialogue mode) or probe-training data (`mode: "probe_data"`), into `output_dir`.
 *
 * The model is loaded by ONE injected call (`deps.loadModel`), so the command's config, dataset and resume logic
 * runs in tests with a test double; labeller, RS, semantic entropy and the probe-data writer are injected the same
 * way. With `remote_engines` the dialogue runs on a pool of remote engines instead (`deps.makeRemotePool`; each
 * item's dialogue on one node, results stored as they come). Exit 0 on success, 2 on bad input (config, dataset, output folder, model path; the message on stderr), 1 when
 * every item failed, 130 when cancelled (finished turns are kept; `--resume` continues).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ParsedArgs } from '../args';
import type { Command } from '../command';
import type { CliIO } from '../io';
import { LABEL_METHODS, captureLayerList, configDifferences, parseRunConfig, storableConfig, turnsPerItem, type RunConfig } from '../../lib/core/config/runConfig';
import { labelsItself } from '../../lib/core/datasets/exactLabels';
import { resolveModelRef, type ModelRef } from '../../lib/core/config/modelRef';
import { parseDataset, type DatasetItem } from '../../lib/core/datasets/parseDataset';
import { sampleItems } from '../../lib/core/datasets/sampleItems';
import { InputError, prettifyIssues, type Issue } from '../../lib/core/issues';
import type { Provenance } from '../../lib/core/itemResult';
import { modelProvenance } from '../../lib/core/runner/modelProvenance';
import { runDialogue } from '../../lib/core/runner/runDialogue';
import { runDialoguePool } from '../../lib/core/runner/runDialoguePool';
import { runProbeData, type ProbeDataSink, type SemanticEntropyFunction } from '../../lib/core/runner/runProbeData';
import type { ItemPool, Labeller, ProgressEvent, RsFunction, RunnerModel } from '../../lib/core/runner/types';
import { resolveProbeSelection } from '../../lib/store/applyProbe';
import { exists, readJsonFile } from '../../lib/store/node/files';
import { loadProbe } from '../../lib/store/probeFile';
import { metricsCommand } from './metrics';
import { readRunManifest, reservedIdProblem, RunDirSink, writeRunManifest, RUN_FORMAT_VERSION, type RunManifest } from '../../lib/store/node/runDir';

export interface LoadRequest {
  readonly ref: ModelRef;
  readonly dtype: RunConfig['dtype'];
  readonly backend: 'auto' | 'webgpu' | 'wasm';
  readonly threads?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export type LoadedModel = RunnerModel & { dispose?(): Promise<void> };

export interface RunCommandDeps {
  /** Loads the model a config names (local folder, hub export, or the built-in testbed model). */
  loadModel(request: LoadRequest): Promise<LoadedModel>;
  /** The labeller for `config.label_method` (keys are read from `env` by name, never stored); null: no labels. */
  makeLabeller?(config: RunConfig, env: Readonly<Record<string, string | undefined>>): Labeller | null | Promise<Labeller | null>;
  /** The logit-lens RS per turn (needs the model's unembedding); null: not computed. */
  makeRs?(config: RunConfig, model: LoadedModel): RsFunction | null | Promise<RsFunction | null>;
  /** probe_data: semantic entropy of the samples. */
  makeSemanticEntropy?(config: RunConfig, env: Readonly<Record<string, string | undefined>>): SemanticEntropyFunction | Promise<SemanticEntropyFunction>;
  /** probe_data: the writer of probe_data.jsonl and probe_data.safetensors in `dir`. */
  makeProbeDataSink?(dir: string, model: LoadedModel): ProbeDataSink | Promise<ProbeDataSink>;
  /**
   * `remote_engines`: the pool of remote engines, and a model describing them (info and codec; never asked to
   * generate). Node tokens are read from `env` by the names in `token_env`.
   */
  makeRemotePool?(config: RunConfig, env: Readonly<Record<string, string | undefined>>, where: string): Promise<{ pool: ItemPool; model: LoadedModel }>;
  /** Milliseconds since the epoch (timestamps, ETA). */
  now?(): number;
}

/** The engine's Node loader: local folders from disk, hub exports through the download cache. */
async function defaultLoadModel(req: LoadRequest): Promise<LoadedModel> {
  const { initNodeEngine, loadModelFromDir } = await import('../../lib/engine/node/engine');
  const options = {
    dtype: req.dtype,
    backend: req.backend,
    threads: req.threads,
    signal: req.signal,
    onProgress: (p: { status: string; file?: string }) => {
      // A local folder is read, never downloaded; a hub file says when it downloads and when it is done.
      if (p.status === 'done') req.onProgress?.(`read ${p.file}`);
      else if (p.status === 'download' && req.ref.kind === 'hub') req.onProgress?.(`downloading ${p.file}`);
    }
  };
  if (req.ref.kind === 'local') return loadModelFromDir(req.ref.path, { ...options, modelId: req.ref.id });
  if (req.ref.kind === 'hub') {
    initNodeEngine();
    const [{ loadModel }, { HubSource }, { FsBlobCache, defaultCacheDir }] = await Promise.all([
      import('../../lib/engine/loadModel'),
      import('../../lib/engine/sources'),
      import('../../lib/engine/node/fsCache')
    ]);
    return loadModel(new HubSource(req.ref.id, undefined, new FsBlobCache(defaultCacheDir(req.env))), { ...options, modelId: req.ref.id });
  }
  // No model_path: the knowledge testbed (testbed/MODEL_CARD.md), written once into the model cache.
  const [{ ensureTestbedModel, TESTBED_MODEL_ID }, { defaultCacheDir }] = await Promise.all([
    import('../../lib/engine/testbed/ensureTestbedModel'),
    import('../../lib/engine/node/fsCache')
  ]);
  const dir = await ensureTestbedModel(defaultCacheDir(req.env), { onProgress: req.onProgress });
  return loadModelFromDir(dir, { ...options, modelId: TESTBED_MODEL_ID });
}

/** The judges' builder (`engine/judges`): match/F1, the LLM judge (key read from env by name), NLI, dataset labels. */
export async function defaultMakeLabeller(config: RunConfig, env: Readonly<Record<string, string | undefined>>): Promise<Labeller> {
  const { createJudge } = await import('../../lib/engine/judges/judge');
  return createJudge(
    {
      mode: config.mode,
      label_method: config.label_method,
      f1_threshold: config.f1_threshold,
      match_mode: config.match_mode,
      judge: config.judge ? { base_url: config.judge.base_url, model: config.judge.model, api_key_env: config.judge.api_key_env ?? undefined, timeout_ms: config.judge.timeout_ms ?? undefined } : undefined,
      nli: config.nli ?? undefined
    },
    { env }
  );
}

/** Semantic entropy by the core's clustering with the configured entailment judge (probe_data). */
export async function defaultMakeSemanticEntropy(config: RunConfig, env: Readonly<Record<string, string | undefined>>): Promise<SemanticEntropyFunction> {
  const [{ createEntailmentJudge }, { semanticEntropy }] = await Promise.all([import('../../lib/engine/judges/entailmentJudge'), import('../../lib/core/semantic/semanticEntropy')]);
  const judge = await createEntailmentJudge(
    {
      entailment_model: config.entailment_model,
      judge: config.judge ? { base_url: config.judge.base_url, model: config.judge.model, api_key_env: config.judge.api_key_env ?? undefined, timeout_ms: config.judge.timeout_ms ?? undefined } : undefined,
      nli: config.nli ?? undefined
    },
    { env }
  );
  return async (question, answers) => {
    const { entails, entailsMany } = judge.forQuestion(question);
    const r = await semanticEntropy(answers, entails, { entailsMany, strict: config.strict_entailment });
    return { se: r.se, ids: r.ids, reason: r.reason };
  };
}

/** The logit-lens RS per turn (`createRsFunction`), for models that hold their unembedding (local ones). */
export async function defaultMakeRs(_config: RunConfig, model: LoadedModel): Promise<RsFunction | null> {
  const m = model as LoadedModel & { unembedding?: () => Promise<{ matrix: Float32Array; vocab: number; hidden: number }> };
  if (typeof m.unembedding !== 'function') return null;
  const { createRsFunction } = await import('../../lib/engine/logitLens');
  return createRsFunction({ info: model.info as Parameters<typeof createRsFunction>[0]['info'], unembedding: m.unembedding.bind(m) });
}

/** The probe-data folder writer (`probe_data.jsonl` + `probe_data.safetensors`). */
export async function defaultMakeProbeDataSink(dir: string, model: LoadedModel): Promise<ProbeDataSink> {
  const { ProbeDataDirSink } = await import('../../lib/store/node/probeDataDir');
  return ProbeDataDirSink.open(dir, model.info.id);
}

/** The remote pool of `remote_engines` (`remoteRunSetup`, docs/remote.md). */
export async function defaultMakeRemotePool(config: RunConfig, env: Readonly<Record<string, string | undefined>>, where: string): Promise<{ pool: ItemPool; model: LoadedModel }> {
  const { remoteRunSetup } = await import('../../lib/engine/remote/node/poolFromConfig');
  // The config keeps token_env null when absent; the pool's parser wants it left out.
  const remote_engines = config.remote_engines.map(({ token_env, ...rest }) => ({ ...rest, ...(token_env ? { token_env } : {}) }));
  const setup = await remoteRunSetup({ model_path: config.model_path ?? undefined, remote_engines, remote_tokenizer: config.remote_tokenizer ?? undefined }, env, {}, where);
  return { pool: setup.pool, model: setup.describe };
}

function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** One line of the progress bar: "item 3/10 · turn 5/21 · 14.2 tok/s · ETA 3m05s". */
export function progressLine(e: Extract<ProgressEvent, { type: 'turn' }>): string {
  const width = 20;
  const filled = Math.round(((e.index + (e.turn + 1) / e.turns) / e.total) * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const speed = e.tokensPerSecond === null ? '– tok/s' : `${e.tokensPerSecond.toFixed(1)} tok/s`;
  const eta = e.etaSeconds === null ? 'ETA ?' : `ETA ${fmtDuration(e.etaSeconds)}`;
  return `${bar} item ${e.index + 1}/${e.total} · turn ${e.turn + 1}/${e.turns} · ${speed} · ${eta}${e.timedOut ? ' · timed out' : ''}`;
}

async function findDataset(value: string, configPath: string, cwd: string): Promise<string> {
  const tried = [resolve(cwd, value), resolve(dirname(configPath), value)];
  for (const p of tried) if (await exists(p)) return p;
  throw new InputError([{ code: 'not_found', path: ['dataset_path'], where: configPath, message: `${configPath}: dataset_path ${JSON.stringify(value)} not found (looked at ${[...new Set(tried)].join(' and ')})` }]);
}

async function visibleEntries(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  return (await fs.readdir(dir)).filter((n) => !n.startsWith('.'));
}

export function createRunCommand(deps: RunCommandDeps): Command {
  return {
    name: 'run',
    summary: 'run a dataset experiment from a config.json (dialogue turns, or probe training data)',
    positionals: [{ name: 'config', help: "the run config (the paper's config.json fields plus ours)", required: true }],
    options: [
      { name: 'resume', type: 'boolean', help: 'continue the run in output_dir: finished items are skipped, partial ones continue at their next turn' },
      { name: 'threads', type: 'integer', help: 'WASM threads', metavar: 'N' },
      { name: 'backend', type: 'string', help: 'where the model runs', choices: ['auto', 'webgpu', 'wasm'], default: 'auto' }
    ],
    details: [
      'Output (output_dir): <safe_id>.json per item, <safe_id>.safetensors (hidden states), <safe_id>_error.json for a failed',
      'item, progress.json and manifest.json (config and provenance). probe_data mode writes probe_data.jsonl and',
      'probe_data.safetensors. A non-empty output_dir needs --resume, and --resume needs the same result-deciding config.',
      'With remote_engines (and remote_tokenizer) the dialogues run on those engines, each item on one node (docs/remote.md).',
      'Without model_path the run uses the built-in knowledge testbed model (testbed/MODEL_CARD.md), written once into the',
      'model cache; its questions with exact labels are testbed/dataset.jsonl (label_method "dataset" applies their rule,',
      'and is the default when every item carries a label or a label rule).',
      '',
      'example (the testbed, offline, 20 questions):',
      '  spikescore run testbed/run.config.json'
    ].join('\n'),
    run: (args, io) => runCommandImpl(args, io, deps)
  };
}

async function runCommandImpl(args: ParsedArgs, io: CliIO, deps: RunCommandDeps): Promise<number> {
  const now = deps.now ?? Date.now;
  const configPath = resolve(io.cwd, args.positionals[0]);
  const threads = args.options.threads as number | undefined;
  if (threads !== undefined && threads < 1) throw new InputError(`--threads must be an integer ≥ 1, got ${threads}`);
  const resume = Boolean(args.options.resume);

  // 1. Config.
  const rawConfig = await readJsonFile(configPath);
  const parsed = parseRunConfig(rawConfig, { where: args.positionals[0], context: 'cli' });
  if (!parsed.ok) throw new InputError(parsed.issues);
  if (parsed.warnings.length) io.stderr(prettifyIssues(parsed.warnings) + '\n');
  let config = parsed.value;
  if (!config.dataset_path) throw new InputError([{ code: 'missing_field', path: ['dataset_path'], message: `${args.positionals[0]}: dataset_path is required for \`spikescore run\` (a JSON or JSONL file)` }]);

  // 2. Dataset: every bad record is reported; then sampling.
  const datasetPath = await findDataset(config.dataset_path, configPath, io.cwd);
  const datasetText = await fs.readFile(datasetPath, 'utf8');
  const ds = parseDataset(datasetText, { where: config.dataset_path });
  if (!ds.ok) throw new InputError(ds.issues);
  if (ds.warnings.length) io.stderr(prettifyIssues(ds.warnings) + '\n');
  const items: DatasetItem[] = sampleItems(ds.value.items, config.sampling);
  const reserved: Issue[] = items.flatMap((i) => {
    const p = reservedIdProblem(i.id);
    return p ? [{ code: 'invalid_value', path: [], where: config.dataset_path!, message: `${config.dataset_path}: ${p}` }] : [];
  });
  if (reserved.length) throw new InputError(reserved);
  // A dataset whose every item carries its exact label (or a label rule) is labelled by it unless the config chose
  // a label_method (decided on the whole dataset, not the sample, so the seed cannot change it; see step 3 for resume).
  const explicitLabels = rawConfig !== null && typeof rawConfig === 'object' && ('label_method' in rawConfig || 'judge' in rawConfig);
  const datasetLabels = !explicitLabels && labelsItself(ds.value.items);
  const datasetSha = createHash('sha256').update(datasetText).digest('hex');

  // A probe named in the config is checked now (it loads; the capture keeps its position and layers) and applied
  // to every turn when the run ends, by the same code as `spikescore metrics`.
  let probePath: string | null = null;
  if (config.probe) {
    if (config.mode !== 'dialogue') throw new InputError([{ code: 'unsupported', path: ['probe'], where: args.positionals[0], message: `${args.positionals[0]}: probe applies to dialogue runs, not to mode "${config.mode}"` }]);
    probePath = resolve(dirname(configPath), config.probe);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await fs.readFile(probePath));
    } catch {
      throw new InputError([{ code: 'not_found', path: ['probe'], where: args.positionals[0], message: `${args.positionals[0]}: probe ${config.probe} is not a file (looked for ${probePath})` }]);
    }
    const probe = loadProbe(bytes, config.probe);
    const sel = resolveProbeSelection(probe, {}, config.probe);
    const wanted = captureLayerList(config.capture);
    const missing: string[] = [];
    if (!config.capture.positions.includes(sel.tokenPosition)) missing.push(`capture.positions lacks ${sel.tokenPosition}`);
    if (wanted) {
      const lack = Array.from({ length: sel.layerRange[1] - sel.layerRange[0] }, (_, i) => sel.layerRange[0] + i).filter((l) => !wanted.includes(l));
      if (lack.length) missing.push(`capture.layers lacks hidden-state indices ${lack.join(', ')}`);
    }
    if (missing.length) {
      throw new InputError([{ code: 'mismatch', path: ['probe'], where: args.positionals[0], message: `${args.positionals[0]}: the probe ${config.probe} reads ${sel.tokenPosition}, layers [${sel.layerRange[0]}, ${sel.layerRange[1]}), but ${missing.join('; ')}` }]);
    }
  }

  // 3. Output folder: a new run needs an empty one; --resume needs the same result-deciding config and dataset.
  const outDir = resolve(io.cwd, config.output_dir);
  const entries = await visibleEntries(outDir);
  let manifest = await readRunManifest(outDir);
  if (entries.length && !resume) {
    throw new InputError([{ code: 'invalid_value', path: ['output_dir'], where: args.positionals[0], message: `${args.positionals[0]}: output_dir ${outDir} is not empty (${entries.length} entries); pass --resume to continue the run there, or choose another output_dir` }]);
  }
  if (resume && entries.length && !manifest) {
    throw new InputError([{ code: 'not_found', path: ['output_dir'], where: outDir, message: `${outDir} holds files but no manifest.json, so the run cannot be checked against this config; choose another output_dir` }]);
  }
  if (!explicitLabels) {
    // A resumed run keeps the label method it started with; a new one takes the dataset's own labels when it has them.
    const stored = resume ? (manifest?.config as { label_method?: unknown } | undefined)?.label_method : undefined;
    const fresh: RunConfig['label_method'] = datasetLabels ? 'dataset' : config.label_method;
    const kept = typeof stored === 'string' && (LABEL_METHODS as readonly string[]).includes(stored) ? (stored as RunConfig['label_method']) : null;
    const method = kept ?? fresh;
    if (kept && kept !== fresh) io.stderr(`labels: label_method "${kept}", as the run in ${outDir} started\n`);
    else if (method === 'dataset' && datasetLabels) io.stderr('labels: every item carries an exact label or label rule; label_method "dataset"\n');
    if (method !== config.label_method) config = { ...config, label_method: method };
  }
  if (resume && manifest) {
    const diffs = configDifferences(manifest.config, config);
    const storedSha = (manifest.dataset as { sha256?: string } | undefined)?.sha256;
    if (storedSha && storedSha !== datasetSha) diffs.push(`dataset ${config.dataset_path}: its content changed (sha256 ${storedSha.slice(0, 12)}… → ${datasetSha.slice(0, 12)}…)`);
    if (diffs.length) {
      throw new InputError(diffs.map((d) => ({ code: 'mismatch', path: [], where: outDir, message: `--resume: the run in ${outDir} was made with a different ${d}; resume with the same config, or choose another output_dir` })));
    }
  }

  // 4. Model: a local or hub model, or the pool of remote engines.
  const remoteRun = config.remote_engines.length > 0;
  let model: LoadedModel;
  let pool: ItemPool | null = null;
  if (remoteRun) {
    if (config.mode === 'probe_data') {
      throw new InputError([{ code: 'unsupported', path: ['remote_engines'], where: args.positionals[0], message: `${args.positionals[0]}: mode "probe_data" runs on a local model; remote_engines serve the dialogue mode` }]);
    }
    if (!config.model_path) throw new InputError([{ code: 'missing_field', path: ['model_path'], where: args.positionals[0], message: `${args.positionals[0]}: model_path must name the model the remote engines serve` }]);
    if (!deps.makeRemotePool) throw new Error('remote_engines need the remote pool, which this build does not wire');
    io.stderr(`remote: ${config.remote_engines.length} engine(s) serving ${config.model_path} …\n`);
    const remote = await deps.makeRemotePool(config, io.env, args.positionals[0]);
    model = remote.model;
    pool = remote.pool;
  } else {
    // A folder that exists (also one written without "./", e.g. models/x) is local; otherwise a hub id.
    const resolved = resolveModelRef(config.model_path, { where: args.positionals[0], localExists: (p) => existsSync(resolve(io.cwd, p)) });
    if ('issue' in resolved) throw new InputError([resolved.issue]);
    let ref: ModelRef = resolved.ref;
    if (ref.kind === 'local') {
      const path = resolve(io.cwd, ref.path);
      if (!(await exists(path))) throw new InputError([{ code: 'not_found', path: ['model_path'], where: args.positionals[0], message: `${args.positionals[0]}: model_path ${JSON.stringify(config.model_path)} is not a folder (looked at ${path})` }]);
      ref = { ...ref, path };
    }
    io.stderr(`loading ${ref.kind === 'hub' && ref.requested !== ref.id ? `${ref.id} (the ONNX export of ${ref.requested})` : ref.id} …\n`);
    model = await deps.loadModel({ ref, dtype: config.dtype, backend: args.options.backend as LoadRequest['backend'], threads, signal: io.signal, env: io.env, onProgress: (m) => io.stderr(`  ${m}\n`) });
  }
  try {
    const info = model.info;
    const reason = (info as { backendReason?: string }).backendReason;
    io.stderr(`model ${info.id}: ${info.numLayers} layers, hidden ${info.hiddenSize}, ${info.backend}${info.threads ? ` (${info.threads} thread(s))` : ''}${reason ? ` — ${reason}` : ''}${info.hasChatTemplate ? '' : '; no chat template: plain "User: … Assistant:" prompts'}\n`);
    for (const [score, reason] of Object.entries(info.unavailable ?? {})) io.stderr(`  unavailable: ${score} (${reason}); written as null\n`);
    const created = new Date(now()).toISOString();
    const provenance: Provenance = { ...modelProvenance(info, { run: config.seed, sampling: config.sampling.seed }), created };
    const dataset = { path: config.dataset_path, kind: ds.value.kind, items: ds.value.items.length, sampled: items.length, sha256: datasetSha };
    if (!manifest) {
      manifest = { format_version: RUN_FORMAT_VERSION, kind: 'spikescore-run', run_id: randomUUID(), created, config: storableConfig(config), provenance: provenance as unknown as Record<string, unknown>, dataset, summary: null };
      await writeRunManifest(outDir, manifest);
    }
    const labeller = (await deps.makeLabeller?.(config, io.env)) ?? null;
    if (!labeller) io.stderr(`labels: no labeller is wired for label_method "${config.label_method}"; nli_label stays null (label later with the labelling command)\n`);

    let summary: Record<string, unknown>;
    let failed: number;
    if (config.mode === 'probe_data') {
      if (!deps.makeProbeDataSink || !deps.makeSemanticEntropy) throw new Error('mode "probe_data" needs the probe-data writer and the semantic-entropy clustering, which this build does not wire');
      const s = await runProbeData({
        model,
        config,
        items,
        sink: await deps.makeProbeDataSink(outDir, model),
        semanticEntropy: await deps.makeSemanticEntropy(config, io.env),
        labeller,
        signal: io.signal,
        now,
        onProgress: (e) => {
          if (e.type === 'item-failed') io.stderr(`item ${e.index + 1}/${e.total} ${e.itemId} failed: ${e.error}\n`);
          else if (io.isTTY) io.stderr(`\r\x1b[2Kitem ${e.index + 1}/${e.total} ${e.type === 'item-skipped' ? 'already done' : 'done'}`);
        }
      });
      summary = { ...s };
      failed = s.failed;
      if (io.isTTY) io.stderr('\n');
      io.stdout(`done: ${s.items} questions (${s.completed} new, ${s.skipped} already done, ${s.failed} failed); label failures ${s.labelFailures}, semantic-entropy failures ${s.seFailures}; output ${outDir}\n`);
    } else {
      const rs = (await deps.makeRs?.(config, model)) ?? null;
      const K = turnsPerItem(config);
      const dialogue = {
        model,
        config,
        items,
        sink: new RunDirSink(outDir, info.id),
        labeller,
        rs,
        provenance,
        datasetKind: ds.value.kind,
        signal: io.signal,
        now,
        onProgress: (e: ProgressEvent) => {
          if (e.type === 'turn') {
            if (io.isTTY) io.stderr(`\r\x1b[2K${progressLine(e)}`);
            else if (e.turn === K - 1) io.stderr(progressLine(e) + '\n');
          } else if (e.type === 'item-failed') io.stderr(`${io.isTTY ? '\n' : ''}item ${e.index + 1}/${e.total} ${e.itemId} failed: ${e.error}\n`);
        }
      };
      const s = pool ? await runDialoguePool({ ...dialogue, pool }) : await runDialogue(dialogue);
      if (io.isTTY) io.stderr('\n');
      summary = { ...s };
      failed = s.failed;
      io.stdout(
        `done: ${s.items} items × ${K} turns (${s.completed} finished now, ${s.resumed} of them continued, ${s.skipped} already done, ${s.failed} failed); ` +
          `labels ${s.labelled}, label failures ${s.labelFailures}; timed-out turns ${s.timedOutTurns}; truncated items ${s.truncatedItems}; output ${outDir}\n`
      );
    }
    const stats = (labeller as { stats?: () => unknown } | null)?.stats?.();
    if (stats !== undefined) summary.label_stats = stats;
    const next: RunManifest = { ...manifest, updated: new Date(now()).toISOString(), summary };
    await writeRunManifest(outDir, next);
    if (probePath && !io.signal?.aborted) {
      const status = await metricsCommand.run({ options: { 'json-dir': outDir, probe: probePath }, positionals: [] }, io);
      if (status) return status;
    }
    return items.length > 0 && failed === items.length ? 1 : 0;
  } finally {
    await model.dispose?.();
  }
}

/** What `spikescore run` uses: the engine's loader, the judges, the logit lens, the probe-data folder, the remote pool. */
export const defaultRunDeps: RunCommandDeps = {
  loadModel: defaultLoadModel,
  makeLabeller: defaultMakeLabeller,
  makeRs: defaultMakeRs,
  makeSemanticEntropy: defaultMakeSemanticEntropy,
  makeProbeDataSink: defaultMakeProbeDataSink,
  makeRemotePool: defaultMakeRemotePool
};

export const runCommand: Command = createRunCommand(defaultRunDeps);
