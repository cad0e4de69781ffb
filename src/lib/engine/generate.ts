/**
 * The KV-cache generation loop, in one readable file.
 *
 *   1. Reuse: the longest common prefix of the cached tokens and the prompt stays in the cache; the rest of the
 *      prompt is encoded (at least its last token, whose logits start the answer).
 *   2. Prefill: one forward step over the new prompt tokens. Its last position is the last prompt token (TBG).
 *   3. Decode: per step take the last position's logits, compute the log-normaliser and entropy of the full
 *      distribution, the top-k, choose a token (greedy or seeded sampling), record it; stop on EOS, a stop string,
 *      the token budget, the context size, a timeout or cancellation; otherwise feed the token and move the new
 *      cache into place.
 *
 * The last generated token is never fed (as in Hugging Face's generate), so the hidden state of the last position
 * fed is `last_token_embedding`, the one before it `sec_last_token_embedding` (method-spikescore.md §3.1).
 */
import { InputError } from '../core/issues';
import { keyedRandom, type Random } from '../core/random';
import { disposeKv, expandKv, truncateKv, type KvState, type OnnxDecoder } from './decoder';
import { chooseToken, logitStats, topK } from './sampling';
import type { GenerateOptions, GenerationResult, PositionName, StopReason, TextCodec } from './types';

/** What the loop keeps between calls: the tokens in the cache and the cache itself. */
export interface CacheSlot {
  ids: number[];
  kv: KvState | null;
}

export interface LoopContext {
  readonly decoder: OnnxDecoder;
  readonly codec: TextCodec;
  readonly eosTokenIds: readonly number[];
  readonly maxContext: number;
  readonly cache: CacheSlot;
}

/**
 * Lets the thread's event loop run (one macrotask turn). On WASM a decoding step can complete without the worker
 * ever returning to its event loop, so a cancel message would only be read after the whole generation; a
 * MessageChannel round trip costs microseconds (setTimeout would be clamped to 4 ms).
 */
function yieldToEventLoop(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function validatePrompt(ctx: LoopContext, promptIds: readonly number[]): void {
  if (promptIds.length === 0) throw new InputError('the prompt is empty: nothing to generate from');
  if (promptIds.length >= ctx.maxContext) {
    throw new InputError(`the prompt is ${promptIds.length} tokens, longer than the model's context of ${ctx.maxContext} tokens (leave room for the answer)`);
  }
  const V = ctx.decoder.vocabSize;
  const bad = promptIds.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= V);
  if (bad >= 0) throw new InputError(`prompt token ${bad} is ${promptIds[bad]}, outside the vocabulary [0, ${V})`);
}

/** Moves the cache to the prompt's longest cached prefix and encodes the rest; returns the prefill output. */
async function prefill(ctx: LoopContext, promptIds: readonly number[]) {
  const { cache, decoder } = ctx;
  let reuse = cache.kv && cache.kv.batch === 1 ? commonPrefix(cache.ids, promptIds) : 0;
  reuse = Math.min(reuse, promptIds.length - 1, cache.kv?.length ?? 0);
  let past: KvState | null = cache.kv;
  if (past && reuse < past.length) {
    // The template re-rendered history differently, or this is another conversation: cut the cache back.
    const cut = reuse > 0 ? await truncateKv(past, reuse) : null;
    disposeKv(past);
    past = cut;
  }
  cache.kv = null;
  cache.ids = [];
  const fresh = promptIds.slice(reuse);
  const out = await decoder.step([fresh], past);
  disposeKv(past);
  return { out, reuse, encoded: fresh.length };
}

/** Keeps one layer-major row of the last-position hidden states `[(L+1) × B × d]` for batch row `b`. */
function hiddenRow(hidden: Float32Array, layers: readonly number[], batch: number, b: number, d: number): Float32Array {
  const out = new Float32Array(layers.length * d);
  layers.forEach((l, j) => out.set(hidden.subarray((l * batch + b) * d, (l * batch + b + 1) * d), j * d));
  return out;
}

/** Incremental detokenisation: the text added by the newest token, holding back an incomplete UTF-8 character. */
class TextStream {
  private shown = '';
  constructor(private readonly codec: TextCodec) {}
  push(ids: readonly number[]): string {
    const text = this.codec.decode(ids, { skipSpecialTokens: true });
    const stable = text.endsWith('\uFFFD') ? text.replace(/\uFFFD+$/, '') : text;
    if (!stable.startsWith(this.shown)) {
      this.shown = stable;
      return '';
    }
    const delta = stable.slice(this.shown.length);
    this.shown = stable;
    return delta;
  }
}

interface RowState {
  readonly random: Random | null;
  readonly tokens: number[];
  readonly logprobs: number[];
  readonly entropies: number[];
  readonly topIds: Int32Array[];
  readonly topLogprobs: Float32Array[];
  hiddenLast: Float32Array | null;
  hiddenPrev: Float32Array | null;
  done: StopReason | null;
  text: string;
  readonly stream: TextStream;
}

export async function runGeneration(ctx: LoopContext, promptIds: readonly number[], options: GenerateOptions, n: number): Promise<GenerationResult[]> {
  validatePrompt(ctx, promptIds);
  const { decoder, codec } = ctx;
  const V = decoder.vocabSize;
  const d = decoder.hiddenSize;
  const k = options.topK ?? 5;
  const topP = options.topP ?? 1;
  const stopIds = new Set(options.ignoreEos ? [] : (options.stopTokenIds ?? ctx.eosTokenIds));
  const layers = options.capture?.layers ?? Array.from({ length: decoder.numLayers + 1 }, (_, i) => i);
  for (const l of layers) {
    if (!Number.isInteger(l) || l < 0 || l > decoder.numLayers) throw new InputError(`capture layer ${l} does not exist: this model has hidden-state indices 0..${decoder.numLayers}`);
  }
  const positions = new Set<PositionName>(options.capture?.positions ?? []);
  const deadline = options.timeoutMs ? Date.now() + options.timeoutMs : Infinity;
  const budget = Math.min(options.maxNewTokens, ctx.maxContext - promptIds.length);
  const streaming = options.onToken !== undefined || (options.stopStrings?.length ?? 0) > 0;

  const t0 = Date.now();
  const { out: first, reuse, encoded } = await prefill(ctx, promptIds);
  const prefillMs = Date.now() - t0;
  const tbg = hiddenRow(first.hidden, layers, 1, 0, d); // the last prompt token

  const rows: RowState[] = Array.from({ length: n }, (_, i) => ({
    random: options.temperature > 0 ? keyedRandom(...((n > 1 ? [...options.seed, i] : options.seed) as [string | number])) : null,
    tokens: [],
    logprobs: [],
    entropies: [],
    topIds: [],
    topLogprobs: [],
    hiddenLast: tbg,
    hiddenPrev: null,
    done: null,
    text: '',
    stream: new TextStream(codec)
  }));

  // Decoding. `logits` holds one row per live sequence; `kv` is owned here until it becomes the cache.
  let logits: ArrayLike<number> = first.logits;
  let kv: KvState = first.present;
  let batch = 1; // rows of `logits`: 1 after prefill, n after the first decode step
  const prefillKv = kv;
  const t1 = Date.now();
  for (let step = 0; step < budget; step++) {
    const next: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (row.done) {
        next.push(row.tokens[row.tokens.length - 1]);
        continue;
      }
      const off = (batch === 1 ? 0 : i) * V;
      const stats = logitStats(logits, off, V);
      const token = chooseToken(logits, off, V, options.temperature, topP, row.random, stats);
      const tk = topK(logits, off, V, k);
      for (let j = 0; j < tk.values.length; j++) tk.values[j] -= stats.logZ;
      row.tokens.push(token);
      row.logprobs.push(logits[off + token] - stats.logZ);
      row.entropies.push(stats.entropy);
      row.topIds.push(tk.ids);
      row.topLogprobs.push(tk.values);
      // Detokenise incrementally only when someone reads the text as it grows.
      const delta = streaming ? row.stream.push(row.tokens) : '';
      row.text += delta;
      options.onToken?.({ index: row.tokens.length - 1, id: token, text: delta, logprob: row.logprobs[row.logprobs.length - 1], entropy: stats.entropy });
      if (stopIds.has(token)) row.done = 'eos';
      else if (options.stopStrings?.some((s) => row.text.includes(s))) row.done = 'stop';
      else if (row.tokens.length >= budget) row.done = promptIds.length + row.tokens.length >= ctx.maxContext ? 'context' : 'length';
      next.push(token);
    }
    if (rows.every((r) => r.done)) break;
    if (options.signal) await yieldToEventLoop(); // read a pending cancel before the next step
    if (options.signal?.aborted) {
      for (const r of rows) r.done ??= 'cancelled';
      break;
    }
    if (Date.now() > deadline) {
      for (const r of rows) r.done ??= 'timeout';
      break;
    }
    // Feed the chosen tokens: [B,1]. Going from 1 to n rows, the prompt's cache is copied n times.
    let past = kv;
    if (batch === 1 && n > 1) past = await expandKv(kv, n);
    const out = await decoder.step(next.map((t) => [t]), past);
    if (past !== kv) disposeKv(past);
    if (kv !== prefillKv || n === 1) disposeKv(kv);
    batch = n;
    kv = out.present;
    logits = out.logits;
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (row.done) continue;
      row.hiddenPrev = row.hiddenLast;
      row.hiddenLast = hiddenRow(out.hidden, layers, n, i, d);
    }
  }
  const decodeMs = Date.now() - t1;

  // Keep the cache for the next call: one sequence's tokens fed so far, or (after a batch) the prompt's prefix.
  if (n === 1) {
    ctx.cache.kv = kv;
    ctx.cache.ids = [...promptIds, ...rows[0].tokens.slice(0, -1)].slice(0, kv.length);
  } else {
    if (kv !== prefillKv) disposeKv(kv);
    ctx.cache.kv = prefillKv;
    ctx.cache.ids = [...promptIds];
  }

  return rows.map((row) => {
    let text = codec.decode(row.tokens, { skipSpecialTokens: true });
    if (row.done === 'stop') {
      const at = Math.min(...options.stopStrings!.map((s) => text.indexOf(s)).filter((j) => j >= 0));
      text = text.slice(0, at);
    }
    const hidden: Partial<Record<PositionName, Float32Array>> = {};
    if (positions.has('last_token_embedding')) hidden.last_token_embedding = row.hiddenLast!;
    if (positions.has('sec_last_token_embedding')) hidden.sec_last_token_embedding = row.hiddenPrev ?? row.hiddenLast!;
    if (positions.has('last_tok_bef_gen_embedding')) hidden.last_tok_bef_gen_embedding = tbg;
    return {
      promptIds: [...promptIds],
      tokenIds: row.tokens,
      text: text.trim(),
      logprobs: Float32Array.from(row.logprobs),
      entropies: Float32Array.from(row.entropies),
      topIds: row.topIds,
      topLogprobs: row.topLogprobs,
      hidden,
      layers: [...layers],
      stopReason: row.done ?? 'length',
      reusedTokens: reuse,
      encodedTokens: encoded,
      timings: { prefillMs, decodeMs }
    };
  });
}
