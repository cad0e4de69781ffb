/**
 * The engine's public contract: what a loaded model offers to the runner, the workers, the CLI and the fallback
 * tasks. Implemented by the local ONNX engine (`loadModel`) and, for scores they can supply, by remote engines.
 *
 * Token positions and hidden states follow the seed code (method-spikescore.md §3.1): across one generation the
 * model is fed the prompt, then every generated token but the last. `last_token_embedding` is the residual stream
 * at the last position fed, `sec_last_token_embedding` at the position before it (a copy of the last when only
 * one token was generated), `last_tok_bef_gen_embedding` at the last prompt token. Hidden-state index 0 is the
 * embedding output and index i the residual stream after decoder layer i (before the final norm for the last).
 */
import type { KeyPart } from '../core/random';

export type Backend = 'webgpu' | 'wasm' | 'remote';
export type ModelDtype = 'fp32' | 'fp16' | 'q4' | 'q4f16';

export type PositionName = 'last_token_embedding' | 'sec_last_token_embedding' | 'last_tok_bef_gen_embedding';
export const POSITION_NAMES: readonly PositionName[] = ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'];

export interface ModelInfo {
  /** Hub id or folder name, e.g. `HuggingFaceTB/SmolLM2-135M-Instruct`. */
  readonly id: string;
  /** The layout the graph patch recognised: `llama`, `gpt2`, `neox`, `genai`, … */
  readonly layout: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly maxContext: number;
  readonly dtype: ModelDtype;
  readonly backend: Backend;
  /** Why this backend runs, in words (e.g. "WebGPU adapter has no shader-f16: fp16 runs on WASM"). */
  readonly backendReason: string;
  readonly threads: number;
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
  /** False for base models and tokenizers without a template: chat prompts then use a plain format, and say so. */
  readonly hasChatTemplate: boolean;
  /** Hidden-state indices this model can capture (0..numLayers for local models; only the last for remote ones). */
  readonly capturableLayers: readonly number[];
  /** Provenance. */
  readonly modelSha256: string | null;
  readonly tokenizerHash: string | null;
  readonly chatTemplateHash: string | null;
  readonly ortVersion: string | null;
  /**
   * Scores this model cannot supply, each with the reason (remote engines: full-distribution entropy, the logit
   * lens, hidden states other than the last layer). Absent or empty for local models. A score named here is null
   * (or NaN in typed arrays) in every result of the run, never an estimate passed off as the real thing.
   */
  readonly unavailable?: Readonly<Partial<Record<UnavailableScore, string>>>;
}

/** Scores an engine may be unable to supply (see `ModelInfo.unavailable`). */
export type UnavailableScore = 'entropy' | 'logit_lens' | 'hidden_states' | 'token_ids';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

export interface ChatTemplateOptions {
  readonly addGenerationPrompt?: boolean;
  /** Passed to templates that read it (Qwen3); applied the same way to every turn. */
  readonly enableThinking?: boolean;
}

export interface TextCodec {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** Renders a conversation to text; without a chat template, the plain `System: …\n\nUser: …\n\nAssistant: ` format. */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
}

export interface SamplingOptions {
  readonly maxNewTokens: number;
  /** 0 means greedy. */
  readonly temperature: number;
  /** Nucleus sampling mass in (0, 1]; 1 disables it. */
  readonly topP?: number;
  /** Generation stops after emitting one of these (default: the model's EOS ids). */
  readonly stopTokenIds?: readonly number[];
  /** Generation stops once the decoded text contains one of these; the stop string is not part of `text`. */
  readonly stopStrings?: readonly string[];
  /** Keep generating past EOS (benchmarks with a fixed number of tokens). */
  readonly ignoreEos?: boolean;
  /** Key of the sampling draws: `keyedRandom(...seed)`, e.g. `[runSeed, itemId, turn, sampleIndex]`. */
  readonly seed: readonly KeyPart[];
  /** How many top alternatives to record per token (default 5). */
  readonly topK?: number;
}

export interface CaptureRequest {
  readonly positions: readonly PositionName[];
  /** Hidden-state indices to keep (default: all capturable). */
  readonly layers?: readonly number[];
}

export interface TokenEvent {
  readonly index: number;
  readonly id: number;
  /** The text this token adds to the decoded response. */
  readonly text: string;
  readonly logprob: number;
  readonly entropy: number;
}

export interface GenerateOptions extends SamplingOptions {
  readonly capture?: CaptureRequest;
  readonly signal?: AbortSignal;
  /** Stops generation with stopReason 'timeout' after this many milliseconds. */
  readonly timeoutMs?: number;
  readonly onToken?: (event: TokenEvent) => void;
}

export type StopReason = 'eos' | 'length' | 'stop' | 'cancelled' | 'timeout' | 'context';

export interface GenerationResult {
  readonly promptIds: readonly number[];
  readonly tokenIds: readonly number[];
  /** Decoded response, special tokens skipped, without a matched stop string. */
  readonly text: string;
  /** Per generated token: log-probability and full-distribution entropy (nats) under the model's raw logits. */
  readonly logprobs: Float32Array;
  readonly entropies: Float32Array;
  /** Per generated token: the top-k ids and their log-probabilities, best first. */
  readonly topIds: readonly Int32Array[];
  readonly topLogprobs: readonly Float32Array[];
  /** Hidden states per requested position, `[layers.length × hiddenSize]`, layer-major. */
  readonly hidden: Partial<Record<PositionName, Float32Array>>;
  /** The hidden-state indices in `hidden`, in order. */
  readonly layers: readonly number[];
  readonly stopReason: StopReason;
  /** Prompt tokens taken from the cache, and prompt tokens actually encoded. */
  readonly reusedTokens: number;
  readonly encodedTokens: number;
  /** Wall time of prefill and of decoding, in milliseconds. */
  readonly timings: { readonly prefillMs: number; readonly decodeMs: number };
}

/** A model ready to generate. Local models run in a worker or in Node; remote ones behind an engine's HTTP API. */
export interface LanguageModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextCodec;
  /**
   * Generates from token ids. The KV cache is reused for the longest common prefix of the cached sequence and
   * `promptIds`; only the rest is encoded.
   */
  generate(promptIds: readonly number[], options: GenerateOptions): Promise<GenerationResult>;
  /**
   * `n` samples of the same prompt as one batch sharing the prompt's cache; sample i draws with key
   * `[...options.seed, i]`.
   */
  generateBatch(promptIds: readonly number[], n: number, options: GenerateOptions): Promise<GenerationResult[]>;
  /** The unembedding matrix `[vocab × hidden]` (the LM head, or the tied embedding), for the logit lens. */
  unembedding(): Promise<{ readonly matrix: Float32Array; readonly vocab: number; readonly hidden: number }>;
  /**
   * Optional: generates the next assistant turn from chat messages, the template applied where the model runs
   * (engines behind an OpenAI-compatible chat API render it themselves). `fullInput` is the rendered prompt text
   * as it was fed, for the item result's `full_input`. Runners prefer this method when it is present.
   */
  generateChat?(messages: readonly ChatMessage[], template: ChatTemplateOptions, options: GenerateOptions): Promise<GenerationResult & { readonly fullInput: string }>;
  /** Releases the session and its memory. */
  dispose(): Promise<void>;
}

/** Progress while loading, in transformers.js's `status` vocabulary. */
export type LoadProgress =
  | { readonly status: 'initiate'; readonly file: string }
  | { readonly status: 'download'; readonly file: string }
  | { readonly status: 'progress'; readonly file: string; readonly loaded: number; readonly total: number; readonly progress: number }
  | { readonly status: 'done'; readonly file: string; readonly fromCache: boolean }
  | { readonly status: 'patch'; readonly layers: number }
  | { readonly status: 'ready'; readonly backend: Backend; readonly reason: string };
