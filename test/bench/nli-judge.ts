/**
 * `npm run bench -- nli-judge`: throughput of the judges on this machine.
 *
 * - NLI pairs per second through transformers.js on the fixture NLI model (onnxruntime-node in Node), one pair per
 *   forward pass against 16, and `batch_speedup_ratio` (higher is better for batching).
 * - Semantic entropy of 10 answers per question: the greedy pass asking one pair at a time, against judging all
 *   90 ordered pairs in one batched call first (`entailsMany`); `prefetch_speedup_ratio` (higher favours
 *   prefetching).
 * - The dialogue judge against a local OpenAI-compatible server on 127.0.0.1 (client overhead per call).
 *
 * The fixture graph is tiny, so these figures measure the tokenizer, the runtime call and our code, not a real
 * model's compute; a real DeBERTa is far slower per pair.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { keyedRandom } from '../../src/lib/core/random';
import { semanticEntropy } from '../../src/lib/core/semantic';
import { buildFixtureNli, DialogueJudge, loadNliModel, nliEntailment } from '../../src/lib/engine/judges';
import { machine, median } from './_machine';

async function timed(f: () => Promise<unknown>, repeats: number): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export async function bench() {
  const root = mkdtempSync(join(tmpdir(), 'nli-bench-'));
  const fixture = buildFixtureNli();
  for (const [p, b] of Object.entries(fixture.files)) {
    const f = join(root, 'fixture-nli', p);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, b);
  }
  const words = ['paris', 'lyon', 'capital', 'is', 'the', 'not', 'of', 'france', 'city', 'it', 'jupiter', 'saturn'];
  const r = keyedRandom(1, 'bench');
  const sentence = () => Array.from({ length: 3 + r.int(8) }, () => words[r.int(words.length)]).join(' ');
  const pairs = Array.from({ length: 256 }, () => [sentence(), sentence()] as const);

  const single = await loadNliModel({ model: 'fixture-nli', localModelPath: root, dtype: 'fp32', cache: false, batchSize: 1 });
  const batched = await loadNliModel({ model: 'fixture-nli', localModelPath: root, dtype: 'fp32', cache: false, batchSize: 16 });
  await single.classify(pairs.slice(0, 16));
  await batched.classify(pairs.slice(0, 16));
  const singleMs = await timed(() => single.classify(pairs), 3);
  const batchedMs = await timed(() => batched.classify(pairs), 3);

  const q = 'What is the capital of France?';
  const answers = Array.from({ length: 10 }, (_, i) => `${sentence()} ${i}`);
  const ent = nliEntailment(batched, q);
  const greedyMs = await timed(() => semanticEntropy(answers, ent.entails), 3);
  const prefetchMs = await timed(() => semanticEntropy(answers, ent.entails, { entailsMany: ent.entailsMany }), 3);
  await single.dispose();
  await batched.dispose();
  rmSync(root, { recursive: true, force: true });

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: '1' }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const judge = new DialogueJudge({ baseURL: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`, model: 'm' });
  await judge.judge('q', 'r', 'a');
  const judgeMs = await timed(async () => {
    for (let i = 0; i < 50; i++) await judge.judge('q', 'r', 'a');
  }, 3);
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));

  return {
    bench: 'nli-judge',
    figures: {
      nli_pairs_per_s_batch1: Math.round((pairs.length / singleMs) * 1000),
      nli_pairs_per_s_batch16: Math.round((pairs.length / batchedMs) * 1000),
      batch_speedup_ratio: Number((singleMs / batchedMs).toFixed(2)),
      se10_greedy_ms: Number(greedyMs.toFixed(2)),
      se10_prefetch_ms: Number(prefetchMs.toFixed(2)),
      prefetch_speedup_ratio: Number((greedyMs / prefetchMs).toFixed(2)),
      dialogue_judge_ms_per_call_local: Number((judgeMs / 50).toFixed(3))
    },
    machine: machine(),
    model: { kind: 'fixture-nli', vocab: fixture.vocab.size, runtime: 'transformers.js 4.3.1 + onnxruntime-node (cpu)' }
  };
}
