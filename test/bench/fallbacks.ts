/**
 * `npm run bench -- fallbacks`: speed of the Loops-to-Oops analysis on the paper's data.
 * - order_test_ms: the ordering test on one 95-question matrix with the reference's 1000 permutations per question;
 * - exact_null_speedup_ratio: how much faster the closed-form null is (higher is better);
 * - label_per_s: list completions labelled per second (a 25-line loop, matching against 5 gold answers).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labelListCompletion } from '../../src/lib/core/fallbacks/labelListCompletion';
import { orderingTest } from '../../src/lib/core/fallbacks/orderingTest';
import { machine, median } from './_machine';

function timeMs(f: () => void, reps: number): number {
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

export async function bench(): Promise<{ bench: string; figures: Record<string, number>; [k: string]: unknown }> {
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const file = join(root, 'static', 'data', 'fallbacks', 'derived', 'paper_plot_values.json');
  if (!existsSync(file)) throw new Error(`missing ${file}`);
  const data = JSON.parse(readFileSync(file, 'utf8')) as { order_matrices: Record<string, { rows: string[] }> };
  const orders = data.order_matrices['fig2/orders/Pythia_base_12B_300T.pdf'].rows.map((r) => [...r].map(Number));
  const perm = timeMs(() => orderingTest(orders, { seed: 1 }), 5);
  const exact = timeMs(() => orderingTest(orders, { exactNull: true }), 20);
  const completion = ' Thumb\n' + Array.from({ length: 30 }, (_, i) => `${i + 2}. Little finger ${i % 3}`).join('\n');
  const n = 2000;
  const label = timeMs(() => {
    for (let i = 0; i < n; i++) labelListCompletion({ completion, gold: ['Thumb', 'Index', 'Middle', 'Ring', 'Pinky'], prompt: 'P' });
  }, 3);
  process.stderr.write(`order test ${perm.toFixed(1)} ms (permutations), ${exact.toFixed(2)} ms (exact); labelling ${((n / label) * 1000).toFixed(0)}/s\n`);
  return {
    bench: 'fallbacks',
    figures: {
      order_test_ms: Math.round(perm * 10) / 10,
      exact_null_ms: Math.round(exact * 100) / 100,
      exact_null_speedup_ratio: Math.round((perm / exact) * 10) / 10,
      label_per_s: Math.round((n / label) * 1000)
    },
    machine: machine(),
    matrix: 'Pythia-12B TriviaFacts, 95 questions x 25 slots, 1000 permutations'
  };
}
