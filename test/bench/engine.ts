/**
 * `npm run bench -- engine`: the generation loop's own cost. On a random-weight model with SmolLM2-135M's shape
 * (30 layers, hidden 576, 9 heads, 3 KV heads, vocab 49152; built here, fp32, WASM in Node), a 64-token prompt and
 * 128 generated tokens (EOS ignored): per-token time of the full loop (sampling, logprobs, top-k, entropy, hidden
 * capture) against bare `session.run` calls with the same feeds and fetches, each moving `present.*` into the next
 * step's past. One warm-up, then the median of 3, alternating the two.
 */
import type { KvState } from '../../src/lib/engine/decoder';
import { machine, median } from './_machine';
import { smolLm2ShapedModel } from './_smollm2Shape';

export async function bench(args: Record<string, string> = {}) {
  const promptLen = Number(args.prompt ?? 64);
  const newTokens = Number(args.tokens ?? 128);
  const repeats = Number(args.repeats ?? 3);
  const log = (s: string) => process.stderr.write(s + '\n');
  const { model, about } = await smolLm2ShapedModel(log);
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
    model: about,
    setup: { prompt_tokens: promptLen, new_tokens: newTokens, repeats, statistic: 'median', backend: model.info.backend, threads: model.info.threads },
    machine: machine()
  };
}
