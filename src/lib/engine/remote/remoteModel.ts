/**
 * Models behind a remote engine, implementing the engine contract (`LanguageModel`):
 *
 * - `SglangModel`: SGLang's native `/generate`, token ids in and out. The prompt is rendered and tokenised here
 *   with the model's own tokenizer, so `generate(promptIds)` and `generateChat(messages)` both work, and the
 *   last layer's hidden states come back when the engine runs with `--enable-return-hidden-states`.
 * - `OpenAIChatModel`: the OpenAI-compatible chat API (vLLM, SGLang). The engine renders the template, so only
 *   `generateChat` works; `generate(promptIds)` is refused with a message saying so.
 *
 * What a remote run reports, and what it cannot (`info.unavailable`):
 * - logprobs of the chosen tokens and the top-k alternatives: as the engine computes them;
 * - entropy: UNAVAILABLE (NaN per token) — the engines return top-k logprobs only (see `entropy.ts`);
 * - hidden states: the last layer only (`capturableLayers: [numLayers]`), SGLang native only, at the three
 *   positions of `types.ts`; the logit lens (`unembedding`) is unavailable: the LM head stays on the engine;
 * - timings: `decodeMs` is the request's wall time, `prefillMs` 0 (the engine does not split them).
 *
 * Seeds: each request's integer seed is `requestSeed(options.seed)`, and sample i of a batch uses
 * `[...options.seed, i]`, as the local engine does, so results do not depend on which node served them.
 * Failures throw `RemoteError` (the pool retries retryable ones elsewhere): a remote answer that stopped early
 * would depend on the node, so a timeout is an error here, not a `stopReason: 'timeout'` result.
 */
import { InputError } from '../../core/issues';
import type { ChatMessage, ChatTemplateOptions, GenerateOptions, GenerationResult, LanguageModel, ModelInfo, TextCodec, UnavailableScore } from '../types';
import { RemoteError } from './errors';
import { DEFAULT_REQUEST_TIMEOUT_MS, postJson, type NodeEndpoint } from './http';
import { callOpenAIChat, MAX_TOP_LOGPROBS, openaiChatBody, parseOpenAIChat } from './openaiChat';
import { requestSeed } from './seed';
import { parseSglangResponse, sglangRequest } from './sglang';
import type { RemoteModelSpec } from './spec';

export type RemoteProtocol = 'sglang' | 'openai';
export const REMOTE_PROTOCOLS: readonly RemoteProtocol[] = ['sglang', 'openai'];

const NO_ENTROPY = 'the engine returns only the top-k log-probabilities of each step, so the full-distribution entropy cannot be computed';
const NO_LOGIT_LENS = 'the logit lens needs intermediate layers and the LM head, which stay on the remote engine';

function remoteInfo(spec: RemoteModelSpec, protocol: RemoteProtocol, node: string, hiddenStates: boolean, extra: Partial<Record<UnavailableScore, string>>): ModelInfo {
  const unavailable: Partial<Record<UnavailableScore, string>> = { entropy: NO_ENTROPY, logit_lens: NO_LOGIT_LENS, ...extra };
  if (!hiddenStates) {
    unavailable.hidden_states = protocol === 'openai' ? 'the OpenAI-compatible chat API returns no hidden states: use protocol "sglang"' : 'this node is configured without hidden states (hidden_states: false)';
  }
  return {
    id: spec.id,
    layout: `remote-${protocol}`,
    numLayers: spec.numLayers,
    hiddenSize: spec.hiddenSize,
    vocabSize: spec.vocabSize,
    maxContext: spec.maxContext,
    // ModelDtype has no bf16: the engine's own dtype is in `backendReason`.
    dtype: 'fp16',
    backend: 'remote',
    backendReason: `served by a remote ${protocol === 'sglang' ? 'SGLang' : 'OpenAI-compatible'} engine (${node}), weights in the engine's dtype${spec.torchDtype ? ` (${spec.torchDtype} per config.json)` : ''}`,
    threads: 1,
    eosTokenIds: spec.eosTokenIds,
    bosTokenId: spec.bosTokenId,
    hasChatTemplate: spec.hasChatTemplate,
    capturableLayers: hiddenStates ? [spec.numLayers] : [],
    modelSha256: null,
    tokenizerHash: spec.tokenizerHash,
    chatTemplateHash: spec.chatTemplateHash,
    ortVersion: null,
    unavailable
  };
}

function checkOptions(info: ModelInfo, options: GenerateOptions, maxTopK: number): void {
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 1) throw new InputError(`maxNewTokens must be a positive integer, got ${options.maxNewTokens}`);
  if (!(options.temperature >= 0)) throw new InputError(`temperature must be ≥ 0, got ${options.temperature}`);
  const k = options.topK ?? 5;
  if (!Number.isInteger(k) || k < 0 || k > maxTopK) throw new InputError(`topK must be an integer in [0, ${maxTopK}] for a ${info.layout} engine, got ${k}`);
  const positions = options.capture?.positions ?? [];
  if (positions.length) {
    if (info.capturableLayers.length === 0) throw new InputError(`hidden states are unavailable on ${info.id}: ${info.unavailable?.hidden_states}`);
    for (const l of options.capture?.layers ?? []) {
      if (!info.capturableLayers.includes(l)) {
        throw new InputError(`capture layer ${l} is not available remotely: engines return the last layer only (hidden-state index ${info.capturableLayers.join(', ')}); mid-layer probes are local-only`);
      }
    }
  }
}

function withTimeout(node: NodeEndpoint, options: GenerateOptions): NodeEndpoint {
  if (!options.timeoutMs) return node;
  return { ...node, requestTimeoutMs: Math.min(options.timeoutMs, node.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) };
}

/** Replays the tokens to `onToken` once the answer is in (these engines are called without streaming). */
function replayTokens(codec: TextCodec, result: GenerationResult, options: GenerateOptions): void {
  if (!options.onToken) return;
  let shown = '';
  for (let i = 0; i < result.tokenIds.length; i++) {
    const ids = result.tokenIds.slice(0, i + 1).filter((t) => t >= 0);
    const text = codec.decode(ids, { skipSpecialTokens: true }).replace(/\uFFFD+$/, '');
    const delta = text.startsWith(shown) ? text.slice(shown.length) : '';
    if (text.startsWith(shown)) shown = text;
    options.onToken({ index: i, id: result.tokenIds[i], text: delta, logprob: result.logprobs[i], entropy: result.entropies[i] });
  }
}

export interface SglangModelOptions {
  /** Ask for hidden states (the server runs with `--enable-return-hidden-states`); default true. */
  readonly hiddenStates?: boolean;
}

export class SglangModel implements LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextCodec;
  constructor(
    readonly node: NodeEndpoint,
    readonly spec: RemoteModelSpec,
    options: SglangModelOptions = {}
  ) {
    this.info = remoteInfo(spec, 'sglang', node.name, options.hiddenStates ?? true, {});
    this.tokenizer = spec.codec;
  }

  async generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult> {
    checkOptions(this.info, options, Number.MAX_SAFE_INTEGER);
    if (promptIds.length === 0) throw new InputError('the prompt is empty: nothing to generate from');
    const bad = promptIds.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= this.info.vocabSize);
    if (bad >= 0) throw new InputError(`prompt token ${bad} is ${promptIds[bad]}, outside the vocabulary [0, ${this.info.vocabSize})`);
    if (promptIds.length >= this.info.maxContext) throw new InputError(`the prompt is ${promptIds.length} tokens, longer than the model's context of ${this.info.maxContext} tokens (leave room for the answer)`);
    const body = sglangRequest(promptIds, { ...options, maxNewTokens: Math.min(options.maxNewTokens, this.info.maxContext - promptIds.length) }, requestSeed(options.seed), this.info.eosTokenIds);
    const t0 = Date.now();
    const json = await postJson(withTimeout(this.node, options), '/generate', body, options.signal);
    const parsed = parseSglangResponse(json, promptIds, options, {
      node: this.node.name,
      codec: this.tokenizer,
      hiddenSize: this.info.hiddenSize,
      lastLayer: this.info.numLayers,
      eosTokenIds: this.info.eosTokenIds
    });
    const result = { ...parsed, timings: { prefillMs: 0, decodeMs: Date.now() - t0 } };
    replayTokens(this.tokenizer, result, options);
    return result;
  }

  generateBatch(promptIds: readonly number[], n: number, options: GenerateOptions): Promise<GenerationResult[]> {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`generateBatch needs n ≥ 1 samples, got ${n}`);
    // One request per sample, each with its own seed; the engine's prefix cache shares the prompt.
    return Promise.all(Array.from({ length: n }, (_, i) => this.generate(promptIds, { ...options, seed: [...options.seed, i] })));
  }

  /** Renders the template with the model's tokenizer, then generates from the token ids. */
  async generateChat(messages: readonly ChatMessage[], template: ChatTemplateOptions, options: GenerateOptions): Promise<GenerationResult & { readonly fullInput: string }> {
    const fullInput = this.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...template });
    // A chat template writes its own BOS; the plain format relies on the tokenizer adding it.
    const ids = this.tokenizer.encode(fullInput, { addSpecialTokens: !this.info.hasChatTemplate });
    return { ...(await this.generate(ids, options)), fullInput };
  }

  unembedding(): Promise<never> {
    return Promise.reject(new InputError(`the logit lens is unavailable on ${this.info.id}: ${NO_LOGIT_LENS}`));
  }

  async dispose(): Promise<void> {}
}

export interface OpenAIChatModelOptions {
  /** The model name the engine serves (`--served-model-name`; default the spec's id). */
  readonly servedModel?: string;
}

export class OpenAIChatModel implements LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextCodec;
  private readonly servedModel: string;
  constructor(
    readonly node: NodeEndpoint,
    readonly spec: RemoteModelSpec,
    options: OpenAIChatModelOptions = {}
  ) {
    this.info = remoteInfo(spec, 'openai', node.name, false, {});
    this.tokenizer = spec.codec;
    this.servedModel = options.servedModel ?? spec.id;
  }

  generate(): Promise<GenerationResult> {
    return Promise.reject(new InputError(`${this.node.name} speaks the OpenAI-compatible chat API, which takes chat messages, not token ids: call generateChat (or use protocol "sglang")`));
  }

  generateBatch(): Promise<GenerationResult[]> {
    return this.generate().then(() => []);
  }

  /**
   * `fullInput` is the template rendered here with the model's tokenizer (what the engine renders from the same
   * template); `promptIds` its tokens. Token ids come from the engine's `token_id:<id>` form, −1 where it gave text.
   */
  async generateChat(messages: readonly ChatMessage[], template: ChatTemplateOptions, options: GenerateOptions): Promise<GenerationResult & { readonly fullInput: string; readonly tokens: readonly string[] }> {
    checkOptions(this.info, options, MAX_TOP_LOGPROBS);
    const fullInput = this.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true, ...template });
    const promptIds = this.tokenizer.encode(fullInput, { addSpecialTokens: !this.info.hasChatTemplate });
    const body = openaiChatBody(this.servedModel, messages, template, options, requestSeed(options.seed));
    const t0 = Date.now();
    const json = await callOpenAIChat(withTimeout(this.node, options), body, options.signal);
    const chat = parseOpenAIChat(json, this.node.name);
    if (chat.tokens.length > options.maxNewTokens) throw new RemoteError('protocol', this.node.name, `answered ${chat.tokens.length} tokens for max_tokens ${options.maxNewTokens}`);
    let text = chat.text;
    if (options.stopStrings?.length) {
      const hits = options.stopStrings.map((s) => text.indexOf(s)).filter((j) => j >= 0);
      if (hits.length) text = text.slice(0, Math.min(...hits)).trim();
    }
    const result = {
      promptIds,
      tokenIds: chat.tokenIds,
      text,
      logprobs: chat.logprobs,
      entropies: new Float32Array(chat.tokenIds.length).fill(NaN),
      topIds: chat.topIds,
      topLogprobs: chat.topLogprobs,
      hidden: {},
      layers: [],
      stopReason: chat.stopReason,
      reusedTokens: 0,
      encodedTokens: chat.promptTokens ?? promptIds.length,
      timings: { prefillMs: 0, decodeMs: Date.now() - t0 },
      fullInput,
      tokens: chat.tokens
    };
    replayTokens(this.tokenizer, result, options);
    return result;
  }

  unembedding(): Promise<never> {
    return Promise.reject(new InputError(`the logit lens is unavailable on ${this.info.id}: ${NO_LOGIT_LENS}`));
  }

  async dispose(): Promise<void> {}
}

/** A model on one node, for the protocol it speaks. */
export function remoteModel(protocol: RemoteProtocol, node: NodeEndpoint, spec: RemoteModelSpec, options: SglangModelOptions & OpenAIChatModelOptions = {}): LanguageModel {
  return protocol === 'sglang' ? new SglangModel(node, spec, options) : new OpenAIChatModel(node, spec, options);
}
