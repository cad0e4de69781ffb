/**
 * `npm run bench -- dialogue [--turns=21] [--prompt=64] [--tokens=32] [--followup=16] [--repeats=3] [--samples=10]`:
 * what the KV-cache prefix reuse and the batched samples save on a dialogue, on a random-weight model with
 * SmolLM2-135M's shape (llama, 30 layers, hidden 576, 9 heads, 3 KV heads, intermediate 1536, vocabulary 49152;
 * built here, fp32, WASM in Node, one thread), fed token ids through a word-level tokenizer of that vocabulary.
 *
 * The dialogue, at the token level: turn 0 feeds a 64-token prompt and generates 32 tokens (EOS ignored, greedy);
 * turn k feeds the whole history (turn k−1's prompt, its 32 generated tokens, then a 16-token follow-up, the size
 * of the seed's follow-ups) and generates 32 more; 21 turns (max_steps 20).
 *
 * - `speedup_ratio` (higher is better) = dialogue time when the whole history is encoded again every turn (the
 *   seed's way: `resetCache()` before each turn) ÷ dialogue time with prefix reuse (only the new tokens are
 *   encoded). Each arm: one warm-up (a `--warmup-turns`-turn dialogue, default 2), then the median of `--repeats`
 *   (default 3; about 9 minutes in all on the 2-core reference machine when nothing else runs on it), the
 *   two arms alternating. The prompt tokens
 *   each arm encodes are reported beside it (`*_encoded_prompt_tokens`, summed over the turns, from the engine's
 *   own `encodedTokens`).
 * - `batch_speedup_ratio` (higher is better) = 10 samples of one 64-token prompt generated one by one (sequential
 *   `generate` calls; the engine reuses the cached prompt from the second on) ÷ the same 10 as one `generateBatch`
 *   (one prefill, then batched decode steps), 32 tokens each, temperature 1.
 * - Hidden-state bytes per turn: what the run stores (one `<safe_id>.safetensors` of the 21 turns, 3 positions ×
 *   31 hidden-state indices × 576, F16, written with `encodeHiddenStates` from the captured states, divided by
 *   21) against storing every layer at every token of each turn's sequence (31 × sequence length × 576 × 2
 *   bytes, the tensor data alone). `storage_saving_ratio` = the latter ÷ the former (higher is better).
 */
import type { GenerateOptions, GenerationResult } from '../../src/lib/engine/types';
import { encodeHiddenStates, type TurnHidden } from '../../src/lib/store/hiddenStates';
import { machine, median } from './_machine';
import { SMOLLM2_SHAPE, SMOLLM2_SHAPE_ID, smolLm2ShapedModel } from './_smollm2Shape';

interface DialogueRun {
  readonly ms: number;
  readonly encoded: number;
  readonly reused: number;
  readonly promptLengths: number[];
  readonly turns: GenerationResult[];
}

export async function bench(args: Record<string, string> = {}) {
  const turns = Number(args.turns ?? 21);
  const promptLen = Number(args.prompt ?? 64);
  const newTokens = Number(args.tokens ?? 32);
  const followupLen = Number(args.followup ?? 16);
  // The median of 3: the recomputing arm takes about 2.2 minutes per 21-turn dialogue on an idle 2-core machine
  // (it encodes ~11 400 prompt tokens); pass --repeats=1 for a quick look.
  const repeats = Number(args.repeats ?? 3);
  const warmupTurns = Number(args['warmup-turns'] ?? 2);
  const samples = Number(args.samples ?? 10);
  const log = (s: string) => process.stderr.write(s + '\n');
  const { model, about } = await smolLm2ShapedModel(log);
  const positions = ['last_token_embedding', 'sec_last_token_embedding', 'last_tok_bef_gen_embedding'] as const;
  const options: GenerateOptions = { maxNewTokens: newTokens, temperature: 0, seed: [0], ignoreEos: true, topK: 5, capture: { positions } };
  const prompt = Array.from({ length: promptLen }, (_, i) => 100 + ((i * 37) % 3000));
  const followup = (k: number) => Array.from({ length: followupLen }, (_, i) => 5000 + ((k * 131 + i * 17) % 3000));

  /** One dialogue; `recompute` empties the cache before every turn, so each turn encodes its whole history. */
  async function dialogue(recompute: boolean, turns: number): Promise<DialogueRun> {
    await model.resetCache();
    let history = [...prompt];
    let encoded = 0;
    let reused = 0;
    const promptLengths: number[] = [];
    const results: GenerationResult[] = [];
    const t0 = performance.now();
    for (let k = 0; k < turns; k++) {
      if (k > 0) history = [...history, ...results[k - 1].tokenIds, ...followup(k)];
      if (recompute) await model.resetCache();
      const r = await model.generate(history, options);
      if (r.tokenIds.length !== newTokens) throw new Error(`turn ${k}: generated ${r.tokenIds.length} tokens, expected ${newTokens}`);
      encoded += r.encodedTokens;
      reused += r.reusedTokens;
      promptLengths.push(history.length);
      results.push(r);
    }
    return { ms: performance.now() - t0, encoded, reused, promptLengths, turns: results };
  }

  async function oneByOne(): Promise<number> {
    await model.resetCache();
    const t0 = performance.now();
    for (let i = 0; i < samples; i++) await model.generate(prompt, { ...options, temperature: 1, capture: undefined, seed: [0, 'sample', i] });
    return performance.now() - t0;
  }

  async function batched(): Promise<number> {
    await model.resetCache();
    const t0 = performance.now();
    const out = await model.generateBatch(prompt, samples, { ...options, temperature: 1, capture: undefined, seed: [0, 'sample'] });
    if (out.length !== samples || out.some((r) => r.tokenIds.length !== newTokens)) throw new Error('the batch returned the wrong number of samples or tokens');
    return performance.now() - t0;
  }

  log(`warm-up (${warmupTurns}-turn dialogues)…`);
  await dialogue(false, warmupTurns);
  await dialogue(true, warmupTurns);
  await oneByOne();
  await batched();
  const reuse: DialogueRun[] = [];
  const full: DialogueRun[] = [];
  const single: number[] = [];
  const batch: number[] = [];
  for (let i = 0; i < repeats; i++) {
    full.push(await dialogue(true, turns));
    reuse.push(await dialogue(false, turns));
    single.push(await oneByOne());
    batch.push(await batched());
    log(`  repeat ${i + 1}/${repeats}: recompute ${(full.at(-1)!.ms / 1000).toFixed(1)} s, reuse ${(reuse.at(-1)!.ms / 1000).toFixed(1)} s; ${samples} samples one by one ${(single.at(-1)! / 1000).toFixed(2)} s, batched ${(batch.at(-1)! / 1000).toFixed(2)} s`);
  }

  // Greedy and the same prompts: both arms must generate the same tokens (the cache changes the cost, not the answer).
  const same = reuse[0].turns.every((r, k) => r.tokenIds.join() === full[0].turns[k].tokenIds.join());
  if (!same) log('warning: prefix reuse and recomputation generated different tokens');

  // Hidden-state bytes: the item file the run would write for this dialogue.
  const last = reuse[reuse.length - 1];
  const layers = [...last.turns[0].layers];
  const file = encodeHiddenStates({ modelId: SMOLLM2_SHAPE_ID, layers, hiddenSize: SMOLLM2_SHAPE.hidden, turns: last.turns.map((r) => r.hidden as TurnHidden) });
  const storedPerTurn = file.byteLength / turns;
  const everyTokenPerTurn = last.promptLengths.reduce((s, len) => s + layers.length * (len + newTokens) * SMOLLM2_SHAPE.hidden * 2, 0) / turns;

  await model.dispose();
  const reuseMs = median(reuse.map((r) => r.ms));
  const fullMs = median(full.map((r) => r.ms));
  const singleMs = median(single);
  const batchMs = median(batch);
  return {
    bench: 'dialogue',
    figures: {
      speedup_ratio: fullMs / reuseMs,
      prefix_reuse_seconds: reuseMs / 1000,
      recompute_seconds: fullMs / 1000,
      prefix_reuse_encoded_prompt_tokens: last.encoded,
      recompute_encoded_prompt_tokens: full[full.length - 1].encoded,
      prefix_reuse_reused_prompt_tokens: last.reused,
      last_turn_prompt_tokens: last.promptLengths[turns - 1],
      same_tokens: same ? 1 : 0,
      batch_speedup_ratio: singleMs / batchMs,
      samples_one_by_one_seconds: singleMs / 1000,
      samples_batched_seconds: batchMs / 1000,
      hidden_bytes_per_turn_stored: storedPerTurn,
      hidden_bytes_per_turn_every_layer_every_token: everyTokenPerTurn,
      storage_saving_ratio: everyTokenPerTurn / storedPerTurn
    },
    model: { ...about, hidden_state_indices: layers.length },
    setup: {
      turns,
      prompt_tokens: promptLen,
      new_tokens_per_turn: newTokens,
      followup_tokens: followupLen,
      samples,
      repeats,
      warmup: `one ${warmupTurns}-turn dialogue per arm, one batch per sampling arm`,
      statistic: 'median',
      decoding: 'greedy, EOS ignored (dialogue); temperature 1 (samples)',
      positions: positions.length,
      backend: model.info.backend,
      threads: model.info.threads
    },
    machine: machine()
  };
}
