/**
 * The benches' stand-in for SmolLM2-135M: a random-weight llama of its shape (30 layers, hidden 576, 9 heads, 3 KV
 * heads, intermediate 1536, vocabulary 49152), built here in fp32 and loaded for WASM in Node with one thread. The
 * benches feed token ids directly; a word-level tokenizer of exactly the model's vocabulary keeps the shape.
 */
import { buildModelFiles } from '../../src/lib/engine/fixtures';
import { loadModel } from '../../src/lib/engine/loadModel';
import type { LocalModel } from '../../src/lib/engine/localModel';
import { initNodeEngine } from '../../src/lib/engine/node/engine';
import { MemorySource } from '../../src/lib/engine/sources';

export const SMOLLM2_SHAPE = { arch: 'llama' as const, layers: 30, hidden: 576, heads: 9, kvHeads: 3, intermediate: 1536, vocabSize: 49152, maxPositions: 2048, seed: 1 };
export const SMOLLM2_SHAPE_ID = 'random-smollm2-135m-shape';

/** Builds and loads the model (`log` gets a line first). `about` is what the bench JSON says of it. */
export async function smolLm2ShapedModel(log: (s: string) => void) {
  initNodeEngine();
  log(`building a random model with SmolLM2-135M's shape…`);
  const vocab: Record<string, number> = { '[UNK]': 0 };
  for (let i = 1; i < SMOLLM2_SHAPE.vocabSize; i++) vocab[`w${i}`] = i;
  const tokenizer = { json: { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: '[UNK]' } }, config: { tokenizer_class: 'PreTrainedTokenizer', eos_token: 'w1' } };
  const built = await buildModelFiles(SMOLLM2_SHAPE, { dtypes: ['fp32'], tokenizer, chatTemplate: null });
  const model: LocalModel = await loadModel(new MemorySource(built.files), { modelId: SMOLLM2_SHAPE_ID, dtype: 'fp32', threads: 1 });
  const about = { ...SMOLLM2_SHAPE, dtype: 'fp32', params_millions: Math.round(Object.values(built.weights).reduce((a, w) => a + w.data.length, 0) / 1e6) };
  return { model, about };
}
