/**
 * The generation loop of a fallbacks run: every planned sample not yet stored is generated and stored as soon as
 * it finishes, in file order, so an interrupted run loses at most the sample in progress and a resumed one draws
 * exactly what an uninterrupted one would (each sample's randomness is keyed by its own seed key).
 */
import type { PlannedSample, RunPlan } from '../../core/fallbacks/generation/planRun';
import { SAMPLE_FORMAT_VERSION, type SampleRecord } from '../../core/fallbacks/generation/sampleRecord';
import type { LanguageModel, TokenEvent } from '../types';
import { generateFallbackCompletion } from './generateCompletion';

/** Where finished samples go: files in the CLI, IndexedDB in a page. */
export interface SampleStore {
  /** True when the sample is already stored (it is then skipped). */
  has(key: string): boolean;
  /** Stores a finished sample; must be atomic (all of it or nothing). */
  put(record: SampleRecord): Promise<void>;
}

export interface SampleProgress {
  /** Samples finished, stored ones included, and the total. */
  readonly done: number;
  readonly total: number;
  /** Samples found already stored when the loop started. */
  readonly skipped: number;
  /** The sample just finished. */
  readonly sample: PlannedSample;
  readonly newTokens: number;
  /** Over the samples generated in this call: new tokens per second of wall time. */
  readonly tokensPerSecond: number;
  /** Remaining samples × mean wall time per generated sample, in seconds. */
  readonly etaSeconds: number;
}

export interface RunSamplesOptions {
  readonly signal?: AbortSignal;
  /** Called after each stored sample; awaited, so a progress file written here is in place before the next sample. */
  readonly onProgress?: (p: SampleProgress) => void | Promise<void>;
  readonly onToken?: (sample: PlannedSample, event: TokenEvent, completionSoFar: string) => void;
  /** Wall clock in ms (default `performance.now`), for progress figures only. */
  readonly now?: () => number;
}

function abortError(): Error {
  const e = new Error('the run was cancelled; finished samples are kept');
  e.name = 'AbortError';
  return e;
}

/**
 * Generates every sample of `plan` that `store` does not have, in file order, with the plan's decoding settings
 * (`generateFallbackCompletion`) and key `sample.seedKey`. A cancelled sample is not stored and the call rejects
 * with an `AbortError`. Returns how many were generated and skipped.
 */
export async function runFallbackSamples(model: LanguageModel, plan: RunPlan, store: SampleStore, options: RunSamplesOptions = {}): Promise<{ generated: number; skipped: number }> {
  const now = options.now ?? (() => performance.now());
  const total = plan.samples.length;
  const skipped = plan.samples.filter((s) => store.has(s.key)).length;
  let done = skipped;
  let generated = 0;
  let tokens = 0;
  let wallMs = 0;
  for (const sample of plan.samples) {
    if (store.has(sample.key)) continue;
    if (options.signal?.aborted) throw abortError();
    const t0 = now();
    const c = await generateFallbackCompletion(model, sample.built, {
      maxNewTokens: plan.config.maxNewTokens,
      temperature: plan.config.temperature,
      seed: sample.seedKey,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onToken ? { onToken: (e: TokenEvent, soFar: string) => options.onToken!(sample, e, soFar) } : {})
    });
    if (c.stopReason === 'cancelled') throw abortError();
    await store.put({
      format_version: SAMPLE_FORMAT_VERSION,
      key: sample.key,
      prompt: sample.built.prompt,
      model_input: sample.built.modelInput,
      completion: c.completion,
      prompt_ids: c.promptIds,
      token_ids: c.tokenIds,
      top: c.top,
      top_ids: c.topIds,
      stop_reason: c.stopReason,
      timings: { prefill_ms: c.timings.prefillMs, decode_ms: c.timings.decodeMs }
    });
    generated++;
    done++;
    tokens += c.tokenIds.length;
    wallMs += now() - t0;
    await options.onProgress?.({
      done,
      total,
      skipped,
      sample,
      newTokens: c.tokenIds.length,
      tokensPerSecond: wallMs > 0 ? tokens / (wallMs / 1000) : 0,
      etaSeconds: ((total - done) * wallMs) / generated / 1000
    });
  }
  return { generated, skipped };
}
