/**
 * `npm run bench -- engine`: the generation loop's own cost. On a random-weight model with SmolLM2-135M's shape
 * (30 layers, hidden 576, 9 heads, 3 KV heads, vocab 49152; built here, fp32, WASM in Node), a 64-token prompt and
 * 128 generated tokens (EOS ignored): per-token time of the full loop (sampling, logprobs, top-k, entropy, hidden
 * capture) against bare `session.run` calls with the same feeds and fetches, each moving `present.*` into the next
 * step's past. One warm-up, then the median of 3, alternating the two.
 */
import { buildModelFiles } from '../../src/lib/engine/fixtures';
import { loadModel } from '../../src/lib/engine/loadModel';
import { initNodeEngine } from '../../src/lib/engine/node/engine';
import { MemorySource } from '../../src/lib/engine/sources';
import type { KvState } from '../../src/lib/engine/decoder';
import { machine, median } from './_machine';

const SHAPE = { arch: 'llama' as const, layers: 30, hidden: 576, heads: 9, kvHeads: 3, intermediate: 1536, vocabSize: 49152, maxPositions: 2048, seed: 1 };

export async function bench(args: Record<string, string> = {}) {
  const promptLen = Number(args.prompt ?? 64);
  const newTokens = Number(args.tokens ?? 128);
  const repeats = Number(args.repeats ?? 3);
  initNodeEngine();
  const log = (s: string) => process.stderr.write(s + '\n');
  log(`building a random model with SmolLM2-135M's shape…`);
  // The bench feeds token ids directly; a word-level tokenizer of exactly the model's vocabulary keeps the shape.
  const vocab: Record<string, number> = { '[UNK]': 0 };
  for (let i = 1; i < SHAPE.vocabSize; i++) vocab[`w${i}`] = i;
  const tokenizer = { json: { version: '1.0', added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: '[UNK]' } }, config: { tokenizer_class: 'PreTrainedTokenizer', eos_token: 'w1' } };
  const built = await buildModelFiles(SHAPE, { dtypes: ['fp32'], tokenizer, chatTemplate: null });
  const model = await loadModel(new MemorySource(built.files), { modelId: 'random-smollm2-135m-shape', dtype: 'fp32', threads: 1 });
  const { decoder } = model;
  const prompt = Array.from({ length: promptLen }, (_, i) => 100 + ((i * 37) % 3000));

  async function fullLoop(): Promise<number> {
    await model.resetCache();
    const t0 = performance.now();
    const r = await model.generate(prompt, {
      maxNewTokens: newTokens,
      temperature: 0,
      seed: [0],
      ignoreEos: true,
      topK: 5,
      capture: { positions: ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] }
    });
    if (r.tokenIds.length !== newTokens) throw new Error(`generated ${r.tokenIds.length} tokens, expected ${newTokens}`);
    return (performance.now() - t0) / newTokens;
  }

  async function bareRuns(): Promise<number> {
    const t0 = performance.now();
    let past: KvState | null = null;
    let ids: number[][] = [prompt];
    for (let t = 0; t < newTokens; t++) {
      const feeds = decoder.feeds(ids, past);
      const out = await decoder.session.run(feeds, decoder.fetches);
      const tensors = decoder.io.kv.flatMap((kv) => [out[kv.presentKey], out[kv.presentValue]]);
      const pastLength: number = past === null ? 0 : (past as KvState).length;
      past = { tensors, length: pastLength + ids[0].length, batch: 1 };
      ids = [[(t * 31) % 40000]];
    }
    return (performance.now() - t0) / newTokens;
  }

  log('warm-up…');
  await fullLoop();
  await bareRuns();
  const full: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < repeats; i++) {
    bare.push(await bareRuns());
    full.push(await fullLoop());
    log(`  repeat ${i + 1}/${repeats}: loop ${full.at(-1)!.toFixed(1)} ms/token, bare ${bare.at(-1)!.toFixed(1)} ms/token`);
  }
  await model.dispose();
  const fullMs = median(full);
  const bareMs = median(bare);
  return {
    bench: 'engine',
    figures: {
      overhead_ratio: fullMs / bareMs,
      loop_ms_per_token: fullMs,
      bare_session_run_ms_per_token: bareMs,
      loop_tokens_per_second: 1000 / fullMs
    },
    model: { ...SHAPE, dtype: 'fp32', params_millions: Math.round(Object.values(built.weights).reduce((a, w) => a + w.data.length, 0) / 1e6) },
    setup: { prompt_tokens: promptLen, new_tokens: newTokens, repeats, statistic: 'median', backend: model.info.backend, threads: model.info.threads },
    machine: machine()
  };
}
