/**
 * What the runner needs from the outside, as structural types: a model (the engine's `LanguageModel` satisfies
 * `RunnerModel`; core code may not import the engine), a labeller, a place to store results, and hooks.
 */
import type { CapturePosition } from '../config/runConfig';
import type { DatasetItem } from '../datasets/parseDataset';
import type { ItemResult, LabelSource } from '../itemResult';
import type { ChatMessage } from '../prompts/messages';
import type { KeyPart } from '../random';

export interface RunnerCodec {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  applyChatTemplate(messages: readonly ChatMessage[], options?: { addGenerationPrompt?: boolean; enableThinking?: boolean }): string;
}

export interface RunnerModelInfo {
  readonly id: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly maxContext: number;
  readonly hasChatTemplate: boolean;
  readonly capturableLayers: readonly number[];
  readonly backend: string;
  readonly threads: number;
  readonly dtype?: string;
  readonly modelSha256: string | null;
  readonly tokenizerHash: string | null;
  readonly chatTemplateHash: string | null;
  readonly ortVersion: string | null;
  /**
   * Scores this model cannot supply, with the reason (remote engines: `entropy`, `logit_lens`, `hidden_states`,
   * `token_ids`). The runner writes null for each of them, never an estimate under the same name.
   */
  readonly unavailable?: Readonly<Partial<Record<string, string>>>;
}

export interface RunnerTokenEvent {
  readonly index: number;
  readonly id: number;
  readonly text: string;
  readonly logprob: number;
  readonly entropy: number;
}

export interface RunnerGenerateOptions {
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topP?: number;
  readonly stopStrings?: readonly string[];
  readonly seed: readonly KeyPart[];
  readonly capture?: { readonly positions: readonly CapturePosition[]; readonly layers?: readonly number[] };
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly onToken?: (event: RunnerTokenEvent) => void;
}

export interface RunnerGeneration {
  readonly promptIds: readonly number[];
  readonly tokenIds: readonly number[];
  readonly text: string;
  readonly logprobs: Float32Array;
  readonly entropies: Float32Array;
  readonly topIds: readonly Int32Array[];
  readonly topLogprobs: readonly Float32Array[];
  /** `[layers.length × hiddenSize]`, layer-major, per captured position. */
  readonly hidden: Partial<Record<CapturePosition, Float32Array>>;
  readonly layers: readonly number[];
  /** 'eos' | 'length' | 'stop' | 'cancelled' | 'timeout' | 'context'. */
  readonly stopReason: string;
  readonly timings: { readonly prefillMs: number; readonly decodeMs: number };
}

/** The part of the engine's `LanguageModel` the runner uses. */
export interface RunnerModel {
  readonly info: RunnerModelInfo;
  readonly tokenizer: RunnerCodec;
  generate(promptIds: readonly number[], options: RunnerGenerateOptions): Promise<RunnerGeneration>;
  generateBatch(promptIds: readonly number[], n: number, options: RunnerGenerateOptions): Promise<RunnerGeneration[]>;
  /**
   * Optional: the next assistant turn from chat messages, the template applied where the model runs (remote
   * engines). `fullInput` is the prompt as rendered and fed. The dialogue runner prefers it when present.
   */
  generateChat?(
    messages: readonly ChatMessage[],
    template: { readonly addGenerationPrompt?: boolean; readonly enableThinking?: boolean },
    options: RunnerGenerateOptions
  ): Promise<RunnerGeneration & { readonly fullInput: string }>;
  /**
   * Optional: forgets the model's KV cache (local models). The runners call it before each item (and each
   * probe-data question), so that an item's numbers do not depend on what ran before it.
   */
  resetCache?(): Promise<void>;
}

/**
 * A pool that runs items on several models at once (the engine's remote `NodePool` fits): `run` calls `run(item,
 * model, signal)` once per item on some node (retrying elsewhere on failure) and reports each result as it
 * completes through `onResult` (awaited) or `onFailure`.
 */
export interface ItemPool {
  run<I, R>(
    items: readonly I[],
    options: {
      readonly itemId: (item: I) => string;
      readonly run: (item: I, model: RunnerModel, signal: AbortSignal) => Promise<R>;
      readonly signal?: AbortSignal;
      readonly onResult?: (done: { readonly itemId: string; readonly item: I; readonly result: R; readonly node: string; readonly attempts: number }) => void | Promise<void>;
      readonly onFailure?: (failed: { readonly itemId: string; readonly item: I; readonly error: Error; readonly attempts: number; readonly nodes: readonly string[] }) => void | Promise<void>;
    }
  ): Promise<{ readonly done: number; readonly failed: number; readonly cancelled: number }>;
}

export interface LabelOutcome {
  /** 1 correct, 0 hallucinated, null unknown (as `nli_label`). */
  readonly label: 0 | 1 | null;
  readonly source: LabelSource;
  /** Why the label is null, when it is. */
  readonly reason?: string | null;
}

/** Labels the turn-0 answer against the gold answers (match, F1, LLM judge, NLI, or the dataset's own label). */
export interface Labeller {
  label(question: string, goldAnswers: readonly string[], modelAnswer: string, item?: DatasetItem): Promise<LabelOutcome>;
}

/** One turn's hidden states as F16 bits, `[layers.length × hiddenSize]` per position. */
export interface TurnHidden {
  readonly layers: readonly number[];
  readonly hiddenSize: number;
  readonly positions: Partial<Record<CapturePosition, Uint16Array>>;
}

export interface ItemError {
  readonly id: string;
  readonly error: string;
  readonly traceback: string | null;
  readonly timestamp: string;
}

/** `progress.json`, the seed's fields plus the turn. */
export interface ProgressRecord {
  readonly current: number;
  readonly total: number;
  readonly percentage: number;
  readonly current_item: string;
  readonly timestamp: string;
  readonly turn?: number;
  readonly turns?: number;
}

/**
 * Where a dialogue run keeps its items. `save` is one atomic step (one IndexedDB transaction, or files written
 * by temporary file and rename with the item JSON last), so an interruption leaves the item as it was after its
 * previous turn.
 */
export interface RunSink {
  /** The stored item (finished or partial), or null when none. */
  loadItem(id: string): Promise<ItemResult | null>;
  /** Stores the item; `turn` carries the hidden states of the turn just added (null hidden: none captured). */
  save(result: ItemResult, turn: { readonly step: number; readonly hidden: TurnHidden | null } | null): Promise<void>;
  saveError(error: ItemError): Promise<void>;
  /** Removes an item's error record (after a retry succeeds). */
  clearError(id: string): Promise<void>;
  saveProgress(progress: ProgressRecord): Promise<void>;
}

export type ProgressEvent =
  | { readonly type: 'item-start'; readonly index: number; readonly total: number; readonly itemId: string; readonly fromTurn: number; readonly turns: number }
  | {
      readonly type: 'turn';
      readonly index: number;
      readonly total: number;
      readonly itemId: string;
      /** The turn just finished, 0-based; `turns` = K. */
      readonly turn: number;
      readonly turns: number;
      readonly tokens: number;
      readonly timedOut: boolean;
      /** Generated tokens per second of engine time so far (null before the first token). */
      readonly tokensPerSecond: number | null;
      /** Seconds left at the mean wall time per turn so far (null before the first turn). */
      readonly etaSeconds: number | null;
    }
  | { readonly type: 'item-skipped'; readonly index: number; readonly total: number; readonly itemId: string }
  | { readonly type: 'item-done'; readonly index: number; readonly total: number; readonly itemId: string; readonly label: 0 | 1 | null }
  | { readonly type: 'item-failed'; readonly index: number; readonly total: number; readonly itemId: string; readonly error: string };

export interface RunSummary {
  readonly items: number;
  /** Items finished in this session (new or continued). */
  readonly completed: number;
  /** Items found finished and left alone. */
  readonly skipped: number;
  /** Items that were partial and were continued. */
  readonly resumed: number;
  readonly failed: number;
  readonly labelled: number;
  readonly labelFailures: number;
  readonly timedOutTurns: number;
  readonly truncatedItems: number;
  readonly generatedTokens: number;
}

/** Computes the logit-lens RS of one turn from its hidden states (injected: it needs the unembedding). */
export type RsFunction = (hidden: Partial<Record<CapturePosition, Float32Array>>, layers: readonly number[]) => number | null | Promise<number | null>;

/** An error with name 'AbortError': the run was cancelled; finished work is kept. */
export function abortError(): Error {
  const e = new Error('cancelled; finished turns are kept (resume to continue)');
  e.name = 'AbortError';
  return e;
}
