/**
 * The dialogue experiment (the seed's `reasoning_lite.py`, with the design's deviations): for each item, K =
 * max_steps + 1 turns. Turn 0 asks the question (system prompt, context, question: never the gold answer); turn
 * k ≥ 1 appends follow-up k to the whole conversation so far. Each turn renders the conversation with the chat
 * template, encodes it and calls `generate`, which reuses the cached prefix.
 *
 * Per turn it records the seed's fields (step, prompt_type, followup_prompt, full_input, response, token_count,
 * timestamp, response_length, input_length) plus ours (timed_out, stop_reason, tokens) and `metrics` {nll_mean,
 * entropy_mean, rs}; and the hidden states at the configured positions and layers (F16).
 *
 * A model with `generateChat` (a remote engine that renders the template itself) gets the messages and returns the
 * prompt it fed, stored as `full_input`; otherwise the template is rendered here and `generate` gets the token ids.
 * Scores the model names in `info.unavailable` are written as null (entropy, RS) and hidden states it cannot give
 * are not requested, never estimated under the same name.
 *
 * Storage is resumable: the item is saved after every turn (one atomic step). A finished item is skipped; a partial
 * one continues at its next turn from the stored conversation. A storage failure (disk or quota full) stops the
 * run with that error, since no later item could be stored either; the turn in progress is not stored. Every draw
 * is keyed by (run seed, item id, turn, sample index), and a model with a KV cache (`resetCache`) starts each item
 * from an empty one and, for a partial item, first regenerates the stored turns (unsaved) to rebuild the cache by
 * the same forward passes: a resumed run writes the same bytes as an uninterrupted one (timestamps aside), since
 * a cache filled in other chunks differs in the last bits.
 *
 * Per-turn timeout: the turn is kept with `timed_out: true`, response "[Generation timed out]", null scores and no
 * hidden states, and the dialogue goes on (as the seed's `reasoning_hidden.py`). A context that cannot hold the
 * next prompt ends the item early (`truncation_triggered`, `truncation_at_step`). A failure of one item is recorded
 * beside it and counted, and the run goes on. Cancellation (the signal) stops at once without storing the turn in
 * progress and throws an AbortError.
 */
import { captureLayerList, turnsPerItem, type RunConfig } from '../config/runConfig';
import { goldAnswers, type DatasetItem } from '../datasets/parseDataset';
import { encodeF16 } from '../float16';
import { InputError } from '../issues';
import { ITEM_FORMAT_VERSION, type ItemResult, type Provenance, type TurnRecord } from '../itemResult';
import { dialogueMessages, initialMessages, type ChatMessage } from '../prompts/messages';
import { selectFollowup } from '../prompts/selectFollowup';
import { keyedRandom } from '../random';
import { entropyMean, nllMean, round6, wordCount } from './turnMetrics';
import {
  abortError,
  type Labeller,
  type ProgressEvent,
  type RsFunction,
  type RunnerGeneration,
  type RunnerModel,
  type RunnerTokenEvent,
  type RunSink,
  type RunSummary,
  type TurnHidden
} from './types';

export const TIMED_OUT_RESPONSE = '[Generation timed out]';

export interface DialogueRunOptions {
  readonly model: RunnerModel;
  readonly config: RunConfig;
  /** The sampled items, in run order. */
  readonly items: readonly DatasetItem[];
  readonly sink: RunSink;
  readonly labeller?: Labeller | null;
  /** Logit-lens RS per turn; `metrics.rs` is left out when not given. */
  readonly rs?: RsFunction | null;
  /** Stamped into every item. */
  readonly provenance?: Provenance | null;
  /** The dataset's kind, stored as `dataset_type` when the config names none. */
  readonly datasetKind?: string;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly onToken?: (itemId: string, turn: number, event: RunnerTokenEvent) => void;
  readonly signal?: AbortSignal;
  /** Milliseconds since the epoch (timestamps, ETA). Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Checks that the model can capture what the config asks for; the message names `capture.layers`. Returns the
 * hidden-state indices to capture, or undefined for every capturable one (or none, when the model has none).
 */
export function checkCapture(config: RunConfig, model: RunnerModel): number[] | undefined {
  const wanted = captureLayerList(config.capture);
  if (!wanted) return undefined;
  // A model that names hidden states unavailable (a chat API) is not asked for them at all.
  if (model.info.unavailable && 'hidden_states' in model.info.unavailable) return undefined;
  const capturable = new Set(model.info.capturableLayers);
  const missing = wanted.filter((l) => !capturable.has(l));
  if (missing.length) {
    const have = model.info.capturableLayers;
    const range = have.length ? `[${have[0]}, ${have[have.length - 1] + 1})` : '(none)';
    throw new InputError([
      {
        code: 'invalid_value',
        path: ['capture', 'layers'],
        message: `capture.layers [${config.capture.layers!.join(', ')}) asks for hidden-state indices ${missing.join(', ')}, which ${model.info.id} cannot capture (it has ${range})`
      }
    ]);
  }
  return wanted;
}

function toTurnHidden(gen: RunnerGeneration, hiddenSize: number): TurnHidden | null {
  const positions: TurnHidden['positions'] = {};
  let any = false;
  for (const [name, values] of Object.entries(gen.hidden)) {
    if (!values) continue;
    if (values.length !== gen.layers.length * hiddenSize) {
      throw new Error(`the engine returned ${values.length} hidden values at ${name}, expected ${gen.layers.length} layers × ${hiddenSize}`);
    }
    (positions as Record<string, Uint16Array>)[name] = encodeF16(values);
    any = true;
  }
  return any ? { layers: [...gen.layers], hiddenSize, positions } : null;
}

function contextPreview(context: string): string {
  return context.length > 200 ? `${context.slice(0, 200)}...` : context;
}

/** A new, empty item result for `item` (no turns yet). */
export function newItemResult(item: DatasetItem, config: RunConfig, model: RunnerModel, extra: { provenance?: Provenance | null; datasetKind?: string; now: string }): ItemResult {
  const limit = Math.min(model.info.maxContext, config.model_max_tokens ?? Infinity);
  return {
    format_version: ITEM_FORMAT_VERSION,
    id: item.id,
    question: item.question,
    gold_answer: typeof item.answer === 'string' ? item.answer : [...item.answer],
    nli_label: null,
    label_source: null,
    context_preview: contextPreview(item.context),
    dataset_type: config.dataset_type ?? extra.datasetKind ?? 'unknown',
    model: model.info.id,
    temperature: config.temperature,
    top_p: config.top_p,
    strategy: config.strategy,
    max_steps: config.max_steps,
    actual_steps: -1,
    max_generation_tokens: config.max_new_tokens,
    max_input_tokens: Number.isFinite(limit) ? limit - config.max_new_tokens : null,
    enable_thinking: config.enable_thinking,
    seed: config.seed,
    truncation_triggered: false,
    truncation_at_step: null,
    generation_timeout: config.generation_timeout,
    run_status: 'partial',
    last_update: extra.now,
    provenance: extra.provenance ?? null,
    reasoning_chain: []
  };
}

export interface Tally {
  completed: number;
  skipped: number;
  resumed: number;
  failed: number;
  labelled: number;
  labelFailures: number;
  timedOutTurns: number;
  truncatedItems: number;
  generatedTokens: number;
  engineMs: number;
  turnsDone: number;
  wallMs: number;
}

/** A tally with every count at zero. */
export function newTally(): Tally {
  return { completed: 0, skipped: 0, resumed: 0, failed: 0, labelled: 0, labelFailures: 0, timedOutTurns: 0, truncatedItems: 0, generatedTokens: 0, engineMs: 0, turnsDone: 0, wallMs: 0 };
}

/** What a run returns: its item count and the counts of its tally. */
export function runSummary(items: number, t: Tally): RunSummary {
  return {
    items,
    completed: t.completed,
    skipped: t.skipped,
    resumed: t.resumed,
    failed: t.failed,
    labelled: t.labelled,
    labelFailures: t.labelFailures,
    timedOutTurns: t.timedOutTurns,
    truncatedItems: t.truncatedItems,
    generatedTokens: t.generatedTokens
  };
}

/**
 * Reads item `index`'s stored result and says whether it still runs, counting in `t` and reporting as it goes:
 * unreadable → a failure of that item, not of the run (recorded beside it, `item-failed`); finished (marked so, or
 * a seed file without run_status already holding all K turns) → `item-skipped`; otherwise it runs from turn
 * `from` (the stored turns), counted as resumed when `from` > 0.
 */
export async function openStoredItem(
  options: Pick<DialogueRunOptions, 'sink' | 'onProgress' | 'items'>,
  item: DatasetItem,
  index: number,
  K: number,
  t: Tally,
  iso: () => string
): Promise<{ readonly run: false } | { readonly run: true; readonly stored: ItemResult | null; readonly from: number }> {
  const total = options.items.length;
  let stored: ItemResult | null;
  try {
    stored = await options.sink.loadItem(item.id);
  } catch (e) {
    t.failed++;
    await recordFailure(options, item.id, e, iso());
    options.onProgress?.({ type: 'item-failed', index, total, itemId: item.id, error: (e as Error).message });
    return { run: false };
  }
  if (stored && (stored.run_status === 'complete' || stored.reasoning_chain.length >= K)) {
    t.skipped++;
    options.onProgress?.({ type: 'item-skipped', index, total, itemId: item.id });
    return { run: false };
  }
  const from = stored?.reasoning_chain.length ?? 0;
  if (from > 0) t.resumed++;
  return { run: true, stored, from };
}

export async function runDialogue(options: DialogueRunOptions): Promise<RunSummary> {
  const { model, config, items, sink, signal } = options;
  const now = options.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const K = turnsPerItem(config);
  const layers = checkCapture(config, model);
  const t = newTally();
  const n = items.length;

  // Turns still to run, for the ETA (items not yet visited count K each).
  let remainingTurns = n * K;

  for (let i = 0; i < n; i++) {
    if (signal?.aborted) throw abortError();
    const item = items[i];
    const open = await openStoredItem(options, item, i, K, t, iso);
    if (!open.run) {
      remainingTurns -= K;
      continue;
    }
    const { stored, from } = open;
    remainingTurns -= from;
    await sink.saveProgress({ current: i + 1, total: n, percentage: ((i + 1) / n) * 100, current_item: item.id, timestamp: iso(), turn: from, turns: K });
    options.onProgress?.({ type: 'item-start', index: i, total: n, itemId: item.id, fromTurn: from, turns: K });
    const afterItem = remainingTurns - (K - from);
    try {
      const result = stored ?? newItemResult(item, config, model, { provenance: options.provenance, datasetKind: options.datasetKind, now: iso() });
      await runItem({ options, model, sink, signal, layers, K, index: i, t, remaining: () => remainingTurns, consume: (d) => (remainingTurns -= d), iso, now }, item, result);
      // A retry that succeeds removes the error recorded by an earlier session.
      await sink.clearError(item.id);
      t.completed++;
      options.onProgress?.({ type: 'item-done', index: i, total: n, itemId: item.id, label: result.nli_label });
    } catch (e) {
      if ((e as Error)?.name === 'AbortError' || signal?.aborted) throw abortError();
      if (isStorageFailure(e)) throw e.inner;
      t.failed++;
      await recordFailure(options, item.id, e, iso());
      options.onProgress?.({ type: 'item-failed', index: i, total: n, itemId: item.id, error: (e as Error)?.message ?? String(e) });
    }
    // Whatever happened (finished, truncated early, failed), none of this item's turns are left.
    remainingTurns = afterItem;
  }
  return runSummary(n, t);
}

/** Marks an error of the sink: storage failures (disk or quota full) stop the run instead of failing one item. */
class StorageFailure extends Error {
  constructor(readonly inner: unknown) {
    super((inner as Error)?.message ?? String(inner));
    this.name = 'StorageFailure';
  }
}

export function isStorageFailure(e: unknown): e is StorageFailure {
  return e instanceof StorageFailure;
}

export async function saveOrStop(sink: RunSink, result: ItemResult, turn: { step: number; hidden: TurnHidden | null } | null): Promise<void> {
  try {
    await sink.save(result, turn);
  } catch (e) {
    throw new StorageFailure(e);
  }
}

export async function recordFailure(options: Pick<DialogueRunOptions, 'sink'>, id: string, e: unknown, timestamp: string): Promise<void> {
  const err = e as Error;
  await options.sink.saveError({ id, error: err?.message ?? String(e), traceback: err?.stack ?? null, timestamp });
}

/** What one item's turns run with: the model and sink may be a pool node's and a buffer (`runDialoguePool`). */
export interface ItemContext {
  readonly options: Omit<DialogueRunOptions, 'model' | 'items' | 'sink'> & { readonly items: readonly unknown[] };
  readonly model: RunnerModel;
  readonly sink: RunSink;
  readonly signal?: AbortSignal;
  readonly layers: number[] | undefined;
  readonly K: number;
  readonly index: number;
  readonly t: Tally;
  readonly remaining: () => number;
  readonly consume: (turns: number) => void;
  readonly iso: () => string;
  readonly now: () => number;
}

/** Runs the turns of `item` that `result` does not have yet, saving after each one. */
export async function runItem(ctx: ItemContext, item: DatasetItem, result: ItemResult): Promise<{ turns: number; truncated: boolean }> {
  const { options, model, sink, signal, layers, K, index, t, remaining, consume, iso, now } = ctx;
  const { config } = options;
  const codec = model.tokenizer;
  const info = model.info;
  const unavailable = info.unavailable ?? {};
  const noEntropy = 'entropy' in unavailable;
  const noRs = 'logit_lens' in unavailable;
  const noHidden = 'hidden_states' in unavailable || info.capturableLayers.length === 0;
  // Only the question and the context reach the prompt builder: the gold answer, the id and every other field
  // of the record stay out of the prompt by construction (B1).
  const initial: ChatMessage[] = initialMessages({ question: item.question, context: item.context }, config.system_prompt);
  const limit = Math.min(info.maxContext, config.model_max_tokens ?? Infinity);
  const chain = result.reasoning_chain;

  const template = { addGenerationPrompt: true, enableThinking: config.enable_thinking };
  const optionsFor = (k: number, promptLength: number) => ({
    maxNewTokens: Math.min(config.max_new_tokens, limit - promptLength),
    temperature: config.temperature,
    topP: config.top_p,
    seed: [config.seed, item.id, k, 0],
    ...(noHidden ? {} : { capture: { positions: config.capture.positions, ...(layers ? { layers } : {}) } }),
    signal,
    timeoutMs: config.generation_timeout === null ? undefined : config.generation_timeout * 1000
  });

  // A model with its own KV cache starts every item from an empty one, so an item's numbers depend on the item
  // alone (not on the item before it, nor on where a session started). A partial item's stored turns are then
  // generated again, unsaved, with the same prompts and seeds: the cache is rebuilt by the same sequence of forward
  // passes as in the session that stored them, and the next turn equals, bit for bit, an uninterrupted run's.
  if (model.resetCache) {
    await model.resetCache();
    for (let k = 0; k < chain.length; k++) {
      if (signal?.aborted) throw abortError();
      const messages = k === 0 ? initial : dialogueMessages(initial, chain.slice(0, k), chain[k].followup_prompt);
      const ids = codec.encode(codec.applyChatTemplate(messages, template), { addSpecialTokens: !info.hasChatTemplate });
      if (ids.length >= limit) break;
      const warm = await model.generate(ids, optionsFor(k, ids.length));
      if (warm.stopReason === 'cancelled' || signal?.aborted) throw abortError();
    }
  }

  for (let k = chain.length; k < K; k++) {
    if (signal?.aborted) throw abortError();
    const started = now();
    let followup = '';
    let promptType = 'initial_qa';
    let messages: ChatMessage[] = initial;
    if (k > 0) {
      const choice = selectFollowup(config.strategy, k, {
        random: keyedRandom(config.seed, item.id, k, 'followup'),
        lastResponseWords: wordCount(chain[k - 1].response)
      });
      followup = choice.text;
      promptType = choice.promptType;
      messages = dialogueMessages(initial, chain, followup);
    }
    let fullInput = codec.applyChatTemplate(messages, template);
    // Chat templates write their own BOS; the plain fallback format gets the tokenizer's special tokens.
    let ids = codec.encode(fullInput, { addSpecialTokens: !info.hasChatTemplate });
    if (ids.length >= limit) {
      result.truncation_triggered = true;
      result.truncation_at_step = k;
      result.run_status = 'complete';
      result.last_update = iso();
      await saveOrStop(sink, result, null);
      t.truncatedItems++;
      return { turns: k, truncated: true };
    }
    const generateOptions = { ...optionsFor(k, ids.length), onToken: options.onToken ? (e: RunnerTokenEvent) => options.onToken!(item.id, k, e) : undefined };
    let gen: RunnerGeneration;
    if (model.generateChat) {
      const chat = await model.generateChat(messages, template, generateOptions);
      gen = chat;
      fullInput = chat.fullInput;
      ids = [...chat.promptIds];
    } else {
      gen = await model.generate(ids, generateOptions);
    }
    if (gen.stopReason === 'cancelled' || signal?.aborted) throw abortError();
    const timedOut = gen.stopReason === 'timeout';
    const response = timedOut ? TIMED_OUT_RESPONSE : gen.text.trim();
    const metrics: TurnRecord['metrics'] = {};
    let hidden: TurnHidden | null = null;
    if (timedOut) {
      metrics.nll_mean = null;
      metrics.entropy_mean = null;
      if (options.rs || noRs) metrics.rs = null;
      t.timedOutTurns++;
    } else {
      metrics.nll_mean = nllMean(gen.logprobs);
      metrics.entropy_mean = noEntropy ? null : entropyMean(gen.entropies);
      if (noRs) metrics.rs = null;
      else if (options.rs) metrics.rs = await options.rs(gen.hidden, gen.layers);
      hidden = noHidden ? null : toTurnHidden(gen, info.hiddenSize);
    }
    const turn: TurnRecord = {
      step: k,
      prompt_type: promptType,
      followup_prompt: followup,
      full_input: fullInput,
      response,
      // The seed's counts: turn 0 the prompt plus the answer; later turns `${followup}\n${response}` encoded.
      token_count: k === 0 ? ids.length + gen.tokenIds.length : codec.encode(`${followup}\n${response}`).length,
      metrics,
      timestamp: iso(),
      response_length: wordCount(response),
      input_length: wordCount(fullInput),
      timed_out: timedOut,
      stop_reason: gen.stopReason,
      tokens: {
        ids: [...gen.tokenIds],
        logprobs: Array.from(gen.logprobs, round6),
        // NaN is written as null in JSON: an unavailable entropy is never a number.
        entropies: noEntropy ? Array.from(gen.entropies, () => NaN) : Array.from(gen.entropies, round6),
        top_ids: gen.topIds.map((a) => Array.from(a)),
        top_logprobs: gen.topLogprobs.map((a) => Array.from(a, round6))
      }
    };
    if (k === 0) await labelItem(options, item, result, response, t);
    if (Object.keys(unavailable).length) result.unavailable_scores = { ...unavailable };
    chain.push(turn);
    result.actual_steps = chain.length - 1;
    result.last_update = iso();
    if (chain.length === K) result.run_status = 'complete';
    await saveOrStop(sink, result, { step: k, hidden });

    t.generatedTokens += gen.tokenIds.length;
    t.engineMs += gen.timings.prefillMs + gen.timings.decodeMs;
    t.turnsDone++;
    t.wallMs += now() - started;
    consume(1);
    options.onProgress?.({
      type: 'turn',
      index,
      total: options.items.length,
      itemId: item.id,
      turn: k,
      turns: K,
      tokens: gen.tokenIds.length,
      timedOut,
      tokensPerSecond: t.engineMs > 0 ? (1000 * t.generatedTokens) / t.engineMs : null,
      etaSeconds: t.turnsDone > 0 ? (remaining() * t.wallMs) / t.turnsDone / 1000 : null
    });
  }
  return { turns: chain.length, truncated: false };
}

async function labelItem(options: Pick<DialogueRunOptions, 'labeller'>, item: DatasetItem, result: ItemResult, answer: string, t: Tally): Promise<void> {
  // An override made by a person is never replaced.
  if (result.label_source === 'override' || !options.labeller) return;
  try {
    const out = await options.labeller.label(item.question, goldAnswers(item), answer, item);
    result.nli_label = out.label;
    result.label_source = out.source;
    // The judges return what they saw (reference, reply, verdicts): kept for audits; it never holds a key.
    const detail = (out as { detail?: { reason?: unknown } }).detail;
    if (detail !== undefined) result.label_detail = detail;
    if (out.label === null) {
      t.labelFailures++;
      result.label_error = out.reason ?? (typeof detail?.reason === 'string' ? detail.reason : null) ?? 'the labeller returned no label';
    } else {
      t.labelled++;
      delete result.label_error;
    }
  } catch (e) {
    t.labelFailures++;
    result.nli_label = null;
    result.label_error = (e as Error)?.message ?? String(e);
  }
}
