/**
 * The engine on fixture models in Node (onnxruntime-web WASM): the KV-cache loop against one full forward pass,
 * prefix reuse, seeded sampling, batches, the unembedding, capture options, stopping, and bad inputs.
 */
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/core/issues';
import { writeModelFolder } from '../../src/lib/engine/fixtures/node/writeModelFolder';
import type { FixtureArch } from '../../src/lib/engine/fixtures/spec';
import type { LocalModel } from '../../src/lib/engine/localModel';
import { loadModelFromDir } from '../../src/lib/engine/node/engine';
import { verifyAgainstFullPass } from '../../src/lib/engine/verify';

/** Every fixture layout: optimum Llama, GPT-2 and GPT-NeoX, and the GenAI builder's fused layout. */
const ARCHS: readonly FixtureArch[] = ['llama', 'gpt2', 'neox', 'genai'];

const root = mkdtempSync(join(tmpdir(), 'engine-'));
const models = new Map<string, LocalModel>();

async function fixture(arch: FixtureArch, extra: { maxPositions?: number; chatTemplate?: string | null; tag?: string } = {}) {
  const dir = join(root, `${arch}${extra.tag ?? ''}`);
  const built = await writeModelFolder(dir, { arch, seed: 7, ...(extra.maxPositions ? { maxPositions: extra.maxPositions } : {}) }, { dtypes: ['fp32', 'fp16'], ...(extra.chatTemplate !== undefined ? { chatTemplate: extra.chatTemplate } : {}) });
  return { dir, built };
}

async function model(arch: FixtureArch, dtype: 'fp32' | 'fp16' = 'fp32'): Promise<LocalModel> {
  const key = `${arch}/${dtype}`;
  if (!models.has(key)) {
    const { dir } = await fixture(arch);
    models.set(key, await loadModelFromDir(dir, { modelId: `fixture-${arch}`, dtype, captureModes: ['all'] }));
  }
  return models.get(key)!;
}

function chatIds(m: LocalModel, messages: { role: 'system' | 'user' | 'assistant'; content: string }[]): number[] {
  return m.tokenizer.encode(m.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true }), { addSpecialTokens: false });
}

afterAll(async () => {
  for (const m of models.values()) await m.dispose();
});

describe.each(ARCHS)('engine on the %s fixture', (arch) => {
  it('the KV-cache loop gives the hidden states and logprobs of one full forward pass (fp32, within 1e-5·max(1, max|ref|))', async () => {
    const m = await model(arch);
    expect(m.info.layout).toBe(arch === 'genai' ? 'genai' : arch);
    const ids = chatIds(m, [{ role: 'user', content: 'What is the capital of France?' }]);
    const r = await verifyAgainstFullPass(m, ids, 10);
    expect(r.greedyMatch).toBe(true);
    expect(r.maxHiddenDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, r.hiddenScale));
    expect(r.maxLogprobDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, r.logprobScale));
    expect(r.pass).toBe(true);
  });

  it('the fp16 model runs on WASM, its logits are never all zero, and it tracks the fp32 model', async () => {
    const m16 = await model(arch, 'fp16');
    expect(m16.info.dtype).toBe('fp16');
    const ids = chatIds(m16, [{ role: 'user', content: 'Name a planet.' }]);
    const r = await verifyAgainstFullPass(m16, ids, 6);
    expect(r.zeroLogits).toBe(false);
    expect(r.greedyMatch).toBe(true);
    // fp16 arithmetic: the cache and the full pass agree to half precision.
    expect(r.maxHiddenDiff).toBeLessThanOrEqual(2e-2 * Math.max(1, r.hiddenScale));
    // And it computes what the fp32 model computes: same greedy tokens, logprobs within half precision.
    const m32 = await model(arch);
    const a = await m16.generate(ids, { maxNewTokens: 6, temperature: 0, seed: [0], ignoreEos: true });
    const b = await m32.generate(ids, { maxNewTokens: 6, temperature: 0, seed: [0], ignoreEos: true });
    expect(a.tokenIds).toEqual(b.tokenIds);
    for (let i = 0; i < 6; i++) expect(Math.abs(a.logprobs[i] - b.logprobs[i])).toBeLessThan(0.05);
  });

  it('a second turn reuses the cached prefix: it encodes only the new tokens and equals a fresh run', async () => {
    const m = await model(arch);
    await m.resetCache();
    const turn0 = [{ role: 'system' as const, content: 'You are a helpful AI assistant.' }, { role: 'user' as const, content: 'Question: Who wrote Hamlet?' }];
    const ids0 = chatIds(m, turn0);
    const r0 = await m.generate(ids0, { maxNewTokens: 6, temperature: 0, seed: [1], capture: { positions: ['last_token_embedding'] } });
    const turn1 = [...turn0, { role: 'assistant' as const, content: r0.text }, { role: 'user' as const, content: 'Great! Continue.' }];
    const ids1 = chatIds(m, turn1);
    const before = m.encodedTokens;
    const reused = await m.generate(ids1, { maxNewTokens: 6, temperature: 0, seed: [1], capture: { positions: ['last_token_embedding', 'last_tok_bef_gen_embedding'] } });
    const encodedPrompt = reused.encodedTokens;
    expect(reused.reusedTokens + encodedPrompt).toBe(ids1.length);
    expect(reused.reusedTokens).toBeGreaterThan(ids0.length - 1 - 6);
    // Encoded: the new prompt tokens once, then one token per decoding step after the first.
    expect(m.encodedTokens - before).toBe(encodedPrompt + reused.tokenIds.length - 1);
    await m.resetCache();
    const fresh = await m.generate(ids1, { maxNewTokens: 6, temperature: 0, seed: [1], capture: { positions: ['last_token_embedding', 'last_tok_bef_gen_embedding'] } });
    expect(fresh.reusedTokens).toBe(0);
    expect(reused.tokenIds).toEqual(fresh.tokenIds);
    for (const pos of ['last_token_embedding', 'last_tok_bef_gen_embedding'] as const) {
      const a = reused.hidden[pos]!;
      const b = fresh.hidden[pos]!;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
      expect(diff).toBeLessThanOrEqual(1e-5 * Math.max(1, scale));
    }
  });

  it('a history rendered differently from what was generated still gives the fresh result (reuse stops at the first differing token)', async () => {
    const m = await model(arch);
    await m.resetCache();
    const a = chatIds(m, [{ role: 'user', content: 'Tell me about the river Thames and its bridges.' }]);
    await m.generate(a, { maxNewTokens: 5, temperature: 0, seed: [2] });
    const b = chatIds(m, [{ role: 'user', content: 'Tell me about the river Severn.' }]);
    const reused = await m.generate(b, { maxNewTokens: 5, temperature: 0, seed: [2] });
    expect(reused.reusedTokens).toBeGreaterThan(0);
    expect(reused.reusedTokens).toBeLessThan(b.length);
    await m.resetCache();
    const fresh = await m.generate(b, { maxNewTokens: 5, temperature: 0, seed: [2] });
    expect(reused.tokenIds).toEqual(fresh.tokenIds);
    expect(Array.from(reused.logprobs)).toEqual(Array.from(fresh.logprobs).map((x, i) => expect.closeTo(x, 5)));
  });

  it('seeded sampling is reproducible, greedy is deterministic, and a batch equals its samples one by one', async () => {
    const m = await model(arch);
    const ids = chatIds(m, [{ role: 'user', content: 'Say something.' }]);
    const opts = { maxNewTokens: 8, temperature: 1, topP: 0.9, ignoreEos: true } as const;
    const s1 = await m.generate(ids, { ...opts, seed: [42, 'item', 0, 3] });
    const s2 = await m.generate(ids, { ...opts, seed: [42, 'item', 0, 3] });
    const s3 = await m.generate(ids, { ...opts, seed: [42, 'item', 0, 4] });
    expect(s1.tokenIds).toEqual(s2.tokenIds);
    expect(s3.tokenIds).not.toEqual(s1.tokenIds);
    const g1 = await m.generate(ids, { maxNewTokens: 8, temperature: 0, seed: [0] });
    const g2 = await m.generate(ids, { maxNewTokens: 8, temperature: 0, seed: [9] });
    expect(g1.tokenIds).toEqual(g2.tokenIds);
    const batch = await m.generateBatch(ids, 3, { ...opts, seed: [42, 'item', 0] });
    for (let i = 0; i < 3; i++) {
      const one = await m.generate(ids, { ...opts, seed: [42, 'item', 0, i] });
      expect(batch[i].tokenIds).toEqual(one.tokenIds);
      expect(Array.from(batch[i].logprobs)).toEqual(Array.from(one.logprobs).map((x) => expect.closeTo(x, 4)));
    }
  });

  it('unembedding() returns the LM head as [vocab × hidden]', async () => {
    const { built } = await fixture(arch, { tag: '-u' });
    const m = await model(arch);
    const u = await m.unembedding();
    expect([u.vocab, u.hidden]).toEqual([m.info.vocabSize, m.info.hiddenSize]);
    const w = built.weights as Record<string, { data: Float32Array }>;
    const head = w['lm_head.weight'] ?? w['model.embed_tokens.weight'] ?? w['transformer.wte.weight'] ?? w['gpt_neox.embed_out.weight'] ?? w['embed_out.weight'];
    let diff = 0;
    for (let i = 0; i < head.data.length; i += 97) diff = Math.max(diff, Math.abs(head.data[i] - u.matrix[i]));
    expect(diff).toBeLessThan(1e-6);
  });

  it('capture keeps only the requested layers, in order, and rejects one that does not exist', async () => {
    const m = await model(arch);
    const ids = chatIds(m, [{ role: 'user', content: 'Hi' }]);
    const all = await m.generate(ids, { maxNewTokens: 3, temperature: 0, seed: [0], capture: { positions: ['last_token_embedding'] } });
    const some = await m.generate(ids, { maxNewTokens: 3, temperature: 0, seed: [0], capture: { positions: ['last_token_embedding'], layers: [1, 3] } });
    const d = m.info.hiddenSize;
    expect(some.layers).toEqual([1, 3]);
    const expected = [...all.hidden.last_token_embedding!.subarray(d, 2 * d), ...all.hidden.last_token_embedding!.subarray(3 * d, 4 * d)];
    // The second call reuses the cache (it re-encodes only the last prompt token): equal within float noise.
    expect(Array.from(some.hidden.last_token_embedding!)).toEqual(expected.map((v) => expect.closeTo(v, 5)));
    await expect(m.generate(ids, { maxNewTokens: 1, temperature: 0, seed: [0], capture: { positions: ['last_token_embedding'], layers: [m.info.numLayers + 1] } })).rejects.toThrow(/capture layer \d+ does not exist: this model has hidden-state indices 0\.\.\d+/);
  });

  it('generation stops on cancellation and on a timeout, keeping what was generated', async () => {
    const m = await model(arch);
    const ids = chatIds(m, [{ role: 'user', content: 'Count to a hundred.' }]);
    const controller = new AbortController();
    const r = await m.generate(ids, { maxNewTokens: 50, temperature: 0, seed: [0], ignoreEos: true, signal: controller.signal, onToken: (e) => e.index === 2 && controller.abort() });
    expect(r.stopReason).toBe('cancelled');
    expect(r.tokenIds).toHaveLength(3);
    // A cancel that arrives as its own event (a worker message, here a timer) is read between steps.
    const c2 = new AbortController();
    setTimeout(() => c2.abort(), 50);
    const long = await m.generate(ids, { maxNewTokens: 1500, temperature: 0, seed: [0], ignoreEos: true, signal: c2.signal });
    expect(long.stopReason).toBe('cancelled');
    expect(long.tokenIds.length).toBeLessThan(1500);
    const t = await m.generate(ids, { maxNewTokens: 50, temperature: 0, seed: [0], ignoreEos: true, timeoutMs: 0.0001 });
    expect(t.stopReason).toBe('timeout');
    expect(t.tokenIds.length).toBeLessThan(50);
  });
});

describe('engine bad inputs', () => {
  it('a file that is not ONNX is refused with a message naming it', async () => {
    const { dir } = await fixture('llama', { tag: '-bad' });
    writeFileSync(join(dir, 'onnx/model.onnx'), 'this is not a model');
    await expect(loadModelFromDir(dir, { modelId: 'broken', dtype: 'fp32' })).rejects.toThrow(/broken\/onnx\/model\.onnx is not an ONNX model/);
  });

  it('a graph without a known layout is refused with what was found and the layouts supported', async () => {
    const { dir } = await fixture('llama', { tag: '-renamed' });
    const p = join(dir, 'onnx/model.onnx');
    // Rename the layer scope everywhere (same length, so the protobuf lengths stay valid).
    const bytes = readFileSync(p);
    const renamed = Buffer.from(bytes.toString('latin1').replaceAll('/model/layers.', '/model/blocks.'), 'latin1');
    writeFileSync(p, renamed);
    const err = await loadModelFromDir(dir, { modelId: 'odd-model', dtype: 'fp32' }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/cannot find the residual stream of odd-model: no layout we know matches its graph \(found \d+ nodes; most common scopes: \/model\/blocks\.\{i\}/);
    expect(err.message).toContain('Supported layouts: genai:');
  });

  it('a missing folder file is named, and a tokenizer without a chat template uses the plain format and says so', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    await expect(loadModelFromDir(empty, { modelId: 'empty' })).rejects.toThrow(/config\.json is missing/);
    const { dir } = await fixture('llama', { tag: '-notemplate', chatTemplate: null });
    const m = await loadModelFromDir(dir, { modelId: 'plain', dtype: 'fp32' });
    expect(m.info.hasChatTemplate).toBe(false);
    expect(m.tokenizer.applyChatTemplate([{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }])).toBe('System: S\n\nUser: Q\n\nAssistant: ');
    await m.dispose();
  });

  it('a prompt longer than the context, and token ids outside the vocabulary, are refused', async () => {
    const { dir } = await fixture('llama', { tag: '-short', maxPositions: 32 });
    const m = await loadModelFromDir(dir, { modelId: 'short', dtype: 'fp32' });
    await expect(m.generate(Array.from({ length: 40 }, () => 11), { maxNewTokens: 4, temperature: 0, seed: [0] })).rejects.toThrow('the prompt is 40 tokens, longer than the model\'s context of 32 tokens');
    await expect(m.generate([1, 2, 999999], { maxNewTokens: 4, temperature: 0, seed: [0] })).rejects.toThrow(/prompt token 2 is 999999, outside the vocabulary/);
    const r = await m.generate(Array.from({ length: 28 }, () => 11), { maxNewTokens: 20, temperature: 0, seed: [0], ignoreEos: true });
    expect(r.stopReason).toBe('context');
    expect(r.tokenIds).toHaveLength(4);
    await m.dispose();
  });
});

describe('engine on q4 weights (com.microsoft MatMulNBits, as the hub q4 exports)', () => {
  it.each(['llama', 'genai'] as const)('the %s q4 model loads, its cache loop matches a full pass, and its LM head dequantises to the reference weights', async (arch) => {
    const dir = join(root, `${arch}-q4`);
    const built = await writeModelFolder(dir, { arch, seed: 7 }, { dtypes: ['q4'] });
    const m = await loadModelFromDir(dir, { modelId: `${arch}-q4`, dtype: 'q4', captureModes: ['all'] });
    expect(m.info.dtype).toBe('q4');
    const ids = chatIds(m, [{ role: 'user', content: 'Which planet is the largest?' }]);
    const r = await verifyAgainstFullPass(m, ids, 6);
    expect(r.pass).toBe(true);
    // The unembedding equals the weights the q4 file computes with (dequantised), whether the head is MatMulNBits or not.
    const eff = built.effectiveWeights.q4 as Record<string, { data: Float32Array }>;
    const head = eff['lm_head.weight'] ?? eff['model.embed_tokens.weight'];
    const u = await m.unembedding();
    let diff = 0;
    for (let i = 0; i < head.data.length; i += 89) diff = Math.max(diff, Math.abs(head.data[i] - u.matrix[i]));
    expect(diff).toBeLessThan(1e-5);
    await m.dispose();
  });
});
