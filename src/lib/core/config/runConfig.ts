/**
 * The run config: the paper's `config.json` accepted as is, plus our own fields. `parseRunConfig` validates a parsed
 * JSON object, reports every problem at once (each message names the field, the value and what is allowed), warns
 * about unknown fields, and fills defaults.
 *
 * Paper fields (method-spikescore.md §2.1): model_path, dataset_path, output_dir, sampling {strategy, n, seed},
 * strategy, max_steps, temperature, top_p, max_new_tokens (the seed's scripts read `max_generation_tokens`, accepted
 * as an alias), enable_thinking, generation_timeout (seconds), system_prompt, enable_ppl_detection, model_max_tokens,
 * dataset_type.
 *
 * Ours: mode (`dialogue` | `probe_data`), capture {positions, layers: [a, b] half-open hidden-state indices}, dtype,
 * label_method, judge {base_url, model, api_key_env, timeout_ms}, nli {model, dtype, device, …}, f1_threshold,
 * match_mode, probe, remote_engines (CLI only), seed, and for `probe_data`: num_samples (the seed's
 * `num_generations`), sample_temperature, most_likely_temperature, brief_prompt, use_context, entailment_model
 * (nli | llm | match), strict_entailment.
 *
 * Defaults where the paper's code is silent or unused (design.md, Deviations): temperature 0.2, top_p 0.7 and
 * max_new_tokens 512 are APPLIED (the seed never passed top_p or max_new_tokens, B4); enable_thinking (default
 * false, as the paper's config) applies to every turn (B9); K = max_steps + 1 turns including turn 0 (B10).
 *
 * A judge key never goes into a config (it would be stored with the run): `judge.api_key` is an error that points
 * to `judge.api_key_env`, the name of an environment variable read at run time.
 */
import type { Issue, Result } from '../issues';
import { Checker, checkBoolean, checkEnum, checkNumber, checkString, closest, fieldName, isPlainObject, show } from './checker';

export const RUN_MODES = ['dialogue', 'probe_data'] as const;
export type RunMode = (typeof RUN_MODES)[number];

export const SAMPLING_STRATEGIES = ['random', 'sequential', 'all'] as const;
export type SamplingStrategy = (typeof SAMPLING_STRATEGIES)[number];

export const FOLLOWUP_MODES = ['progressive', 'mixed', 'random', 'adaptive', 'deep_analysis', 'creative_thinking', 'fixed'] as const;
export type FollowupMode = (typeof FOLLOWUP_MODES)[number];

export const LABEL_METHODS = ['match', 'f1', 'judge', 'nli', 'dataset'] as const;
export type LabelMethod = (typeof LABEL_METHODS)[number];

/** The three hidden-state positions, with the seed's names (the engine's `PositionName`). */
export const CAPTURE_POSITIONS = ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] as const;
export type CapturePosition = (typeof CAPTURE_POSITIONS)[number];

export const MODEL_DTYPES = ['auto', 'fp32', 'fp16', 'q4', 'q4f16'] as const;
export type ModelDtypeChoice = (typeof MODEL_DTYPES)[number];

export const REMOTE_PROTOCOLS = ['sglang', 'openai'] as const;

/** The seed's default system prompt (prompt_builder.py). */
export const DEFAULT_SYSTEM_PROMPT = 'You are a helpful AI assistant. Answer questions accurately based on any provided context.';

export interface SamplingConfig {
  readonly strategy: SamplingStrategy;
  /** How many items; null means every item. */
  readonly n: number | null;
  readonly seed: number;
}

export interface CaptureConfig {
  readonly positions: readonly CapturePosition[];
  /** Half-open range [a, b) of hidden-state indices (0 = embedding output); null means every capturable index. */
  readonly layers: readonly [number, number] | null;
}

export interface JudgeConfig {
  readonly base_url: string;
  readonly model: string;
  /** The NAME of the environment variable holding the key (never the key). */
  readonly api_key_env: string | null;
  /** Per-call timeout in milliseconds; null: the judge's default (10 s, as the seed). */
  readonly timeout_ms: number | null;
}

export const NLI_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'] as const;
export const NLI_DEVICES = ['cpu', 'wasm', 'webgpu'] as const;

/** The local NLI model of `label_method: "nli"` and `entailment_model: "nli"` (passed to the judges as is). */
export interface NliConfig {
  readonly model?: string;
  readonly revision?: string;
  readonly dtype?: (typeof NLI_DTYPES)[number];
  readonly device?: (typeof NLI_DEVICES)[number];
  readonly batch_size?: number;
  readonly local_model_path?: string;
  readonly remote_host?: string;
}

export const ENTAILMENT_MODELS = ['nli', 'llm', 'match'] as const;
export type EntailmentModel = (typeof ENTAILMENT_MODELS)[number];

/** One remote engine (docs/remote.md): only url and protocol are required; the rest are kept when given. */
export interface RemoteEngineConfig {
  readonly url: string;
  readonly protocol: (typeof REMOTE_PROTOCOLS)[number];
  readonly token_env: string | null;
  /** The node's name in logs and results (default node-1, node-2, …). */
  readonly name?: string;
  /** Items in flight on the node (default 4). */
  readonly max_concurrency?: number;
  /** False for an SGLang node started without hidden states (default true). */
  readonly hidden_states?: boolean;
  /** The engine's --served-model-name (default model_path). */
  readonly served_model?: string;
  readonly request_timeout_ms?: number;
}

export interface RunConfig {
  readonly mode: RunMode;
  /** null: the built-in testbed model. */
  readonly model_path: string | null;
  readonly dtype: ModelDtypeChoice;
  readonly dataset_path: string | null;
  readonly dataset_type: string | null;
  readonly output_dir: string;
  readonly sampling: SamplingConfig;
  /** The run seed: every draw is keyed by (seed, item id, turn, sample index). */
  readonly seed: number;
  readonly strategy: FollowupMode;
  /** Follow-up turns; the trajectory has K = max_steps + 1 turns. */
  readonly max_steps: number;
  readonly temperature: number;
  readonly top_p: number;
  readonly max_new_tokens: number;
  readonly enable_thinking: boolean;
  /** Seconds per turn; null: no timeout. */
  readonly generation_timeout: number | null;
  readonly system_prompt: string;
  /** Upper bound on prompt + generation tokens; null: the model's own context size. */
  readonly model_max_tokens: number | null;
  /** Accepted for the paper's configs; NLL and entropy are always recorded. */
  readonly enable_ppl_detection: boolean;
  readonly capture: CaptureConfig;
  readonly label_method: LabelMethod;
  readonly judge: JudgeConfig | null;
  readonly f1_threshold: number;
  readonly match_mode: 'exact' | 'contains';
  /** The NLI model for `nli` labels and `nli` entailment; null: the judges' default. */
  readonly nli: NliConfig | null;
  /** A probe file applied per turn (`metrics.probe_pred`); null: none. */
  readonly probe: string | null;
  readonly remote_engines: readonly RemoteEngineConfig[];
  /** remote_engines: a folder or URL with the model's config.json and tokenizer.json; null: model_path on the hub. */
  readonly remote_tokenizer: string | null;
  /** probe_data: high-temperature samples per question. */
  readonly num_samples: number;
  readonly sample_temperature: number;
  readonly most_likely_temperature: number;
  readonly brief_prompt: 'chat' | 'default';
  readonly use_context: boolean;
  /** probe_data: the entailment judge of semantic clustering (the SE pipeline's --entailment_model). */
  readonly entailment_model: EntailmentModel;
  /** probe_data: strict bidirectional entailment (the SE default). */
  readonly strict_entailment: boolean;
}

export interface ParseConfigOptions {
  /** The file name for messages (default `config.json`). */
  readonly where?: string;
  /** `page`: CLI-only fields (remote_engines) are ignored with a warning. Default `cli`. */
  readonly context?: 'cli' | 'page';
}

/** Fields the seed's scripts read that this app accepts but does not act on (a warning says so when they matter). */
const IGNORED_SEED_FIELDS = ['enable_early_stopping', 'ppl_threshold'] as const;

const KNOWN_FIELDS = [
  'mode', 'model_path', 'dtype', 'dataset_path', 'dataset_type', 'output_dir', 'sampling', 'seed', 'random_seed', 'strategy',
  'max_steps', 'temperature', 'top_p', 'max_new_tokens', 'max_generation_tokens', 'enable_thinking', 'generation_timeout',
  'system_prompt', 'model_max_tokens', 'enable_ppl_detection', 'capture', 'label_method', 'judge', 'f1_threshold',
  'match_mode', 'nli', 'probe', 'remote_engines', 'remote_tokenizer', 'num_samples', 'num_generations', 'sample_temperature', 'most_likely_temperature',
  'brief_prompt', 'use_context', 'entailment_model', 'strict_entailment', ...IGNORED_SEED_FIELDS
];

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function warnUnknown(c: Checker, obj: Record<string, unknown>, known: readonly string[], path: (string | number)[]): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const hint = closest(key, known);
    c.warn([...path, key], 'unknown_field', `unknown field ${fieldName([...path, key])} is ignored${hint ? ` (did you mean "${hint}"?)` : ''}`);
  }
}

function checkUrl(c: Checker, path: (string | number)[], value: unknown): string | undefined {
  const s = checkString(c, path, value, 'an http(s) URL');
  if (s === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(s)) {
    c.error(path, 'invalid_value', `${fieldName(path)} must be an http(s) URL, got ${show(s)}`);
    return undefined;
  }
  return s;
}

function checkEnvName(c: Checker, path: (string | number)[], value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && ENV_NAME.test(value)) return value;
  c.error(path, 'invalid_value', `${fieldName(path)} must be the name of an environment variable (letters, digits, _), got ${show(value)}`);
  return null;
}

function parseSampling(c: Checker, raw: unknown, fallbackSeed: number | undefined): { strategy: SamplingStrategy; n: number | null; seed: number | undefined } {
  if (raw === undefined || raw === null) return { strategy: 'all', n: null, seed: fallbackSeed };
  if (!isPlainObject(raw)) {
    c.error(['sampling'], 'invalid_type', `sampling must be an object {strategy, n, seed}, got ${show(raw)}`);
    return { strategy: 'all', n: null, seed: fallbackSeed };
  }
  warnUnknown(c, raw, ['strategy', 'n', 'seed'], ['sampling']);
  const strategy = raw.strategy === undefined ? 'all' : (checkEnum(c, ['sampling', 'strategy'], raw.strategy, SAMPLING_STRATEGIES) ?? 'all');
  let n: number | null = null;
  if (raw.n !== undefined && raw.n !== null) {
    const v = checkNumber(c, ['sampling', 'n'], raw.n, { integer: true });
    // The seed treats n ≤ 0 as "every item" (its _apply_sampling needs 0 < n < len).
    if (v !== undefined) n = v > 0 ? v : null;
  } else if (strategy !== 'all') {
    c.warn(['sampling', 'n'], 'missing_field', `sampling.n is missing, so sampling.strategy "${strategy}" keeps every item`);
  }
  const seed = raw.seed === undefined ? fallbackSeed : checkNumber(c, ['sampling', 'seed'], raw.seed, { integer: true, min: 0 });
  return { strategy, n, seed };
}

function parseCapture(c: Checker, raw: unknown): CaptureConfig {
  const all: CaptureConfig = { positions: [...CAPTURE_POSITIONS], layers: null };
  if (raw === undefined || raw === null) return all;
  if (!isPlainObject(raw)) {
    c.error(['capture'], 'invalid_type', `capture must be an object {positions, layers}, got ${show(raw)}`);
    return all;
  }
  warnUnknown(c, raw, ['positions', 'layers'], ['capture']);
  let positions: CapturePosition[] = [...CAPTURE_POSITIONS];
  if (raw.positions !== undefined) {
    if (!Array.isArray(raw.positions) || raw.positions.length === 0) {
      c.error(['capture', 'positions'], 'invalid_type', `capture.positions must be a non-empty array of ${CAPTURE_POSITIONS.join(', ')}, got ${show(raw.positions)}`);
    } else {
      positions = [];
      raw.positions.forEach((p, i) => {
        const v = checkEnum(c, ['capture', 'positions', i], p, CAPTURE_POSITIONS);
        if (v === undefined) return;
        if (positions.includes(v)) c.error(['capture', 'positions', i], 'invalid_value', `capture.positions lists "${v}" twice`);
        else positions.push(v);
      });
    }
  }
  let layers: [number, number] | null = null;
  if (raw.layers !== undefined && raw.layers !== null) {
    const l = raw.layers;
    const okShape = Array.isArray(l) && l.length === 2 && l.every((x) => Number.isInteger(x) && (x as number) >= 0);
    if (!okShape) {
      c.error(['capture', 'layers'], 'invalid_value', `capture.layers must be [a, b], two non-negative integers (a half-open range of hidden-state indices, 0 = embedding output), got ${show(l)}`);
    } else if ((l as number[])[0] >= (l as number[])[1]) {
      c.error(['capture', 'layers'], 'invalid_value', `capture.layers [${(l as number[]).join(', ')}] is empty: a half-open range [a, b) needs a < b`);
    } else layers = [(l as number[])[0], (l as number[])[1]];
  }
  return { positions, layers };
}

function parseJudge(c: Checker, raw: unknown): JudgeConfig | null {
  if (raw === undefined || raw === null) return null;
  if (!isPlainObject(raw)) {
    c.error(['judge'], 'invalid_type', `judge must be an object {base_url, model, api_key_env}, got ${show(raw)}`);
    return null;
  }
  for (const secret of ['api_key', 'key', 'token', 'apiKey']) {
    if (secret in raw) {
      c.error(['judge', secret], 'invalid_value', `judge.${secret}: a key never goes in a config file (it would be stored with the run and its exports); put it in an environment variable and name that variable in judge.api_key_env`);
    }
  }
  warnUnknown(c, raw, ['base_url', 'model', 'api_key_env', 'timeout_ms', 'api_key', 'key', 'token', 'apiKey'], ['judge']);
  const base_url = checkUrl(c, ['judge', 'base_url'], raw.base_url);
  const model = checkString(c, ['judge', 'model'], raw.model, 'a model name (e.g. "gpt-4o-mini")');
  const api_key_env = checkEnvName(c, ['judge', 'api_key_env'], raw.api_key_env);
  const timeout_ms = raw.timeout_ms === undefined || raw.timeout_ms === null ? null : (checkNumber(c, ['judge', 'timeout_ms'], raw.timeout_ms, { min: 0, minExclusive: true }) ?? null);
  if (base_url === undefined || model === undefined) return null;
  return { base_url, model, api_key_env, timeout_ms };
}

function parseNli(c: Checker, raw: unknown): NliConfig | null {
  if (raw === undefined || raw === null) return null;
  if (!isPlainObject(raw)) {
    c.error(['nli'], 'invalid_type', `nli must be an object {model, dtype, device, batch_size, …}, got ${show(raw)}`);
    return null;
  }
  warnUnknown(c, raw, ['model', 'revision', 'dtype', 'device', 'batch_size', 'local_model_path', 'remote_host'], ['nli']);
  const out: Record<string, unknown> = {};
  for (const key of ['model', 'revision', 'local_model_path', 'remote_host'] as const) {
    if (raw[key] !== undefined) {
      const v = checkString(c, ['nli', key], raw[key]);
      if (v !== undefined) out[key] = v;
    }
  }
  if (raw.dtype !== undefined) out.dtype = checkEnum(c, ['nli', 'dtype'], raw.dtype, NLI_DTYPES);
  if (raw.device !== undefined) out.device = checkEnum(c, ['nli', 'device'], raw.device, NLI_DEVICES);
  if (raw.batch_size !== undefined) out.batch_size = checkNumber(c, ['nli', 'batch_size'], raw.batch_size, { integer: true, min: 1 });
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as NliConfig;
}

function parseRemote(c: Checker, raw: unknown, context: 'cli' | 'page'): RemoteEngineConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    c.error(['remote_engines'], 'invalid_type', `remote_engines must be an array of {url, protocol, token_env}, got ${show(raw)}`);
    return [];
  }
  if (context === 'page' && raw.length) {
    c.warn(['remote_engines'], 'unsupported', 'remote_engines is for the CLI only and is ignored in the page');
    return [];
  }
  const out: RemoteEngineConfig[] = [];
  raw.forEach((e, i) => {
    const path = ['remote_engines', i];
    if (!isPlainObject(e)) {
      c.error(path, 'invalid_type', `remote_engines[${i}] must be an object {url, protocol, token_env}, got ${show(e)}`);
      return;
    }
    for (const secret of ['token', 'api_key', 'key']) {
      if (secret in e) c.error([...path, secret], 'invalid_value', `remote_engines[${i}].${secret}: a token never goes in a config file; name an environment variable in remote_engines[${i}].token_env`);
    }
    warnUnknown(c, e, ['url', 'protocol', 'token_env', 'name', 'max_concurrency', 'hidden_states', 'served_model', 'request_timeout_ms', 'token', 'api_key', 'key'], path);
    const url = checkUrl(c, [...path, 'url'], e.url);
    const protocol = checkEnum(c, [...path, 'protocol'], e.protocol, REMOTE_PROTOCOLS);
    const token_env = checkEnvName(c, [...path, 'token_env'], e.token_env);
    const extra: { -readonly [K in 'name' | 'max_concurrency' | 'hidden_states' | 'served_model' | 'request_timeout_ms']?: RemoteEngineConfig[K] } = {};
    if (e.name !== undefined) {
      if (typeof e.name === 'string' && /^[\w.-]{1,64}$/.test(e.name)) extra.name = e.name;
      else c.error([...path, 'name'], 'invalid_value', `remote_engines[${i}].name must be 1–64 letters, digits, '.', '_' or '-', got ${show(e.name)}`);
    }
    if (e.max_concurrency !== undefined) extra.max_concurrency = checkNumber(c, [...path, 'max_concurrency'], e.max_concurrency, { integer: true, min: 1 });
    if (e.request_timeout_ms !== undefined) extra.request_timeout_ms = checkNumber(c, [...path, 'request_timeout_ms'], e.request_timeout_ms, { integer: true, min: 1 });
    if (e.hidden_states !== undefined) extra.hidden_states = checkBoolean(c, [...path, 'hidden_states'], e.hidden_states);
    if (e.served_model !== undefined) extra.served_model = checkString(c, [...path, 'served_model'], e.served_model, 'the engine\'s served model name');
    for (const k of Object.keys(extra) as (keyof typeof extra)[]) if (extra[k] === undefined) delete extra[k];
    if (url && protocol) out.push({ url, protocol, token_env, ...extra });
  });
  // Results must not depend on the node an item lands on: one protocol, and hidden states on all nodes or none.
  if (new Set(out.map((e) => e.protocol)).size > 1) {
    c.error(['remote_engines'], 'invalid_value', 'remote_engines mixes protocols (sglang and openai): every engine of a pool must speak the same protocol, or results would depend on the node an item ran on');
  }
  if (new Set(out.map((e) => e.hidden_states ?? true)).size > 1) {
    c.error(['remote_engines'], 'invalid_value', 'remote_engines mixes hidden_states true and false: items would have hidden states or not depending on their node; give every engine the same hidden_states');
  }
  return out;
}

/** Validates a parsed `config.json`. Errors stop the run; warnings (unknown fields, …) are returned beside the value. */
export function parseRunConfig(raw: unknown, options: ParseConfigOptions = {}): Result<RunConfig> {
  const where = options.where ?? 'config.json';
  const context = options.context ?? 'cli';
  const c = new Checker(where);
  if (!isPlainObject(raw)) {
    c.error([], 'invalid_type', `a config must be a JSON object, got ${show(raw)}`);
    return { ok: false, issues: c.issues };
  }
  warnUnknown(c, raw, KNOWN_FIELDS, []);
  const opt = <T>(key: string, check: (v: unknown) => T | undefined, fallback: T): T => {
    const v = raw[key];
    if (v === undefined) return fallback;
    return check(v) ?? fallback;
  };
  const optNullable = <T>(key: string, check: (v: unknown) => T | undefined, fallback: T | null): T | null => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (v === null) return null;
    return check(v) ?? fallback;
  };

  const mode = opt('mode', (v) => checkEnum(c, ['mode'], v, RUN_MODES), 'dialogue' as RunMode);
  const model_path = optNullable('model_path', (v) => checkString(c, ['model_path'], v, 'a model folder or hub id'), null);
  const dtype = opt('dtype', (v) => checkEnum(c, ['dtype'], v, MODEL_DTYPES), 'auto' as ModelDtypeChoice);
  const dataset_path = optNullable('dataset_path', (v) => checkString(c, ['dataset_path'], v, 'a path to a JSON or JSONL file'), null);
  const dataset_type = optNullable('dataset_type', (v) => checkString(c, ['dataset_type'], v), null);
  const output_dir = opt('output_dir', (v) => checkString(c, ['output_dir'], v, 'a folder path'), 'outputs');

  // The run seed: `seed`, else the seed's `random_seed`, else sampling.seed, else 42.
  let seed: number | undefined;
  if (raw.seed !== undefined) seed = checkNumber(c, ['seed'], raw.seed, { integer: true, min: 0 });
  if (raw.random_seed !== undefined) {
    const rs = checkNumber(c, ['random_seed'], raw.random_seed, { integer: true, min: 0 });
    if (seed === undefined) seed = rs;
    else if (rs !== undefined && rs !== seed) c.error(['random_seed'], 'mismatch', `random_seed ${rs} and seed ${seed} disagree; give one of them`);
  }
  const sampling = parseSampling(c, raw.sampling, seed);
  const runSeed = seed ?? sampling.seed ?? 42;
  const samplingSeed = sampling.seed ?? runSeed;

  const strategy = opt('strategy', (v) => checkEnum(c, ['strategy'], v, FOLLOWUP_MODES), 'progressive' as FollowupMode);
  const max_steps = opt('max_steps', (v) => checkNumber(c, ['max_steps'], v, { integer: true, min: 0 }), 20);
  if (mode === 'dialogue' && max_steps < 2 && raw.max_steps !== undefined) {
    c.warn(['max_steps'], 'invalid_value', `max_steps ${max_steps} gives ${max_steps + 1} turn(s): SpikeScore needs at least 3 turns (max_steps ≥ 2) and will be null`);
  }
  const temperature = opt('temperature', (v) => checkNumber(c, ['temperature'], v, { min: 0 }), 0.2);
  const top_p = opt('top_p', (v) => checkNumber(c, ['top_p'], v, { min: 0, max: 1, minExclusive: true }), 0.7);

  let max_new_tokens = mode === 'probe_data' ? 100 : 512;
  const mnt = raw.max_new_tokens === undefined ? undefined : checkNumber(c, ['max_new_tokens'], raw.max_new_tokens, { integer: true, min: 1 });
  const mgt = raw.max_generation_tokens === undefined ? undefined : checkNumber(c, ['max_generation_tokens'], raw.max_generation_tokens, { integer: true, min: 1 });
  if (mnt !== undefined && mgt !== undefined && mnt !== mgt) {
    c.error(['max_generation_tokens'], 'mismatch', `max_new_tokens ${mnt} and max_generation_tokens ${mgt} (its alias in the seed's scripts) disagree; give one of them`);
  }
  max_new_tokens = mnt ?? mgt ?? max_new_tokens;

  const enable_thinking = opt('enable_thinking', (v) => checkBoolean(c, ['enable_thinking'], v), false);
  const generation_timeout = optNullable('generation_timeout', (v) => checkNumber(c, ['generation_timeout'], v, { min: 0, minExclusive: true }), 180);
  const system_prompt = opt('system_prompt', (v) => {
    if (typeof v === 'string') return v;
    c.error(['system_prompt'], 'invalid_type', `system_prompt must be a string, got ${show(v)}`);
    return undefined;
  }, DEFAULT_SYSTEM_PROMPT);
  const model_max_tokens = optNullable('model_max_tokens', (v) => checkNumber(c, ['model_max_tokens'], v, { integer: true, min: 2 }), null);
  if (model_max_tokens !== null && model_max_tokens <= max_new_tokens) {
    c.error(['model_max_tokens'], 'invalid_value', `model_max_tokens ${model_max_tokens} leaves no room for a prompt: it must exceed max_new_tokens (${max_new_tokens})`);
  }
  const enable_ppl_detection = opt('enable_ppl_detection', (v) => checkBoolean(c, ['enable_ppl_detection'], v), true);
  if (raw.enable_early_stopping === true) c.warn(['enable_early_stopping'], 'unsupported', 'enable_early_stopping is not implemented: every dialogue runs max_steps follow-ups');

  const capture = parseCapture(c, raw.capture);
  const judge = parseJudge(c, raw.judge);
  const label_method = opt('label_method', (v) => checkEnum(c, ['label_method'], v, LABEL_METHODS), (raw.judge ? 'judge' : 'match') as LabelMethod);
  if (label_method === 'judge' && raw.judge === undefined) {
    c.error(['judge'], 'missing_field', 'label_method "judge" needs a judge block {base_url, model, api_key_env}');
  }
  const f1_threshold = opt('f1_threshold', (v) => checkNumber(c, ['f1_threshold'], v, { min: 0, max: 1 }), 0.5);
  const match_mode = opt('match_mode', (v) => checkEnum(c, ['match_mode'], v, ['exact', 'contains'] as const), 'exact' as 'exact' | 'contains');
  const nli = parseNli(c, raw.nli);
  const probe = optNullable('probe', (v) => checkString(c, ['probe'], v, 'a path to a probe file'), null);
  const remote_engines = parseRemote(c, raw.remote_engines, context);
  const remote_tokenizer = optNullable('remote_tokenizer', (v) => checkString(c, ['remote_tokenizer'], v, "a folder or URL holding the model's config.json and tokenizer.json"), null);
  if (remote_tokenizer !== null && remote_engines.length === 0 && context === 'cli') {
    c.warn(['remote_tokenizer'], 'unsupported', 'remote_tokenizer only applies with remote_engines and is ignored');
  }

  const ns = raw.num_samples === undefined ? undefined : checkNumber(c, ['num_samples'], raw.num_samples, { integer: true, min: 1 });
  const ng = raw.num_generations === undefined ? undefined : checkNumber(c, ['num_generations'], raw.num_generations, { integer: true, min: 1 });
  if (ns !== undefined && ng !== undefined && ns !== ng) c.error(['num_generations'], 'mismatch', `num_samples ${ns} and num_generations ${ng} (its alias) disagree; give one of them`);
  const num_samples = ns ?? ng ?? 10;
  if ((ns ?? 0) > 100) {
    c.warn(['num_samples'], 'invalid_value', `num_samples ${ns} is the number of high-temperature samples PER QUESTION (the seed's num_generations, usually 10); the number of questions is sampling.n`);
  }
  if (mode !== 'probe_data') {
    for (const k of ['num_samples', 'num_generations', 'sample_temperature', 'most_likely_temperature', 'brief_prompt', 'use_context', 'entailment_model', 'strict_entailment']) {
      if (raw[k] !== undefined) c.warn([k], 'unsupported', `${k} only applies to mode "probe_data" and is ignored in mode "${mode}"`);
    }
  }
  const sample_temperature = opt('sample_temperature', (v) => checkNumber(c, ['sample_temperature'], v, { min: 0 }), 1.0);
  const most_likely_temperature = opt('most_likely_temperature', (v) => checkNumber(c, ['most_likely_temperature'], v, { min: 0 }), 0.1);
  const brief_prompt = opt('brief_prompt', (v) => checkEnum(c, ['brief_prompt'], v, ['chat', 'default'] as const), 'chat' as 'chat' | 'default');
  const use_context = opt('use_context', (v) => checkBoolean(c, ['use_context'], v), false);
  const entailment_model = opt('entailment_model', (v) => checkEnum(c, ['entailment_model'], v, ENTAILMENT_MODELS), 'nli' as EntailmentModel);
  if (mode === 'probe_data' && entailment_model === 'llm' && raw.judge === undefined) {
    c.error(['judge'], 'missing_field', 'entailment_model "llm" needs a judge block {base_url, model, api_key_env}');
  }
  const strict_entailment = opt('strict_entailment', (v) => checkBoolean(c, ['strict_entailment'], v), true);

  const errors = c.errors;
  if (errors.length) return { ok: false, issues: c.issues };
  return {
    ok: true,
    warnings: c.warnings,
    value: {
      mode, model_path, dtype, dataset_path, dataset_type, output_dir,
      sampling: { strategy: sampling.strategy, n: sampling.n, seed: samplingSeed },
      seed: runSeed, strategy, max_steps, temperature, top_p, max_new_tokens, enable_thinking, generation_timeout,
      system_prompt, model_max_tokens, enable_ppl_detection, capture, label_method, judge, f1_threshold, match_mode, nli,
      probe, remote_engines, remote_tokenizer, num_samples, sample_temperature, most_likely_temperature, brief_prompt, use_context,
      entailment_model, strict_entailment
    }
  };
}

/** Parses config text (JSON); bad JSON is one issue naming the file and the parser's position. */
export function parseRunConfigText(text: string, options: ParseConfigOptions = {}): Result<RunConfig> {
  const where = options.where ?? 'config.json';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const issue: Issue = { code: 'malformed', path: [], where, message: `${where}: not valid JSON (${(e as Error).message})` };
    return { ok: false, issues: [issue] };
  }
  return parseRunConfig(raw, options);
}

/** Number of turns per dialogue: turn 0 plus max_steps follow-ups. */
export function turnsPerItem(config: Pick<RunConfig, 'max_steps'>): number {
  return config.max_steps + 1;
}

/** The hidden-state indices a config captures, given what the model can capture; null means all of them. */
export function captureLayerList(capture: CaptureConfig): number[] | null {
  if (!capture.layers) return null;
  const [a, b] = capture.layers;
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/**
 * The fields that decide what a run produces. A resumed run must agree with the stored one on every one of them;
 * the others (output_dir, timeouts, labelling, probes, remote engines) may change between sessions.
 */
export const RESULT_FIELDS = [
  'mode', 'model_path', 'dtype', 'dataset_path', 'sampling', 'seed', 'strategy', 'max_steps', 'temperature', 'top_p',
  'max_new_tokens', 'enable_thinking', 'system_prompt', 'model_max_tokens', 'capture', 'num_samples', 'sample_temperature',
  'most_likely_temperature', 'brief_prompt', 'use_context', 'entailment_model', 'strict_entailment'
] as const;

/** The result-deciding fields on which two configs differ, as `field: stored → now` strings. */
export function configDifferences(stored: Partial<Record<string, unknown>>, now: RunConfig): string[] {
  const out: string[] = [];
  for (const key of RESULT_FIELDS) {
    const a = JSON.stringify(stored[key] ?? null);
    const b = JSON.stringify((now as unknown as Record<string, unknown>)[key] ?? null);
    if (a !== b) out.push(`${key}: ${a} → ${b}`);
  }
  return out;
}

/**
 * The config as stored with a run and in bundles. It holds no secret: keys are refused at parse time and only the
 * NAMES of environment variables are kept.
 */
export function storableConfig(config: RunConfig): Record<string, unknown> {
  return JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
}
