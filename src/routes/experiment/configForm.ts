/**
 * The Experiment page's settings form, as the paper's `config.json` fields plus ours. The form never validates on
 * its own: `formToConfig` writes the raw config object and `parseRunConfig` (the same validator as the CLI) checks
 * it, so the page and `spikescore run` accept and refuse the same configs with the same messages.
 */
import {
  CAPTURE_POSITIONS,
  parseRunConfig,
  parseRunConfigText,
  type CapturePosition,
  type FollowupMode,
  type LabelMethod,
  type RunConfig,
  type RunMode,
  type SamplingStrategy
} from '../../lib/core/config/runConfig';
import type { Issue, Result } from '../../lib/core/issues';

export interface ConfigForm {
  mode: RunMode;
  samplingStrategy: SamplingStrategy;
  /** null or empty: every item. */
  samplingN: number | null;
  samplingSeed: number | null;
  seed: number | null;
  strategy: FollowupMode;
  maxSteps: number | null;
  temperature: number | null;
  topP: number | null;
  maxNewTokens: number | null;
  enableThinking: boolean;
  /** Seconds; null or empty: no timeout. */
  generationTimeout: number | null;
  positions: CapturePosition[];
  /** Half-open hidden-state index range [from, to); both null: every capturable index. */
  layersFrom: number | null;
  layersTo: number | null;
  labelMethod: LabelMethod;
  f1Threshold: number | null;
  /** probe_data: samples per question and the entailment judge of semantic entropy. */
  numSamples: number | null;
  entailmentModel: 'match' | 'nli' | 'llm';
}

/** A small, quick default: the paper's fields with a short dialogue (the paper runs max_steps 20). */
export function defaultForm(): ConfigForm {
  return {
    mode: 'dialogue',
    samplingStrategy: 'all',
    samplingN: null,
    samplingSeed: 42,
    seed: 42,
    strategy: 'progressive',
    maxSteps: 5,
    temperature: 0.2,
    topP: 0.7,
    maxNewTokens: 64,
    enableThinking: false,
    generationTimeout: 180,
    positions: [...CAPTURE_POSITIONS],
    layersFrom: null,
    layersTo: null,
    labelMethod: 'f1',
    f1Threshold: 0.5,
    numSamples: 10,
    entailmentModel: 'match'
  };
}

const blank = (v: unknown) => v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v));

/**
 * The raw config object of a form (what a `config.json` would hold). Empty optional fields are left out so the
 * validator's defaults apply; `judge` (base URL and model from Settings, never the key) is added for the LLM judge.
 */
export function formToConfig(form: ConfigForm, extra: { datasetPath?: string | null; judge?: { base_url: string; model: string } | null } = {}): Record<string, unknown> {
  const raw: Record<string, unknown> = { mode: form.mode };
  if (extra.datasetPath) raw.dataset_path = extra.datasetPath;
  const sampling: Record<string, unknown> = { strategy: form.samplingStrategy };
  if (!blank(form.samplingN)) sampling.n = form.samplingN;
  if (!blank(form.samplingSeed)) sampling.seed = form.samplingSeed;
  raw.sampling = sampling;
  const put = (key: string, v: unknown) => {
    if (!blank(v)) raw[key] = v;
  };
  put('seed', form.seed);
  raw.strategy = form.strategy;
  put('max_steps', form.maxSteps);
  put('temperature', form.temperature);
  put('top_p', form.topP);
  put('max_new_tokens', form.maxNewTokens);
  raw.enable_thinking = form.enableThinking;
  raw.generation_timeout = blank(form.generationTimeout) ? null : form.generationTimeout;
  const capture: Record<string, unknown> = { positions: [...form.positions] };
  if (!blank(form.layersFrom) || !blank(form.layersTo)) capture.layers = [form.layersFrom, form.layersTo];
  raw.capture = capture;
  raw.label_method = form.labelMethod;
  if (form.labelMethod === 'f1') put('f1_threshold', form.f1Threshold);
  const needsJudge = form.labelMethod === 'judge' || (form.mode === 'probe_data' && form.entailmentModel === 'llm');
  if (needsJudge && extra.judge) raw.judge = { base_url: extra.judge.base_url, model: extra.judge.model };
  if (form.mode === 'probe_data') {
    put('num_samples', form.numSamples);
    raw.entailment_model = form.entailmentModel;
  }
  return raw;
}

/** The form showing a validated config (after a `config.json` was pasted or uploaded). */
export function configToForm(c: RunConfig): ConfigForm {
  return {
    mode: c.mode,
    samplingStrategy: c.sampling.strategy,
    samplingN: c.sampling.n,
    samplingSeed: c.sampling.seed,
    seed: c.seed,
    strategy: c.strategy,
    maxSteps: c.max_steps,
    temperature: c.temperature,
    topP: c.top_p,
    maxNewTokens: c.max_new_tokens,
    enableThinking: c.enable_thinking,
    generationTimeout: c.generation_timeout,
    positions: [...c.capture.positions],
    layersFrom: c.capture.layers?.[0] ?? null,
    layersTo: c.capture.layers?.[1] ?? null,
    labelMethod: c.label_method,
    f1Threshold: c.f1_threshold,
    numSamples: c.num_samples,
    entailmentModel: c.entailment_model
  };
}

/** Validates a form (page context: CLI-only fields are warned about and ignored). */
export function validateForm(form: ConfigForm, extra: Parameters<typeof formToConfig>[1] = {}): Result<RunConfig> {
  return parseRunConfig(formToConfig(form, extra), { where: 'settings', context: 'page' });
}

/** Validates pasted or uploaded `config.json` text; every message names its field. */
export function validateConfigText(text: string, where = 'config.json'): Result<RunConfig> {
  return parseRunConfigText(text, { where, context: 'page' });
}

/**
 * Problems the page adds on top of the validator: what the page cannot do (a config that names a probe file or
 * remote engines, NLI labels without the model's files) and what it needs from Settings (the judge's endpoint).
 */
export function pageIssues(config: RunConfig, settings: { judgeBaseUrl: string; judgeModel: string; judgeApiKey: string }): Issue[] {
  const issues: Issue[] = [];
  const usesJudge = config.label_method === 'judge' || (config.mode === 'probe_data' && config.entailment_model === 'llm');
  if (usesJudge) {
    if (!config.judge) issues.push({ code: 'missing_field', path: ['judge'], message: 'the LLM judge needs an endpoint: set its base URL and model in Settings' });
    if (!settings.judgeApiKey) issues.push({ code: 'missing_field', path: ['judge'], message: 'the LLM judge needs its API key: type it in Settings (it stays in this tab\'s memory, never stored)' });
  }
  if (config.probe) issues.push({ code: 'unsupported', path: ['probe'], message: `probe "${config.probe}": the page applies probes on the Probes page after the run; remove "probe" from the config` });
  return issues;
}

/** The field a validator issue is about, for highlighting the form control (`sampling.n` → "sampling.n"). */
export function issueField(issue: Issue): string {
  return issue.path.filter((p) => typeof p === 'string').join('.');
}
