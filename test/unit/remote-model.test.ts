/**
 * The remote models against the engine itself: a test node serving the fixture model over HTTP must give what
 * the engine gives locally for the same request seed — the protocol mapping loses nothing (tokens, logprobs,
 * top-k, last-layer hidden states at the three positions) and invents nothing (entropy stays unavailable).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConfig, generateItem } from '../../src/lib/engine/remote/generateItem';
import { poolFromRunConfig } from '../../src/lib/engine/remote/node/poolFromConfig';
import { OpenAIChatModel, SglangModel } from '../../src/lib/engine/remote/remoteModel';
import { requestSeed } from '../../src/lib/engine/remote/seed';
import type { GenerateOptions, LanguageModel } from '../../src/lib/engine/types';
import { startEngineNode, type EngineNode } from '../remote/engineNode';
import { fixtureBackend, fixtureFolder } from '../remote/fixture';
import type { Backend } from '../remote/harness';

let backend: Backend;
let local: LanguageModel;
let node: EngineNode;
let nodes: EngineNode[] = [];
beforeAll(async () => {
  backend = await fixtureBackend(2);
  local = await backend.makeModel();
  node = await startEngineNode({ model: await backend.makeModel(), token: 'tok' });
  nodes = [await startEngineNode({ model: await backend.makeModel(), token: 'sekrit-a' }), await startEngineNode({ model: await backend.makeModel() })];
});
afterAll(async () => Promise.all([node, ...nodes].map((n) => n?.close())));

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

describe('poolFromRunConfig', () => {
  it('poolFromRunConfig(config, env) builds a pool from remote_engines with tokens from token_env, and runs items on it', async () => {
    const dir = await fixtureFolder();
    const pool = await poolFromRunConfig(
      { model_path: 'tiny-llama', remote_tokenizer: dir, remote_engines: [{ url: nodes[0].url, protocol: 'sglang', token_env: 'NODE_A_TOKEN' }, { url: nodes[1].url, protocol: 'sglang', name: 'b' }] },
      { NODE_A_TOKEN: 'sekrit-a' }
    );
    expect(pool.status().map((s) => s.name)).toEqual(['node-1', 'b']);
    const results: string[] = [];
    const s = await pool.run(
      Array.from({ length: 4 }, (_, i) => ({ id: `x${i}`, question: `q${i}` })),
      { itemId: (i) => i.id, run: generateItem(generateConfig({ seed: 1, temperature: 0, max_new_tokens: 2 })), onResult: (d) => void results.push(d.node) }
    );
    expect(s.done).toBe(4);
    expect(new Set(results)).toEqual(new Set(['node-1', 'b']));
    expect(nodes[0].requests.every((r) => r.authorized)).toBe(true);
  });

  it('poolFromRunConfig refuses a missing token variable and a missing model_path, naming them', async () => {
    const dir = await fixtureFolder();
    await expect(poolFromRunConfig({ model_path: 'm', remote_tokenizer: dir, remote_engines: [{ url: nodes[0].url, protocol: 'sglang', token_env: 'NOT_SET_ANYWHERE' }] }, {})).rejects.toThrow(
      'node node-1: the environment variable NOT_SET_ANYWHERE (its token_env) is not set'
    );
    await expect(poolFromRunConfig({ remote_engines: [{ url: nodes[0].url, protocol: 'sglang' }] }, {})).rejects.toThrow('model_path must name the model the remote engines serve');
  });
});
