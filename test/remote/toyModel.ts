/**
 * A toy `LanguageModel` in plain TypeScript for the pool's scheduling tests (and for developing without a
 * fixture): a character vocabulary, logits drawn from `keyedRandom` keyed by the whole context (so equal
 * contexts give equal logits on every "node"), the engine's own sampling (`chooseToken`, `logitStats`, `topK`),
 * and hidden states derived from the context. It follows the contract's token-position rules. The route tests
 * use the real engine on a fixture model instead (`fixture.ts`).
 */
import { keyedRandom } from '../../src/lib/core/random';
import { chooseToken, logitStats, topK } from '../../src/lib/engine/sampling';
import { plainChatFormat } from '../../src/lib/engine/tokenizer';
import type { GenerateOptions, GenerationResult, LanguageModel, ModelInfo, PositionName, TextCodec } from '../../src/lib/engine/types';

const ALPHABET = '\u0000abcdefghijklmnopqrstuvwxyz .,?!:\n0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const TOY_VOCAB = ALPHABET.length;
export const TOY_HIDDEN = 8;
export const TOY_LAYERS = 2;

export const toyCodec: TextCodec = {
  encode: (text) => Array.from(text, (c) => Math.max(1, ALPHABET.indexOf(c))),
  decode: (ids, o) => ids.filter((i) => !(o?.skipSpecialTokens ?? true) || i !== 0).map((i) => (i === 0 ? '<eos>' : ALPHABET[i] ?? '?')).join(''),
  applyChatTemplate: (messages, o) => plainChatFormat(messages, o?.addGenerationPrompt ?? true)
};

export const toyInfo: ModelInfo = {
  id: 'toy',
  layout: 'toy',
  numLayers: TOY_LAYERS,
  hiddenSize: TOY_HIDDEN,
  vocabSize: TOY_VOCAB,
  maxContext: 4096,
  dtype: 'fp32',
  backend: 'wasm',
  backendReason: 'toy',
  threads: 1,
  eosTokenIds: [0],
  bosTokenId: null,
  hasChatTemplate: false,
  capturableLayers: [0, 1, 2],
  modelSha256: null,
  tokenizerHash: null,
  chatTemplateHash: null,
  ortVersion: null
};

function contextKey(ids: readonly number[]): string {
  return ids.join(',');
}

function logits(ids: readonly number[]): Float32Array {
  const r = keyedRandom('toy-logits', contextKey(ids));
  // A bias towards letters and EOS so answers look like words and end.
  return Float32Array.from({ length: TOY_VOCAB }, (_, i) => 2 * r.normal() + (i === 0 ? 0.5 : i <= 27 ? 1 : 0));
}

function hidden(ids: readonly number[]): Float32Array {
  const r = keyedRandom('toy-hidden', contextKey(ids));
  return Float32Array.from({ length: TOY_HIDDEN }, () => r.normal());
}

export class ToyModel implements LanguageModel {
  readonly info = toyInfo;
  readonly tokenizer = toyCodec;
  calls = 0;

  async generate(promptIds: readonly number[], o: GenerateOptions): Promise<GenerationResult> {
    this.calls++;
    const random = o.temperature > 0 ? keyedRandom(...(o.seed as [string | number])) : null;
    const stop = new Set(o.ignoreEos ? [] : (o.stopTokenIds ?? [0]));
    const ctx = [...promptIds];
    const tokens: number[] = [];
    const lps: number[] = [];
    const ents: number[] = [];
    const tIds: Int32Array[] = [];
    const tLps: Float32Array[] = [];
    const fed: Float32Array[] = [hidden(ctx)]; // hidden state of the last position fed so far
    let reason: GenerationResult['stopReason'] = 'length';
    for (let step = 0; step < o.maxNewTokens; step++) {
      const x = logits(ctx);
      const s = logitStats(x, 0, TOY_VOCAB);
      const t = chooseToken(x, 0, TOY_VOCAB, o.temperature, o.topP ?? 1, random, s);
      const tk = topK(x, 0, TOY_VOCAB, o.topK ?? 5);
      for (let j = 0; j < tk.values.length; j++) tk.values[j] -= s.logZ;
      tokens.push(t);
      lps.push(x[t] - s.logZ);
      ents.push(s.entropy);
      tIds.push(tk.ids);
      tLps.push(tk.values);
      if (stop.has(t)) {
        reason = 'eos';
        break;
      }
      if (step === o.maxNewTokens - 1) break;
      ctx.push(t);
      fed.push(hidden(ctx));
    }
    const h: Partial<Record<PositionName, Float32Array>> = {};
    const layers = o.capture?.layers ?? [TOY_LAYERS];
    const expand = (v: Float32Array) => {
      const out = new Float32Array(layers.length * TOY_HIDDEN);
      layers.forEach((l, j) => out.set(v.map((a) => a * (l + 1)), j * TOY_HIDDEN));
      return out;
    };
    for (const p of o.capture?.positions ?? []) {
      if (p === 'last_tok_bef_gen_embedding') h[p] = expand(fed[0]);
      else if (p === 'last_token_embedding') h[p] = expand(fed[fed.length - 1]);
      else h[p] = expand(fed[Math.max(0, fed.length - 2)]);
    }
    return {
      promptIds: [...promptIds],
      tokenIds: tokens,
      text: toyCodec.decode(tokens).trim(),
      logprobs: Float32Array.from(lps),
      entropies: Float32Array.from(ents),
      topIds: tIds,
      topLogprobs: tLps,
      hidden: h,
      layers: o.capture ? [...layers] : [],
      stopReason: reason,
      reusedTokens: 0,
      encodedTokens: promptIds.length,
      timings: { prefillMs: 0, decodeMs: 0 }
    };
  }

  generateBatch(promptIds: readonly number[], n: number, o: GenerateOptions): Promise<GenerationResult[]> {
    return Promise.all(Array.from({ length: n }, (_, i) => this.generate(promptIds, { ...o, seed: [...o.seed, i] })));
  }

  unembedding(): Promise<never> {
    return Promise.reject(new Error('toy model has no unembedding'));
  }

  async dispose(): Promise<void> {}
}
