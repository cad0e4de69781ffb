/**
 * One generated sample of a fallbacks run, as stored while the run goes on (one file per sample in the CLI), so
 * that a resumed run keeps what was done and the reference's files are assembled from it.
 */
import { InputError, typeName, type Issue } from '../../issues';
import type { TopK } from '../resultLines';
import type { PlannedSample } from './planRun';

export const SAMPLE_FORMAT_VERSION = 1;

export interface SampleRecord {
  readonly format_version: typeof SAMPLE_FORMAT_VERSION;
  /** `PlannedSample.key`: `r<rep>-<itemTask>-<index>`. */
  readonly key: string;
  /** The prompt without its suffix (what the results JSONL stores). */
  readonly prompt: string;
  /** prompt + suffix: what the model was fed, as text. */
  readonly model_input: string;
  /** The generated text, special tokens skipped and NOT trimmed (a leading space is kept, as the reference). */
  readonly completion: string;
  readonly prompt_ids: readonly number[];
  readonly token_ids: readonly number[];
  /** Per generated step, the top-k as [token text decoded alone, logprob], best first. */
  readonly top: readonly TopK[];
  /** Per generated step, the top-k ids, best first. */
  readonly top_ids: readonly (readonly number[])[];
  readonly stop_reason: string;
  readonly timings: { readonly prefill_ms: number; readonly decode_ms: number };
}

const isIntArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => Number.isInteger(v));

/**
 * Validates a stored sample against the plan's sample: same key, prompt and model input (a sample of another
 * configuration is refused, never mixed in). Throws an `InputError` listing every problem, at `where`.
 */
export function parseSampleRecord(value: unknown, expected: PlannedSample, where: string): SampleRecord {
  const issues: Issue[] = [];
  const bad = (path: string, message: string): void => void issues.push({ code: 'invalid_value', path: [path], where, message });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError([{ code: 'invalid_type', path: [], where, message: `${where}: a sample must be a JSON object, got ${typeName(value)}` }]);
  }
  const v = value as Record<string, unknown>;
  if (v.format_version !== SAMPLE_FORMAT_VERSION) {
    const newer = typeof v.format_version === 'number' && v.format_version > SAMPLE_FORMAT_VERSION;
    bad('format_version', newer ? `format_version ${v.format_version} is newer than this program reads (${SAMPLE_FORMAT_VERSION}); update spikescore` : `format_version must be ${SAMPLE_FORMAT_VERSION}, got ${JSON.stringify(v.format_version)}`);
  }
  if (v.key !== expected.key) bad('key', `key must be ${JSON.stringify(expected.key)}, got ${JSON.stringify(v.key)}`);
  if (v.prompt !== expected.built.prompt) bad('prompt', `the stored prompt differs from this run's prompt for ${expected.key}: the sample belongs to another configuration`);
  if (v.model_input !== expected.built.modelInput) bad('model_input', `the stored model input differs from this run's for ${expected.key}: the sample belongs to another configuration`);
  if (typeof v.completion !== 'string') bad('completion', `completion must be a string, got ${typeName(v.completion)}`);
  if (!isIntArray(v.prompt_ids)) bad('prompt_ids', 'prompt_ids must be a list of token ids');
  if (!isIntArray(v.token_ids)) bad('token_ids', 'token_ids must be a list of token ids');
  const n = Array.isArray(v.token_ids) ? v.token_ids.length : -1;
  const goodTop =
    Array.isArray(v.top) &&
    v.top.every((step) => Array.isArray(step) && step.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'number' && Number.isFinite(p[1])));
  if (!goodTop) bad('top', 'top must be a list (one per step) of [token, logprob] pairs');
  else if ((v.top as unknown[]).length !== n) bad('top', `top has ${(v.top as unknown[]).length} steps but token_ids has ${n}`);
  if (!(Array.isArray(v.top_ids) && v.top_ids.every(isIntArray))) bad('top_ids', 'top_ids must be a list (one per step) of token ids');
  else if (v.top_ids.length !== n) bad('top_ids', `top_ids has ${v.top_ids.length} steps but token_ids has ${n}`);
  if (typeof v.stop_reason !== 'string') bad('stop_reason', `stop_reason must be a string, got ${typeName(v.stop_reason)}`);
  const t = v.timings as Record<string, unknown> | undefined;
  if (typeof t !== 'object' || t === null || typeof t.prefill_ms !== 'number' || typeof t.decode_ms !== 'number') bad('timings', 'timings must be {prefill_ms, decode_ms}');
  if (issues.length) throw new InputError(issues);
  return v as unknown as SampleRecord;
}
