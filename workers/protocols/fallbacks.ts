/** The Loops-to-Oops API of the inference worker: one list prompt, its 25 answer slots labelled while it streams (Teach). */
import type { LiveListLabels } from '../../src/lib/core/fallbacks/liveList';
import type { PromptVariant } from '../../src/lib/core/fallbacks/prompts';
import type { StopReason } from '../../src/lib/engine/types';

export interface ListPromptRequest {
  readonly requestId: string;
  /** The dataset key: the prompt ending in `"\n1."` (TriviaFacts, QAMPARI, FakeQAMPARI). */
  readonly key: string;
  /** Gold answers; null (or []) when there are none (FakeQAMPARI: nothing can be correct). */
  readonly gold: readonly string[] | null;
  readonly variant?: PromptVariant & { readonly colon?: boolean };
  /** The reference's `--k` (512). */
  readonly maxNewTokens: number;
  /** 0 is greedy (the paper's main runs); > 0 samples at that temperature. */
  readonly temperature: number;
  /** Draws are keyed by (seed, "teach-list", key): same request, same completion. */
  readonly seed: number;
  /**
   * A shared cancel flag (an Int32Array over a SharedArrayBuffer; cross-origin isolated pages only): set element 0
   * to non-zero to cancel. It is read on every token, so it works even while the generation loop keeps the
   * worker's event loop busy — then a `cancel(requestId)` message is only read after the generation has ended.
   */
  readonly cancelFlag?: Int32Array;
}

export type ListPromptEvent =
  | { readonly type: 'start'; readonly modelInput: string; readonly promptTokens: number; readonly maxNewTokens: number }
  /**
   * One generated token: its text, the count so far and the text of the answer being written. `labels` is present
   * only when the slots changed (a line ended), so most events stay small.
   */
  | { readonly type: 'token'; readonly tokens: number; readonly text: string; readonly pendingText: string | null; readonly labels?: LiveListLabels };

export interface ListPromptResult {
  /** What the model was fed (prompt + suffix), as raw text: no chat template. */
  readonly modelInput: string;
  readonly promptTokens: number;
  /** The finished completion, untrimmed (the decode of all generated ids, special tokens skipped). */
  readonly completion: string;
  readonly tokens: number;
  /** `labelListCompletion` of the completion: the 25 slots, answers, status and counts. */
  readonly labels: LiveListLabels;
  readonly stopReason: StopReason;
  readonly timings: { readonly prefillMs: number; readonly decodeMs: number };
}

export interface FallbacksApi {
  /** Generates the completion of one list prompt; rejects with an AbortError when cancelled (by request id). */
  listPrompt(request: ListPromptRequest, onEvent: (e: ListPromptEvent) => void): Promise<ListPromptResult>;
}
