/**
 * The remote models against the engine itself: a test node serving the fixture model over HTTP must give what
 * the engine gives locally for the same request seed — the protocol mapping loses nothing (tokens, logprobs,
 * top-k, last-layer hidden states at the three positions) and invents nothing (entropy stays unavailable).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIChatModel, SglangModel } from '../../src/lib/engine/remote/remoteModel';
import { requestSeed } from '../../src/lib/engine/remote/seed';
import type { GenerateOptions, LanguageModel } from '../../src/lib/engine/types';
import { startEngineNode, type EngineNode } from '../remote/engineNode';
import { fixtureBackend } from '../remote/fixture';
import type { Backend } from '../remote/harness';

let backend: Backend;
let local: LanguageModel;
let node: EngineNode;
beforeAll(async () => {
  backend = await fixtureBackend(2);
  local = await backend.makeModel();
  node = await startEngineNode({ model: await backend.makeModel(), token: 'tok' });
});
afterAll(async () => node?.close());

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  expect(worst).toBeLessThanOrEqual(1e-5 * scale);
};

describe('remote models on the fixture engine', () => {
  it('SglangModel.generate(promptIds) equals the engine\'s generate with seed [requestSeed(key)]: tokens, logprobs, top-k, last-layer hidden states', async () => {
    const remote = new SglangModel({ name: 'gpu-a', url: node.url, token: 'tok' }, backend.spec);
    expect(remote.info).toMatchObject({ backend: 'remote', capturableLayers: [backend.spec.numLayers], layout: 'remote-sglang' });
    expect(Object.keys(remote.info.unavailable ?? {}).sort()).toEqual(['entropy', 'logit_lens']);
    const prompt = remote.tokenizer.encode('The capital of France is');
    const options: GenerateOptions = { maxNewTokens: 6, temperature: 0.9, topP: 0.95, topK: 4, seed: [3, 'item-7', 1, 0], capture: { positions: ['last_tok_bef_gen_embedding', 'sec_last_token_embedding', 'last_token_embedding'] } };
    const r = await remote.generate(prompt, options);
    const l = await local.generate(prompt, { ...options, seed: [requestSeed(options.seed)], capture: { positions: options.capture!.positions, layers: [backend.spec.numLayers] } });
    expect(r.tokenIds).toEqual(l.tokenIds);
    expect(r.text).toBe(l.text);
    expect(r.stopReason).toBe(l.stopReason);
    close(r.logprobs, l.logprobs);
    r.topIds.forEach((ids, i) => expect(Array.from(ids)).toEqual(Array.from(l.topIds[i])));
    for (const p of options.capture!.positions) close(r.hidden[p]!, l.hidden[p]!);
    expect(r.layers).toEqual([backend.spec.numLayers]);
    expect(Array.from(r.entropies).every(Number.isNaN)).toBe(true);
    expect(Array.from(l.entropies).every(Number.isFinite)).toBe(true);
  });

  it('SglangModel.generateBatch(n) draws sample i with [...seed, i], as the local engine does', async () => {
    const remote = new SglangModel({ name: 'gpu-a', url: node.url, token: 'tok' }, backend.spec);
    const prompt = remote.tokenizer.encode('Once upon a time');
    const options: GenerateOptions = { maxNewTokens: 4, temperature: 1, seed: [9, 'q'] };
    const batch = await remote.generateBatch(prompt, 3, options);
    for (let i = 0; i < 3; i++) {
      const l = await local.generate(prompt, { ...options, seed: [requestSeed([9, 'q', i])] });
      expect(batch[i].tokenIds).toEqual(l.tokenIds);
    }
  });

  it('SglangModel refuses mid-layer captures and the logit lens, naming why', async () => {
    const remote = new SglangModel({ name: 'gpu-a', url: node.url }, backend.spec);
    await expect(remote.generate([1, 2], { maxNewTokens: 2, temperature: 0, seed: [1], capture: { positions: ['last_token_embedding'], layers: [1] } })).rejects.toThrow(
      `capture layer 1 is not available remotely: engines return the last layer only (hidden-state index ${backend.spec.numLayers}); mid-layer probes are local-only`
    );
    await expect(remote.unembedding()).rejects.toThrow('the logit lens is unavailable on tiny-llama: the logit lens needs intermediate layers and the LM head, which stay on the remote engine');
    // The node wants a token: without it the answer is 401, an error that no retry can fix.
    await expect(remote.generate([1, 2], { maxNewTokens: 2, temperature: 0, seed: [1] })).rejects.toMatchObject({ kind: 'auth', status: 401, retryable: false });
  });

  it('OpenAIChatModel.generateChat equals the engine on the rendered template; generate(promptIds) is refused', async () => {
    const remote = new OpenAIChatModel({ name: 'vllm-a', url: node.url, token: 'tok' }, backend.spec);
    const messages = [{ role: 'user' as const, content: 'Who wrote Hamlet?' }];
    const options: GenerateOptions = { maxNewTokens: 5, temperature: 0.8, topK: 3, seed: [4, 'h', 0, 0] };
    const r = await remote.generateChat(messages, {}, options);
    const text = local.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
    expect(r.fullInput).toBe(text);
    const l = await local.generate(local.tokenizer.encode(text, { addSpecialTokens: false }), { ...options, seed: [requestSeed(options.seed)] });
    expect(r.tokenIds).toEqual(l.tokenIds);
    expect(r.text).toBe(l.text);
    close(r.logprobs, l.logprobs);
    expect(remote.info.capturableLayers).toEqual([]);
    await expect(remote.generate()).rejects.toThrow('vllm-a speaks the OpenAI-compatible chat API, which takes chat messages, not token ids: call generateChat (or use protocol "sglang")');
  });
});
