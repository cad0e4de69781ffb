/**
 * The item-result file (`<output_dir>/<safe_id>.json`): the seed code's fields (method-spikescore.md §8.1) plus
 * ours (`format_version`, `label_source`, `provenance`, per-token records). Field names keep the seed's snake_case.
 *
 * Versions: a file without `format_version` is the seed's own format (version 0: `nil_label` is read as an alias of
 * `nli_label`); version 1 is ours; a newer version is refused.
 */
import { InputError, typeName, type Issue, type PathSegment, type Result } from './issues';

export const ITEM_FORMAT_VERSION = 1;

export type LabelSource = 'match' | 'f1' | 'judge' | 'nli' | 'dataset' | 'override';
export const LABEL_SOURCES: readonly LabelSource[] = ['match', 'f1', 'judge', 'nli', 'dataset', 'override'];

/** Per-turn scores. Higher means more likely hallucinated for every score the runner writes. */
export interface TurnMetrics {
  /** Mean negative log-likelihood of the generated tokens (nats). */
  nll_mean?: number | null;
  /** Mean full-distribution entropy over the generated tokens (nats). */
  entropy_mean?: number | null;
  /** Logit-lens score: mean JSD (bits) between intermediate and last selected layer distributions. */
  rs?: number | null;
  /** A probe's per-turn score, written by `spikescore metrics`. */
  probe_pred?: number | null;
  [key: string]: unknown;
}

/** Per generated token, in order: ids, log-probabilities (under the sampling distribution's raw logits), entropies, top-k. */
export interface TokenTrace {
  ids: number[];
  logprobs: number[];
  entropies: number[];
  top_ids?: number[][];
  top_logprobs?: number[][];
}

export interface TurnRecord {
  step: number;
  prompt_type: string;
  followup_prompt: string;
  full_input: string;
  response: string;
  token_count: number;
  metrics: TurnMetrics;
  timestamp?: string;
  response_length?: number;
  input_length?: number;
  /** Ours: the turn hit the per-turn timeout; its scores are null. */
  timed_out?: boolean;
  /** Ours: the tokens generated in this turn. */
  tokens?: TokenTrace;
  [key: string]: unknown;
}

export interface Provenance {
  model_id: string;
  model_sha256?: string | null;
  tokenizer_hash?: string | null;
  chat_template_hash?: string | null;
  ort_version?: string | null;
  backend?: string | null;
  threads?: number | null;
  app_version: string;
  seeds: Record<string, number | string>;
  created?: string;
  [key: string]: unknown;
}

export interface ItemResult {
  format_version: number;
  id: string;
  question: string;
  gold_answer: string | string[] | null;
  /** 1 correct, 0 hallucinated, null unknown. */
  nli_label: 0 | 1 | null;
  label_source?: LabelSource | null;
  /** The label before an override, kept so every metric can flag overridden items. */
  label_before_override?: 0 | 1 | null;
  reasoning_chain: TurnRecord[];
  provenance?: Provenance | null;
  [key: string]: unknown;
}

/** `id` with `:` and `/` replaced by `_`, as the seed names its files. */
export function safeId(id: string): string {
  return id.replace(/[:/]/g, '_');
}

/** Hallucination label (1 = hallucinated, the positive class everywhere) from `nli_label` (1 = correct). */
export function hallucinationLabel(item: Pick<ItemResult, 'nli_label'>): 0 | 1 | null {
  return item.nli_label === null ? null : item.nli_label === 1 ? 0 : 1;
}

/**
 * Validates and migrates a parsed item file. Every problem is reported with its path, e.g.
 * `reasoning_chain[2].metrics.probe_pred`; `where` names the file.
 */
export function parseItemResult(raw: unknown, where: string): Result<ItemResult> {
  const issues: Issue[] = [];
  const add = (code: string, path: PathSegment[], message: string) => issues.push({ code, path, message: `${where}: ${message}`, where });
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    add('invalid_type', [], `an item file must hold a JSON object, got ${typeName(raw)}`);
    return { ok: false, issues };
  }
  const o = { ...(raw as Record<string, unknown>) };
  const version = o.format_version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    add('invalid_value', ['format_version'], `format_version must be a non-negative integer, got ${JSON.stringify(version)}`);
    return { ok: false, issues };
  }
  if (version > ITEM_FORMAT_VERSION) {
    add('newer_format', ['format_version'], `format_version ${version} is newer than this app reads (${ITEM_FORMAT_VERSION}); update SpikeScore Lab`);
    return { ok: false, issues };
  }
  // Version 0 (the seed's files): `nil_label` is an alias of `nli_label`.
  if (!('nli_label' in o) && 'nil_label' in o) o.nli_label = o.nil_label;
  if (version === 0) delete o.nil_label;

  if (typeof o.id !== 'string' || o.id === '') {
    if (typeof o.id === 'number') o.id = String(o.id);
    else add(o.id === undefined ? 'missing_field' : 'invalid_type', ['id'], `id must be a non-empty string, got ${typeName(o.id)}`);
  }
  if (o.question === undefined) o.question = '';
  else if (typeof o.question !== 'string') add('invalid_type', ['question'], `question must be a string, got ${typeName(o.question)}`);
  if (o.gold_answer === undefined) o.gold_answer = null;
  const label = o.nli_label;
  if (label === undefined) o.nli_label = null;
  else if (!(label === null || label === 0 || label === 1)) {
    add('invalid_value', ['nli_label'], `nli_label must be 1 (correct), 0 (hallucinated) or null, got ${JSON.stringify(label)}`);
  }
  if (o.label_source !== undefined && o.label_source !== null && !LABEL_SOURCES.includes(o.label_source as LabelSource)) {
    add('invalid_value', ['label_source'], `label_source must be one of ${LABEL_SOURCES.join(', ')}, got ${JSON.stringify(o.label_source)}`);
  }
  const chain = o.reasoning_chain;
  if (!Array.isArray(chain)) {
    add(chain === undefined ? 'missing_field' : 'invalid_type', ['reasoning_chain'], `reasoning_chain must be an array of turns, got ${typeName(chain)}`);
  } else {
    chain.forEach((turn, k) => {
      if (!turn || typeof turn !== 'object' || Array.isArray(turn)) {
        add('invalid_type', ['reasoning_chain', k], `turn ${k} must be an object, got ${typeName(turn)}`);
        return;
      }
      const t = turn as Record<string, unknown>;
      if (t.step === undefined) t.step = k;
      else if (typeof t.step !== 'number' || !Number.isInteger(t.step)) add('invalid_type', ['reasoning_chain', k, 'step'], `step must be an integer, got ${JSON.stringify(t.step)}`);
      if (t.metrics === undefined || t.metrics === null) t.metrics = {};
      else if (typeof t.metrics !== 'object' || Array.isArray(t.metrics)) add('invalid_type', ['reasoning_chain', k, 'metrics'], `metrics must be an object, got ${typeName(t.metrics)}`);
      for (const key of ['prompt_type', 'followup_prompt', 'full_input', 'response'] as const) {
        if (t[key] === undefined) t[key] = '';
        else if (typeof t[key] !== 'string') add('invalid_type', ['reasoning_chain', k, key], `${key} must be a string, got ${typeName(t[key])}`);
      }
      if (t.token_count === undefined) t.token_count = 0;
    });
  }
  if (issues.length) return { ok: false, issues };
  o.format_version = ITEM_FORMAT_VERSION;
  return { ok: true, value: o as unknown as ItemResult, warnings: [] };
}

/** Parses item-file text (JSON) or throws an `InputError` naming the file and, for bad JSON, the position. */
export function parseItemResultText(text: string, where: string): ItemResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError([{ code: 'malformed', path: [], message: `${where}: not valid JSON (${(e as Error).message})`, where }]);
  }
  const r = parseItemResult(raw, where);
  if (!r.ok) throw new InputError(r.issues);
  return r.value;
}

/**
 * A turn's numeric score under `key`, or null when absent or not a finite number. Keys may be dotted
 * (`reasoning_score_per_token.last_token_embedding`).
 */
export function turnScore(turn: TurnRecord, key: string): number | null {
  let v: unknown = turn.metrics;
  for (const part of key.split('.')) {
    if (!v || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[part];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
