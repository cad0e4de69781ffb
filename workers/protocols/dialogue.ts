/** The dialogue API of the inference worker: one question, K turns, streamed (Try it, Teach). */
import type { ItemResult, TurnRecord } from '../../src/lib/core/itemResult';
import type { FollowupModeName } from '../../src/lib/core/prompts/selectFollowup';
import type { TestbedAttribute } from '../../src/lib/engine/testbed/label';

export type TurnScoreKey = 'entropy_mean' | 'nll_mean' | 'rs' | 'probe_pred';

export interface DialogueRequest {
  readonly requestId: string;
  /**
   * The item's id, which keys its random draws (run seed, item id, turn): the same question, settings and seed give
   * the same dialogue. Default: derived from the question and context.
   */
  readonly itemId?: string;
  readonly question: string;
  readonly context?: string;
  /** Gold answers, for labelling turn 0 (normalised match / F1); none: no label. */
  readonly gold?: readonly string[];
  /** An exact label known in advance (1 correct, 0 hallucinated), e.g. from the testbed's knowledge base. */
  readonly label?: 0 | 1 | null;
  /**
   * Label turn 0 exactly by the knowledge testbed's rule (`testbed-value/v1`): the answer is correct when the
   * values of `attribute` it states are all `gold[0]`, the knowledge base's value. Wins over F1; `label` wins over it.
   */
  readonly testbed?: { readonly attribute: TestbedAttribute } | null;
  readonly maxSteps: number;
  readonly strategy?: FollowupModeName;
  readonly temperature: number;
  readonly topP: number;
  readonly maxNewTokens: number;
  readonly seed: number;
  /** Also compute the logit-lens RS per turn (costs a projection through the unembedding per turn). */
  readonly withRs?: boolean;
  /**
   * A stored probe (its id in the page's IndexedDB) applied to every turn: the dialogue captures the probe's
   * position and layers, and each turn's `metrics.probe_pred` is the probe's score (higher = more likely
   * hallucinated). The probe must match the loaded model (id and hidden size), or the dialogue is refused.
   */
  readonly probeId?: string | null;
  /** The IndexedDB database holding the probe (default: the app's); tests may use another. */
  readonly dbName?: string;
  readonly enableThinking?: boolean;
}

export type DialogueEvent =
  | { readonly type: 'turn-start'; readonly turn: number; readonly turns: number }
  | { readonly type: 'token'; readonly turn: number; readonly text: string; readonly entropy: number }
  | { readonly type: 'turn-end'; readonly turn: number; readonly turns: number; readonly record: TurnRecord; readonly tokensPerSecond: number | null }
  | { readonly type: 'label'; readonly label: 0 | 1 | null; readonly source: string | null };

export interface DialogueApi {
  /** Runs the dialogue; resolves with the finished item (the item-result format), or rejects (AbortError on cancel). */
  dialogue(request: DialogueRequest, onEvent: (e: DialogueEvent) => void): Promise<ItemResult>;
}
