/**
 * How much browser storage a dialogue run will take, before it starts:
 *
 *     hidden = items × turns × positions × layers × hidden × 2 bytes          (F16 hidden states)
 *     json   = items × (ITEM_OVERHEAD + Σ_k turnJson(k))                       (item and turn records)
 *     turnJson(k) = TURN_OVERHEAD + fullInput(k) + response + tokens × tokenTrace
 *     fullInput(k) = prompt + TEMPLATE_OVERHEAD + k × (response + FOLLOWUP)   (the conversation so far)
 *
 * where `response` = maxNewTokens × CHARS_PER_TOKEN and `tokenTrace` the JSON of one token's id, log-probability,
 * entropy and top-k ids and log-probabilities. The JSON part is an upper bound for answers that use the whole token
 * budget (most stop earlier); the hidden part is exact. Degenerate input (no items, no turns) gives 0 bytes.
 */

export interface StorageEstimateInput {
  readonly items: number;
  /** K = max_steps + 1. */
  readonly turns: number;
  readonly positions: number;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly maxNewTokens: number;
  /** Mean characters of question + context. */
  readonly promptChars: number;
  /** Top-k alternatives recorded per token (the engine's default is 5). */
  readonly topK?: number;
}

export interface StorageEstimate {
  readonly hiddenBytes: number;
  readonly jsonBytes: number;
  readonly totalBytes: number;
}

export const CHARS_PER_TOKEN = 4;
/** An item record without its turns (config echo, provenance, labels). */
export const ITEM_OVERHEAD = 1500;
/** A turn record's fixed fields (step, prompt type, metrics, timestamps, keys). */
export const TURN_OVERHEAD = 400;
/** System prompt and chat-template markup around the question. */
export const TEMPLATE_OVERHEAD = 250;
/** A follow-up prompt with its markup. */
export const FOLLOWUP_CHARS = 250;

/** JSON characters of one token's trace: id, logprob, entropy, top-k ids and logprobs, with separators. */
export function tokenTraceChars(topK: number): number {
  return 6 + 11 + 11 + topK * 7 + topK * 11;
}

function check(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`estimateRunStorage: ${name} must be a finite number ≥ 0, got ${String(v)}`);
}

export function estimateRunStorage(input: StorageEstimateInput): StorageEstimate {
  const topK = input.topK ?? 5;
  for (const [k, v] of Object.entries({ ...input, topK })) check(k, v as number);
  const { items, turns, positions, layers, hiddenSize, maxNewTokens, promptChars } = input;
  const hiddenBytes = items * turns * positions * layers * hiddenSize * 2;
  const response = maxNewTokens * CHARS_PER_TOKEN;
  const perTurnFixed = TURN_OVERHEAD + response + maxNewTokens * tokenTraceChars(topK) + promptChars + TEMPLATE_OVERHEAD;
  // Σ_{k=0}^{K-1} k = K(K−1)/2 conversation steps of (response + follow-up) repeated in later prompts.
  const growth = ((turns * (turns - 1)) / 2) * (response + FOLLOWUP_CHARS);
  const jsonBytes = items === 0 || turns === 0 ? 0 : items * (ITEM_OVERHEAD + promptChars + turns * perTurnFixed + growth);
  return { hiddenBytes, jsonBytes, totalBytes: hiddenBytes + jsonBytes };
}

export type RoomVerdict =
  | { readonly ok: true; readonly free: number | null }
  | { readonly ok: false; readonly free: number; readonly reason: string };

/**
 * Whether `bytes` fit in what `navigator.storage.estimate()` reports free (quota − usage). Unknown usage or quota:
 * ok with `free` null (the store still checks before every write).
 */
export function checkRoom(bytes: number, estimate: { usage?: number; quota?: number } | null): RoomVerdict {
  if (!estimate || typeof estimate.usage !== 'number' || typeof estimate.quota !== 'number' || estimate.quota <= 0) return { ok: true, free: null };
  const free = Math.max(0, estimate.quota - estimate.usage);
  if (bytes > free) return { ok: false, free, reason: `the run needs about ${bytes} bytes and this site has ${free} bytes free` };
  return { ok: true, free };
}
