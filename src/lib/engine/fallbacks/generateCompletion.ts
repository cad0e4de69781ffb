/**
 * One Loops-to-Oops completion on the engine (method-fallbacks.md §2.2): the reference's base-model path, with
 * raw prompts (no chat template), greedy or temperature sampling, and the top-5 of every step as its logprobs file
 * records them. The page (in a worker) and the CLI both call this.
 */
import type { BuiltPrompt } from '../../core/fallbacks/prompts';
import type { TopK } from '../../core/fallbacks/resultLines';
import type { KeyPart } from '../../core/random';
import type { LanguageModel, StopReason, TextCodec, TokenEvent } from '../types';

/**
 * The prompt's token ids as the reference builds them for base models: the prompt and the suffix (`"\n1."`)
 * are tokenized SEPARATELY, each with the tokenizer's default special tokens, and concatenated. With a tokenizer
 * that adds a BOS token (Llama, OLMo) this puts a second BOS before `"\n1."`, as the reference does. Bios have no
 * suffix: the prompt alone.
 *
 * @example fallbackPromptIds(tok, buildListPrompt(key)) // [...tok.encode(prompt), ...tok.encode('\n1.')]
 */
export function fallbackPromptIds(tokenizer: TextCodec, built: Pick<BuiltPrompt, 'prompt' | 'suffix'>): number[] {
  if (typeof built?.prompt !== 'string' || typeof built.suffix !== 'string') {
    throw new TypeError(`fallbackPromptIds(tokenizer, built): built must have string prompt and suffix, got ${JSON.stringify(built)}`);
  }
  const ids = tokenizer.encode(built.prompt);
  return built.suffix.length > 0 ? [...ids, ...tokenizer.encode(built.suffix)] : ids;
}

export interface FallbackCompletionOptions {
  /** Default 512, as the reference's `--k`. */
  readonly maxNewTokens?: number;
  /** 0 (default) is greedy; > 0 samples at that temperature with top-p 1 and no top-k cut (as the reference). */
  readonly temperature?: number;
  /** Key of the sampling draws, e.g. `[seed, itemTask, index, rep]` (`PlannedSample.seedKey`). */
  readonly seed: readonly KeyPart[];
  /** Alternatives recorded per step (default 5). */
  readonly topK?: number;
  readonly signal?: AbortSignal;
  /** Each generated token, with the untrimmed completion so far (for live list labels). */
  readonly onToken?: (event: TokenEvent, completionSoFar: string) => void;
}

export interface FallbackCompletion {
  readonly promptIds: readonly number[];
  readonly tokenIds: readonly number[];
  /** The generated text, special tokens skipped, NOT trimmed: `" Thumb\n2. Index…"`. */
  readonly completion: string;
  /** Per step, the top-k as [the id decoded on its own (special tokens kept), logprob], best first. */
  readonly top: TopK[];
  readonly topIds: number[][];
  readonly stopReason: StopReason;
  readonly timings: { readonly prefillMs: number; readonly decodeMs: number };
}

/**
 * Generates one completion of `built.modelInput` and records what the reference's files need. The logprobs are
 * log-softmax of the model's raw logits (the engine's), so under sampling they are NOT temperature-scaled as the
 * reference's are (their argmax, used by the DiversityScore, is the same). A cancelled generation is returned with
 * `stopReason: 'cancelled'`; callers must not store it as a finished sample.
 */
export async function generateFallbackCompletion(model: LanguageModel, built: BuiltPrompt, options: FallbackCompletionOptions): Promise<FallbackCompletion> {
  const maxNewTokens = options.maxNewTokens ?? 512;
  const temperature = options.temperature ?? 0;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`generateFallbackCompletion: maxNewTokens must be a positive integer, got ${maxNewTokens}`);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new RangeError(`generateFallbackCompletion: temperature must be a number ≥ 0, got ${temperature}`);
  const tok = model.tokenizer;
  const promptIds = fallbackPromptIds(tok, built);
  let soFar = '';
  const result = await model.generate(promptIds, {
    maxNewTokens,
    temperature,
    topP: 1,
    seed: options.seed,
    topK: options.topK ?? 5,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onToken
      ? {
          onToken: (e: TokenEvent) => {
            soFar += e.text;
            options.onToken!(e, soFar);
          }
        }
      : {})
  });
  const pieces = new Map<number, string>();
  const piece = (id: number): string => {
    let s = pieces.get(id);
    if (s === undefined) {
      s = tok.decode([id], { skipSpecialTokens: false });
      pieces.set(id, s);
    }
    return s;
  };
  const top: TopK[] = result.topIds.map((ids, t) => Array.from(ids, (id, j) => [piece(id), result.topLogprobs[t][j]] as const));
  return {
    promptIds,
    tokenIds: [...result.tokenIds],
    completion: tok.decode(result.tokenIds, { skipSpecialTokens: true }),
    top,
    topIds: result.topIds.map((ids) => Array.from(ids)),
    stopReason: result.stopReason,
    timings: result.timings
  };
}
