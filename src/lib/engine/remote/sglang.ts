/**
 * SGLang's native `POST /generate`, token ids in and out (stack.md §6).
 *
 * Request: `input_ids`, `sampling_params` {temperature, top_p, max_new_tokens, stop_token_ids, stop, ignore_eos,
 * sampling_seed}, `return_logprob`, `top_logprobs_num`, `logprob_start_len: -1` (output tokens only), and
 * `return_hidden_states` when hidden states are asked for (the server must run with
 * `--enable-return-hidden-states`).
 *
 * Response `meta_info`: `output_token_logprobs` `[[logprob, token_id, text|null], …]` (one per generated token),
 * `output_top_logprobs` (per token, a list of the same triples, best first), `finish_reason` (`{type: "stop",
 * matched: id | string}` or `{type: "length"}`), and `hidden_states`: the first element `[m, d]` for the prompt
 * positions the server computed (m = prompt length, or fewer when part of the prompt came from its prefix
 * cache), then `[d]` per decode step. They are the LAST layer only (the input of the LM head: SGLang applies the
 * final norm first, unlike our local last index, so remote probes are trained on remote vectors).
 *
 * Positions (types.ts): the model is fed the prompt, then every generated token but the last. With N generated
 * tokens and D the decode rows: `last_tok_bef_gen_embedding` is the last prompt row; `last_token_embedding` is
 * decode row N−2 (the last prompt row when N = 1); `sec_last_token_embedding` decode row N−3 (the last prompt row
 * when N = 2, a copy of the last when N = 1). Rows are counted from the front of the decode rows, so an engine
 * that also returns a row for the last token (D = N) reads the same.
 */
import { RemoteError } from './errors';
import type { GenerateOptions, GenerationResult, PositionName, StopReason, TextCodec } from '../types';

export interface SglangRequest {
  readonly input_ids: readonly number[];
  readonly sampling_params: {
    readonly temperature: number;
    readonly top_p: number;
    readonly max_new_tokens: number;
    readonly stop_token_ids?: readonly number[];
    readonly stop?: readonly string[];
    readonly ignore_eos?: boolean;
    readonly sampling_seed?: number;
    readonly skip_special_tokens: boolean;
  };
  readonly return_logprob: true;
  readonly top_logprobs_num: number;
  readonly logprob_start_len: -1;
  readonly return_hidden_states?: true;
  readonly stream: false;
}

export function sglangRequest(promptIds: readonly number[], options: GenerateOptions, seed: number, eosTokenIds: readonly number[]): SglangRequest {
  const wantsHidden = (options.capture?.positions.length ?? 0) > 0;
  const stopIds = options.ignoreEos ? undefined : (options.stopTokenIds ?? eosTokenIds);
  return {
    input_ids: [...promptIds],
    sampling_params: {
      temperature: options.temperature,
      top_p: options.topP ?? 1,
      max_new_tokens: options.maxNewTokens,
      ...(stopIds && stopIds.length ? { stop_token_ids: [...stopIds] } : {}),
      ...(options.stopStrings?.length ? { stop: [...options.stopStrings] } : {}),
      ...(options.ignoreEos ? { ignore_eos: true } : {}),
      // Greedy decoding draws nothing; the seed is sent anyway so a request is fully described by its body.
      sampling_seed: seed,
      skip_special_tokens: true
    },
    return_logprob: true,
    top_logprobs_num: options.topK ?? 5,
    logprob_start_len: -1,
    ...(wantsHidden ? { return_hidden_states: true as const } : {}),
    stream: false
  };
}

type Triple = readonly [number | null, number, string | null];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function triple(v: unknown, node: string, where: string): Triple {
  if (!Array.isArray(v) || v.length < 2 || (typeof v[0] !== 'number' && v[0] !== null) || !Number.isInteger(v[1])) {
    throw new RemoteError('protocol', node, `${where} is not a [logprob, token_id, text] triple`);
  }
  return v as unknown as Triple;
}

/** A row of numbers; a `[1, d]` matrix counts as one row. */
function asRows(v: unknown, node: string, where: string): number[][] {
  if (!Array.isArray(v)) throw new RemoteError('protocol', node, `${where} is not an array`);
  if (v.length > 0 && typeof v[0] === 'number') return [v as number[]];
  for (const r of v) if (!Array.isArray(r) || (r.length > 0 && typeof r[0] !== 'number')) throw new RemoteError('protocol', node, `${where} is not a [rows, d] matrix`);
  return v as number[][];
}

function stopReasonOf(finish: unknown, tokens: readonly number[], stopIds: ReadonlySet<number>): StopReason {
  const type = isRecord(finish) ? finish.type : typeof finish === 'string' ? finish : null;
  if (type === 'length') return 'length';
  if (type === 'stop') {
    const matched = isRecord(finish) ? finish.matched : undefined;
    if (typeof matched === 'string') return 'stop';
    return 'eos';
  }
  // No finish reason: infer it from the last token.
  return tokens.length && stopIds.has(tokens[tokens.length - 1]) ? 'eos' : 'length';
}

export interface ParseContext {
  readonly node: string;
  readonly codec: TextCodec;
  readonly hiddenSize: number;
  /** The hidden-state index of the engine's last layer (`numLayers`). */
  readonly lastLayer: number;
  readonly eosTokenIds: readonly number[];
}

/** Reads a `/generate` answer into the engine contract's result. Entropy is unavailable: NaN per token. */
export function parseSglangResponse(json: unknown, promptIds: readonly number[], options: GenerateOptions, ctx: ParseContext): GenerationResult {
  const { node } = ctx;
  if (!isRecord(json) || !isRecord(json.meta_info)) throw new RemoteError('protocol', node, '/generate answered without meta_info');
  const meta = json.meta_info;
  const outLp = meta.output_token_logprobs;
  if (!Array.isArray(outLp)) throw new RemoteError('protocol', node, '/generate answered without meta_info.output_token_logprobs (was return_logprob ignored?)');
  const triples = outLp.map((t, i) => triple(t, node, `meta_info.output_token_logprobs[${i}]`));
  const tokenIds = triples.map((t) => t[1]);
  if (Array.isArray(json.output_ids) && (json.output_ids.length !== tokenIds.length || json.output_ids.some((id, i) => id !== tokenIds[i]))) {
    throw new RemoteError('protocol', node, `output_ids (${json.output_ids.length}) disagree with output_token_logprobs (${tokenIds.length})`);
  }
  const n = tokenIds.length;
  const k = options.topK ?? 5;
  const top = Array.isArray(meta.output_top_logprobs) ? meta.output_top_logprobs : null;
  if (k > 0 && (!top || top.length !== n)) throw new RemoteError('protocol', node, `meta_info.output_top_logprobs has ${top ? top.length : 'no'} entries for ${n} tokens`);
  const topIds: Int32Array[] = [];
  const topLogprobs: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const list = top && Array.isArray(top[i]) ? (top[i] as unknown[]).map((t, j) => triple(t, node, `meta_info.output_top_logprobs[${i}][${j}]`)) : [];
    topIds.push(Int32Array.from(list, (t) => t[1]));
    topLogprobs.push(Float32Array.from(list, (t) => t[0] ?? -Infinity));
  }
  const logprobs = Float32Array.from(triples, (t) => t[0] ?? NaN);

  const stopIds = new Set(options.ignoreEos ? [] : (options.stopTokenIds ?? ctx.eosTokenIds));
  const stopReason = stopReasonOf(meta.finish_reason, tokenIds, stopIds);
  let text = ctx.codec.decode(tokenIds, { skipSpecialTokens: true });
  if (options.stopStrings?.length) {
    const hits = options.stopStrings.map((s) => text.indexOf(s)).filter((j) => j >= 0);
    if (hits.length) text = text.slice(0, Math.min(...hits));
  }

  const hidden: Partial<Record<PositionName, Float32Array>> = {};
  const positions = options.capture?.positions ?? [];
  if (positions.length) {
    if (!Array.isArray(meta.hidden_states) || meta.hidden_states.length === 0) {
      throw new RemoteError('request', node, 'hidden states were asked for but /generate returned none: start SGLang with --enable-return-hidden-states');
    }
    const hs = meta.hidden_states as unknown[];
    const promptRows = asRows(hs[0], node, 'meta_info.hidden_states[0]');
    const decodeRows = hs.slice(1).map((r, i) => asRows(r, node, `meta_info.hidden_states[${i + 1}]`).at(-1)!);
    const tbg = promptRows.at(-1);
    if (!tbg) throw new RemoteError('protocol', node, 'meta_info.hidden_states[0] has no rows');
    const row = (j: number): number[] => {
      if (j < 0) return tbg;
      const r = decodeRows[j];
      if (!r) throw new RemoteError('protocol', node, `meta_info.hidden_states has ${decodeRows.length} decode rows for ${n} generated tokens`);
      return r;
    };
    const vec = (r: number[], name: string): Float32Array => {
      if (r.length !== ctx.hiddenSize) throw new RemoteError('protocol', node, `${name} hidden state has ${r.length} values, the model's hidden size is ${ctx.hiddenSize}`);
      return Float32Array.from(r);
    };
    for (const p of positions) {
      if (p === 'last_tok_bef_gen_embedding') hidden[p] = vec(tbg, p);
      else if (p === 'last_token_embedding') hidden[p] = vec(row(n - 2), p);
      else hidden[p] = vec(n <= 1 ? row(-1) : row(n - 3), p);
    }
  }
  const cached = typeof meta.cached_tokens === 'number' ? meta.cached_tokens : 0;
  return {
    promptIds: [...promptIds],
    tokenIds,
    text: text.trim(),
    logprobs,
    entropies: new Float32Array(n).fill(NaN),
    topIds,
    topLogprobs,
    hidden,
    layers: positions.length ? [ctx.lastLayer] : [],
    stopReason,
    reusedTokens: cached,
    encodedTokens: promptIds.length - cached,
    timings: { prefillMs: 0, decodeMs: 0 }
  };
}
