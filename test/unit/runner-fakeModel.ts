/**
 * A TEST DOUBLE of the engine's `LanguageModel` (not a model): a character-level codec, a fixed chat format, and a
 * `generate` that derives its answer, log-probabilities, entropies and hidden states deterministically from the
 * prompt ids and the sampling key. It records every prompt it is fed, so tests can check what reached "the model",
 * and it can be told to time out, fail or cancel on cue. Nothing here says anything about real models.
 */
import type { RunnerGenerateOptions, RunnerGeneration, RunnerModel, RunnerModelInfo } from '../../src/lib/core/runner/types';
import { keyedRandom } from '../../src/lib/core/random';
import type { ChatMessage } from '../../src/lib/core/prompts/messages';

export const BOS = 1;
export const EOS = 2;

export interface FedPrompt {
  readonly text: string;
  readonly ids: readonly number[];
  readonly options: RunnerGenerateOptions;
  readonly batch: number;
}

export interface FakeBehaviour {
  /** Time out when the decoded prompt matches. */
  timeoutWhen?: (prompt: string) => boolean;
  /** Throw when the decoded prompt matches. */
  failWhen?: (prompt: string) => boolean;
  /** Abort this controller at the start of the n-th generate call (1-based), before generating. */
  abortAt?: { call: number; controller: AbortController };
  /** Words per answer (default 3 + a hash-dependent 0..4). */
  words?: number;
}

function hash(ids: readonly number[], seed: readonly (string | number | bigint)[]): number {
  let h = 2166136261;
  const mix = (x: number) => {
    h ^= x;
    h = Math.imul(h, 16777619) >>> 0;
  };
  for (const id of ids) mix(id);
  for (const part of seed) for (const ch of String(part)) mix(ch.charCodeAt(0));
  return h >>> 0;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

export class FakeModel implements RunnerModel {
  readonly fed: FedPrompt[] = [];
  calls = 0;
  readonly info: RunnerModelInfo;

  constructor(
    readonly behaviour: FakeBehaviour = {},
    info: Partial<RunnerModelInfo> = {}
  ) {
    this.info = {
      id: 'test-double/echo',
      numLayers: 4,
      hiddenSize: 6,
      maxContext: 100_000,
      hasChatTemplate: true,
      capturableLayers: [0, 1, 2, 3, 4],
      backend: 'wasm',
      threads: 1,
      dtype: 'fp32',
      modelSha256: 'f'.repeat(64),
      tokenizerHash: 'tok',
      chatTemplateHash: 'tpl',
      ortVersion: null,
      ...info
    };
  }

  readonly tokenizer = {
    encode: (text: string, options?: { addSpecialTokens?: boolean }): number[] => {
      const ids = Array.from(text, (c) => c.codePointAt(0)! + 10);
      return options?.addSpecialTokens === false ? ids : [BOS, ...ids];
    },
    applyChatTemplate: (messages: readonly ChatMessage[], options?: { addGenerationPrompt?: boolean; enableThinking?: boolean }): string =>
      messages.map((m) => `<|${m.role}|>${m.content}<|end|>`).join('') + (options?.addGenerationPrompt ? `<|assistant|>${options.enableThinking ? '<think>' : ''}` : '')
  };

  decode(ids: readonly number[]): string {
    return ids.filter((i) => i >= 10).map((i) => String.fromCodePoint(i - 10)).join('');
  }

  private one(promptIds: readonly number[], options: RunnerGenerateOptions, batch: number): RunnerGeneration {
    const prompt = this.decode(promptIds);
    this.fed.push({ text: prompt, ids: [...promptIds], options, batch });
    if (this.behaviour.failWhen?.(prompt)) throw new Error('test double: failing on cue');
    const timeout = this.behaviour.timeoutWhen?.(prompt) ?? false;
    const h = hash(promptIds, options.temperature > 0 ? options.seed : ['greedy']);
    const r = keyedRandom(h);
    const n = this.behaviour.words ?? 3 + (h % 5);
    const text = Array.from({ length: n }, () => WORDS[r.int(WORDS.length)]).join(' ');
    let tokenIds = [...this.tokenizer.encode(text, { addSpecialTokens: false }), EOS];
    let shown = text;
    if (timeout) {
      tokenIds = tokenIds.slice(0, 3);
      shown = text.slice(0, 3);
    }
    tokenIds = tokenIds.slice(0, options.maxNewTokens);
    const T = tokenIds.length;
    // Token i: log-probability −(1 + i mod 4)/8, entropy (1 + i mod 3)/4 (so the means are known in closed form).
    const logprobs = Float32Array.from({ length: T }, (_, i) => -(1 + (i % 4)) / 8);
    const entropies = Float32Array.from({ length: T }, (_, i) => (1 + (i % 3)) / 4);
    const layers = options.capture?.layers ?? this.info.capturableLayers;
    const hidden: RunnerGeneration['hidden'] = {};
    if (!timeout) {
      options.capture?.positions.forEach((pos, p) => {
        const v = new Float32Array(layers.length * this.info.hiddenSize);
        for (let l = 0; l < layers.length; l++) for (let j = 0; j < this.info.hiddenSize; j++) v[l * this.info.hiddenSize + j] = ((promptIds.length % 97) + layers[l] * 0.25 + j * 0.125 + p) / 8;
        hidden[pos] = v;
      });
    }
    return {
      promptIds: [...promptIds],
      tokenIds,
      text: ` ${shown} `,
      logprobs,
      entropies,
      topIds: tokenIds.map((id) => Int32Array.from([id, id + 1])),
      topLogprobs: tokenIds.map((_, i) => Float32Array.from([logprobs[i], logprobs[i] - 1])),
      hidden,
      layers: [...layers],
      stopReason: timeout ? 'timeout' : 'eos',
      timings: { prefillMs: 10, decodeMs: 10 * T }
    };
  }

  private tick(options: RunnerGenerateOptions): boolean {
    this.calls++;
    const a = this.behaviour.abortAt;
    if (a && this.calls === a.call) a.controller.abort();
    return Boolean(options.signal?.aborted);
  }

  async generate(promptIds: readonly number[], options: RunnerGenerateOptions): Promise<RunnerGeneration> {
    if (this.tick(options)) return { ...this.one(promptIds, options, 1), stopReason: 'cancelled' };
    return this.one(promptIds, options, 1);
  }

  async generateBatch(promptIds: readonly number[], n: number, options: RunnerGenerateOptions): Promise<RunnerGeneration[]> {
    const cancelled = this.tick(options);
    return Array.from({ length: n }, (_, i) => {
      const g = this.one(promptIds, { ...options, seed: [...options.seed, i] }, n);
      return cancelled ? { ...g, stopReason: 'cancelled' } : g;
    });
  }

  /** The prompts fed, as text. */
  get prompts(): string[] {
    return this.fed.map((f) => f.text);
  }
}

// The engine's LanguageModel must satisfy the runner's structural RunnerModel (checked by `tsc`, not at run time).
import type { LanguageModel } from '../../src/lib/engine/types';
export const asRunnerModel = (m: LanguageModel): RunnerModel => m;
