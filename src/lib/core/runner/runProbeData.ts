/**
 * The `probe_data` mode: training data for semantic-entropy probes, as the SE pipeline's `generate_answers.py`
 * (method-spikescore.md §9) with zero few-shot examples. Per question:
 *
 * 1. the raw prompt `probePrompt(...)` (no chat template; the tokenizer's BOS), stop strings as the seed's;
 * 2. one most-likely answer at T = `most_likely_temperature` (0.1), with its hidden states at
 *    `last_tok_bef_gen_embedding` (SEP's TBG) and `last_token_embedding` (SLT) for the configured layers;
 * 3. N = `num_samples` (10) answers at T = `sample_temperature` (1.0), as ONE `generateBatch` call sharing the
 *    prompt's cache (sample i keyed by (seed, id, "sample", i));
 * 4. semantic entropy of the N samples by the injected clustering (the most-likely answer is not included, as in
 *    the seed);
 * 5. the correctness label of the most-likely answer by the injected labeller (`accuracy`, 1/0/null).
 *
 * Both sampling steps use top_p = 1 (pure temperature sampling; the seed passed none and got the model default).
 * A question already in the sink is skipped (resume); a failure of one question is recorded and counted, and the
 * run goes on. A timed-out most-likely answer is a failure of that question (it has no usable hidden states).
 */
import type { RunConfig } from '../config/runConfig';
import { goldAnswers, type DatasetItem } from '../datasets/parseDataset';
import { PROBE_STOP_STRINGS, probePrompt } from '../prompts/probePrompt';
import { checkCapture } from './runDialogue';
import { round6 } from './turnMetrics';
import { abortError, type ItemError, type Labeller, type RunnerModel } from './types';

export const PROBE_DATA_FORMAT_VERSION = 1;

export interface ProbeDataSample {
  readonly text: string;
  /** Σ log p of the sample's tokens (nats), for predictive-entropy baselines. */
  readonly log_likelihood: number;
  readonly num_tokens: number;
  readonly stop_reason: string;
}

/** One line of `probe_data.jsonl`. */
export interface ProbeDataRecord {
  readonly format_version: number;
  readonly id: string;
  readonly question: string;
  readonly gold_answer: string | string[];
  readonly most_likely_answer: string;
  /** Correctness of the most-likely answer: 1 correct, 0 wrong, null unknown. */
  readonly accuracy: 0 | 1 | null;
  readonly label_source: string | null;
  /** Cluster-assignment entropy of the samples (nats); null with `se_reason` when it could not be computed. */
  readonly semantic_entropy: number | null;
  readonly se_reason: string | null;
  readonly semantic_ids: readonly number[] | null;
  /**
   * The N samples. Writers store `samples` as their texts (what `probe_data.jsonl`'s readers take) and these
   * objects as `sample_details`.
   */
  readonly samples: readonly ProbeDataSample[];
  readonly most_likely_log_likelihood: number;
}

/** Hidden states of the most-likely answer: `[layers.length × hiddenSize]`, layer-major, float32. */
export interface ProbeDataHidden {
  readonly layers: readonly number[];
  readonly hiddenSize: number;
  readonly last_tok_bef_gen_embedding: Float32Array;
  readonly last_token_embedding: Float32Array;
}

/** The probe-data writer (`src/lib/store/probeData.ts` writes `probe_data.jsonl` + `probe_data.safetensors`). */
export interface ProbeDataSink {
  has(id: string): Promise<boolean>;
  put(record: ProbeDataRecord, hidden: ProbeDataHidden): Promise<void>;
  saveError?(error: ItemError): Promise<void>;
  /** Called once after the last question (not after a cancellation): a writer that assembles its files does it here. */
  finish?(): Promise<void>;
}

/** Semantic entropy of N answers to one question (the core's clustering with an entailment judge, injected). */
export type SemanticEntropyFunction = (question: string, answers: readonly string[]) => Promise<{ se: number | null; ids?: readonly number[] | null; reason?: string | null }>;

export interface ProbeDataRunOptions {
  readonly model: RunnerModel;
  readonly config: RunConfig;
  readonly items: readonly DatasetItem[];
  readonly sink: ProbeDataSink;
  readonly semanticEntropy: SemanticEntropyFunction;
  readonly labeller?: Labeller | null;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: { type: 'item-done' | 'item-skipped' | 'item-failed'; index: number; total: number; itemId: string; error?: string }) => void;
  readonly now?: () => number;
}

export interface ProbeDataSummary {
  readonly items: number;
  readonly completed: number;
  readonly skipped: number;
  readonly failed: number;
  readonly labelFailures: number;
  readonly seFailures: number;
}

export async function runProbeData(options: ProbeDataRunOptions): Promise<ProbeDataSummary> {
  const { model, config, items, sink, signal } = options;
  const now = options.now ?? Date.now;
  const layers = checkCapture(config, model);
  let completed = 0;
  let skipped = 0;
  let failed = 0;
  let labelFailures = 0;
  let seFailures = 0;
  const n = items.length;
  for (let i = 0; i < n; i++) {
    if (signal?.aborted) throw abortError();
    const item = items[i];
    if (await sink.has(item.id)) {
      skipped++;
      options.onProgress?.({ type: 'item-skipped', index: i, total: n, itemId: item.id });
      continue;
    }
    try {
      // From an empty cache: a question's numbers do not depend on the question before it (nor on a resume).
      await model.resetCache?.();
      const prompt = probePrompt(item.question, item.context, { brief: config.brief_prompt, useContext: config.use_context });
      const ids = model.tokenizer.encode(prompt, { addSpecialTokens: true });
      const timeoutMs = config.generation_timeout === null ? undefined : config.generation_timeout * 1000;
      const common = { maxNewTokens: config.max_new_tokens, topP: 1, stopStrings: PROBE_STOP_STRINGS, signal, timeoutMs };
      const best = await model.generate(ids, {
        ...common,
        temperature: config.most_likely_temperature,
        seed: [config.seed, item.id, 'most_likely'],
        capture: { positions: ['last_tok_bef_gen_embedding', 'last_token_embedding'], ...(layers ? { layers } : {}) }
      });
      if (best.stopReason === 'cancelled' || signal?.aborted) throw abortError();
      if (best.stopReason === 'timeout') throw new Error(`the most-likely answer timed out after ${config.generation_timeout} s`);
      const tbg = best.hidden.last_tok_bef_gen_embedding;
      const slt = best.hidden.last_token_embedding;
      if (!tbg || !slt) throw new Error('the engine returned no hidden states at last_tok_bef_gen_embedding and last_token_embedding');
      const samples = await model.generateBatch(ids, config.num_samples, { ...common, temperature: config.sample_temperature, seed: [config.seed, item.id, 'sample'] });
      if (samples.some((s) => s.stopReason === 'cancelled') || signal?.aborted) throw abortError();
      const texts = samples.map((s) => s.text.trim());
      const mostLikely = best.text.trim();

      let accuracy: 0 | 1 | null = null;
      let labelSource: string | null = null;
      if (options.labeller) {
        try {
          const out = await options.labeller.label(item.question, goldAnswers(item), mostLikely, item);
          accuracy = out.label;
          labelSource = out.source;
        } catch {
          accuracy = null;
        }
        if (accuracy === null) labelFailures++;
      }
      const se = await options.semanticEntropy(item.question, texts);
      if (se.se === null) seFailures++;
      const sum = (a: Float32Array) => round6(a.reduce((x, y) => x + y, 0));
      const record: ProbeDataRecord = {
        format_version: PROBE_DATA_FORMAT_VERSION,
        id: item.id,
        question: item.question,
        gold_answer: typeof item.answer === 'string' ? item.answer : [...item.answer],
        most_likely_answer: mostLikely,
        most_likely_log_likelihood: sum(best.logprobs),
        accuracy,
        label_source: labelSource,
        semantic_entropy: se.se,
        se_reason: se.se === null ? (se.reason ?? 'unknown') : null,
        semantic_ids: se.ids ? [...se.ids] : null,
        samples: samples.map((s, j) => ({ text: texts[j], log_likelihood: sum(s.logprobs), num_tokens: s.tokenIds.length, stop_reason: s.stopReason }))
      };
      await sink.put(record, { layers: [...best.layers], hiddenSize: model.info.hiddenSize, last_tok_bef_gen_embedding: tbg, last_token_embedding: slt });
      completed++;
      options.onProgress?.({ type: 'item-done', index: i, total: n, itemId: item.id });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError' || signal?.aborted) throw abortError();
      failed++;
      const err = e as Error;
      await sink.saveError?.({ id: item.id, error: err?.message ?? String(e), traceback: err?.stack ?? null, timestamp: new Date(now()).toISOString() });
      options.onProgress?.({ type: 'item-failed', index: i, total: n, itemId: item.id, error: err?.message ?? String(e) });
    }
  }
  await sink.finish?.();
  return { items: n, completed, skipped, failed, labelFailures, seFailures };
}
