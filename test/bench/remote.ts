/**
 * `npm run bench -- remote`: items per second through the remote route (client → route → pool → nodes → back)
 * with 1, 2 and 3 nodes, and `speedup_ratio` = items/s with 3 nodes ÷ items/s with 1 (higher is better; 3 is
 * ideal). The nodes are loopback test nodes that answer the SGLang protocol with a toy model and add a fixed
 * delay per generated token, so the figure measures the route and the scheduling, not this machine's processor.
 *
 * Options: --items=36 --token_ms=10 --concurrency=2 --max_new_tokens=8 --reps=3
 */
import { runRemote } from '../../src/lib/engine/remote/client';
import type { RunItem } from '../../src/lib/engine/remote/protocol';
import { poolFor, startNodes, tempDir, toyBackend } from '../remote/harness';
import { startRouteServer } from '../remote/routeServer';
import { machine, median } from './_machine';

export async function bench(args: Record<string, string> = {}) {
  const items = Number(args.items ?? 36);
  const tokenMs = Number(args.token_ms ?? 10);
  const concurrency = Number(args.concurrency ?? 2);
  const maxNewTokens = Number(args.max_new_tokens ?? 8);
  const reps = Number(args.reps ?? 3);
  const backend = toyBackend();
  const list: RunItem[] = Array.from({ length: items }, (_, i) => ({ id: `b${i}`, question: `benchmark question ${i}` }));
  const config = { seed: 1, temperature: 0.8, max_new_tokens: maxNewTokens, top_logprobs: 5 };
  const figures: Record<string, number> = {};
  let tokens = 0;
  for (const n of [1, 2, 3]) {
    const nodes = await startNodes(backend, Array(n).fill('ok'), { tokenLatencyMs: tokenMs });
    const pool = poolFor(nodes, backend, 'sglang', {}, { maxConcurrency: concurrency, requestTimeoutMs: 60_000 });
    const srv = await startRouteServer({ token: 'bench', pool, journalDir: tempDir('bench-journal-'), log: () => undefined });
    const rates: number[] = [];
    for (let r = 0; r < reps; r++) {
      let got = 0;
      let toks = 0;
      const t0 = performance.now();
      await runRemote({
        endpoint: `${srv.url}/api/remote/runs`,
        token: 'bench',
        runId: `bench-${n}-${r}`,
        config,
        items: list,
        onResult: (_id, result) => {
          got++;
          toks += (result as { token_ids: number[] }).token_ids.length;
        }
      });
      const s = (performance.now() - t0) / 1000;
      if (got !== items) throw new Error(`bench: ${got} of ${items} items came back`);
      tokens = toks;
      rates.push(items / s);
      process.stderr.write(`remote bench: ${n} node(s), rep ${r + 1}: ${(items / s).toFixed(1)} items/s\n`);
    }
    figures[`items_per_s_${n}_nodes`] = Math.round(median(rates) * 100) / 100;
    await srv.stop();
    await Promise.all(nodes.map((x) => x.close()));
  }
  figures.speedup_ratio = Math.round((figures.items_per_s_3_nodes / figures.items_per_s_1_nodes) * 1000) / 1000;
  return {
    bench: 'remote',
    figures,
    setup: { items, token_latency_ms: tokenMs, concurrency_per_node: concurrency, max_new_tokens: maxNewTokens, generated_tokens_per_run: tokens, reps, protocol: 'sglang', model: 'toy (latency-bound loopback nodes)' },
    machine: machine()
  };
}
