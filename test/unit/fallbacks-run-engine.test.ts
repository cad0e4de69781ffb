/**
 * The engine-facing pieces of `fallbacks run` against a scripted `LanguageModel`: the reference's separate
 * tokenization of prompt and suffix (a second BOS with Llama-like tokenizers), the untrimmed completion, the top-k
 * decoded id by id, the sample loop's skipping, keys, progress and cancellation.
 */
import { describe, expect, it } from 'vitest';
import { buildBioPrompt, buildListPrompt, parseListDataset } from '../../src/lib/core/fallbacks/index';
import { planFallbacksRun, type SampleRecord } from '../../src/lib/core/fallbacks/generation/index';
import { fallbackPromptIds, generateFallbackCompletion, runFallbackSamples, type SampleProgress } from '../../src/lib/engine/fallbacks/index';
import type { GenerateOptions, GenerationResult, LanguageModel, TextCodec } from '../../src/lib/engine/types';

/** Characters as ids (code points); 1 is BOS, 2 is EOS (decoded "<eos>" unless special tokens are skipped). */
const BOS = 1;
const EOS = 2;
const codec = (addBos: boolean): TextCodec => ({
  encode: (text, o) => [...(addBos && (o?.addSpecialTokens ?? true) ? [BOS] : []), ...[...text].map((c) => c.codePointAt(0)!)],
  decode: (ids, o) =>
    ids
      .filter((id) => !(o?.skipSpecialTokens ?? true) || (id !== BOS && id !== EOS))
      .map((id) => (id === BOS ? '<s>' : id === EOS ? '<eos>' : String.fromCodePoint(id)))
      .join(''),
  applyChatTemplate: () => {
    throw new Error('no chat template: fallback prompts are raw');
  }
});

/** A model that "generates" a fixed text (then EOS), with made-up top-3 alternatives. */
function scripted(reply: string, options: { stop?: 'eos' | 'cancelled' } = {}) {
  const calls: { promptIds: readonly number[]; options: GenerateOptions }[] = [];
  const tokenizer = codec(true);
  const model: LanguageModel = {
    info: {} as LanguageModel['info'],
    tokenizer,
    async generate(promptIds, o) {
      calls.push({ promptIds, options: o });
      const ids = [...[...reply].map((c) => c.codePointAt(0)!), EOS].slice(0, o.maxNewTokens);
      let text = '';
      ids.forEach((id, index) => {
        const piece = id === EOS ? '' : String.fromCodePoint(id);
        text += piece;
        o.onToken?.({ index, id, text: piece, logprob: -0.5, entropy: 1 });
      });
      const result: GenerationResult = {
        promptIds,
        tokenIds: ids,
        text: text.trim(),
        logprobs: Float32Array.from(ids, () => -0.5),
        entropies: Float32Array.from(ids, () => 1),
        topIds: ids.map((id) => Int32Array.from([id, EOS, 32])),
        topLogprobs: ids.map(() => Float32Array.from([-0.5, -1.5, -2.5])),
        hidden: {},
        layers: [],
        stopReason: options.stop ?? 'eos',
        reusedTokens: 0,
        encodedTokens: promptIds.length,
        timings: { prefillMs: 1, decodeMs: 9 }
      };
      return result;
    },
    generateBatch: () => Promise.reject(new Error('not used')),
    unembedding: () => Promise.reject(new Error('not used')),
    dispose: async () => undefined
  };
  return { model, calls };
}

describe('fallbackPromptIds', () => {
  it('fallbackPromptIds tokenizes prompt and suffix separately with default special tokens: a second BOS before "\\n1."', () => {
    const built = buildListPrompt('Some list\n1.');
    const withBos = codec(true);
    expect(fallbackPromptIds(withBos, built)).toEqual([BOS, ...withBos.encode('Some list', { addSpecialTokens: false }), BOS, 10, 49, 46]);
    expect(fallbackPromptIds(codec(false), built)).toEqual(codec(false).encode('Some list\n1.'));
    expect(fallbackPromptIds(withBos, buildBioPrompt('Ada'))).toEqual(withBos.encode('The following is a bio of Ada:\nAda'));
  });

  it('fallbackPromptIds names a bad prompt', () => {
    expect(() => fallbackPromptIds(codec(true), { prompt: 3 } as unknown as { prompt: string; suffix: string })).toThrow('fallbackPromptIds(tokenizer, built): built must have string prompt and suffix, got {"prompt":3}');
  });
});

describe('generateFallbackCompletion', () => {
  it('generateFallbackCompletion keeps the leading space, decodes each top id alone, and passes the decoding settings', async () => {
    const { model, calls } = scripted(' Asia\n2. Europe');
    const seen: string[] = [];
    const c = await generateFallbackCompletion(model, buildListPrompt('Continents\n1.'), { maxNewTokens: 64, temperature: 0.5, seed: [3, 'trivia_facts', 0, 1], onToken: (_e, soFar) => seen.push(soFar) });
    expect(c.completion).toBe(' Asia\n2. Europe');
    expect(c.top[0]).toEqual([
      [' ', -0.5],
      ['<eos>', -1.5],
      [' ', -2.5]
    ]);
    expect(c.top.at(-1)![0]).toEqual(['<eos>', -0.5]); // the EOS step is recorded, its token decoded with special tokens
    expect(c.topIds[0]).toEqual([32, EOS, 32]);
    expect(seen.at(-1)).toBe(' Asia\n2. Europe');
    expect(calls[0].options).toMatchObject({ maxNewTokens: 64, temperature: 0.5, topP: 1, topK: 5, seed: [3, 'trivia_facts', 0, 1] });
    expect(c.stopReason).toBe('eos');
  });

  it('generateFallbackCompletion names bad decoding settings', async () => {
    const { model } = scripted('x');
    await expect(generateFallbackCompletion(model, buildListPrompt('L\n1.'), { maxNewTokens: 0, seed: [0] })).rejects.toThrow('generateFallbackCompletion: maxNewTokens must be a positive integer, got 0');
    await expect(generateFallbackCompletion(model, buildListPrompt('L\n1.'), { temperature: -1, seed: [0] })).rejects.toThrow('generateFallbackCompletion: temperature must be a number ≥ 0, got -1');
  });
});

describe('runFallbackSamples', () => {
  const data = { triviaFacts: parseListDataset('{"A\\n1.": ["x"]}\n{"B\\n1.": ["y"]}\n{"C\\n1.": ["z"]}\n') };

  it('runFallbackSamples generates only what the store lacks, in file order, keyed by each sample, and reports progress', async () => {
    const plan = planFallbacksRun({ task: 'trivia_facts', modelId: 'm', temperature: 0.7, reps: 2, seed: 9, maxNewTokens: 32 }, data);
    const { model, calls } = scripted(' x\n2. y');
    const stored = new Map<string, SampleRecord>();
    stored.set('r0-trivia_facts-1', {} as SampleRecord);
    const progress: SampleProgress[] = [];
    let t = 0;
    const r = await runFallbackSamples(
      model,
      plan,
      { has: (k) => stored.has(k), put: async (rec) => void stored.set(rec.key, rec) },
      { onProgress: (p) => void progress.push(p), now: () => (t += 500) }
    );
    expect(r).toEqual({ generated: 5, skipped: 1 });
    expect(calls.map((c) => c.options.seed)).toEqual([
      [9, 'trivia_facts', 0, 0],
      [9, 'trivia_facts', 2, 0],
      [9, 'trivia_facts', 0, 1],
      [9, 'trivia_facts', 1, 1],
      [9, 'trivia_facts', 2, 1]
    ]);
    expect(progress.map((p) => `${p.done}/${p.total} ${p.sample.key}`)).toEqual(['2/6 r0-trivia_facts-0', '3/6 r0-trivia_facts-2', '4/6 r1-trivia_facts-0', '5/6 r1-trivia_facts-1', '6/6 r1-trivia_facts-2']);
    // Each sample takes 500 ms of the fake clock and 8 tokens (" x\n2. y" + EOS): 16 tok/s; 4 left × 0.5 s after the first.
    expect(progress[0]).toMatchObject({ skipped: 1, newTokens: 8, tokensPerSecond: 16, etaSeconds: 2 });
    const rec = stored.get('r1-trivia_facts-2')!;
    expect(rec).toMatchObject({ format_version: 1, key: 'r1-trivia_facts-2', prompt: 'C', model_input: 'C\n1.', completion: ' x\n2. y', stop_reason: 'eos', timings: { prefill_ms: 1, decode_ms: 9 } });
    expect(rec.prompt_ids).toEqual([BOS, 67, BOS, 10, 49, 46]);
  });

  it('runFallbackSamples stores nothing for a cancelled generation and rejects with an AbortError', async () => {
    const plan = planFallbacksRun({ task: 'trivia_facts', modelId: 'm', limit: 1 }, data);
    const { model } = scripted(' x', { stop: 'cancelled' });
    const puts: string[] = [];
    const run = runFallbackSamples(model, plan, { has: () => false, put: async (r) => void puts.push(r.key) });
    await expect(run).rejects.toMatchObject({ name: 'AbortError', message: 'the run was cancelled; finished samples are kept' });
    expect(puts).toEqual([]);
    const controller = new AbortController();
    controller.abort();
    await expect(runFallbackSamples(scripted(' x').model, plan, { has: () => false, put: async () => undefined }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
