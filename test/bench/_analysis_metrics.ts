/**
 * Speed of the metrics, for `npm run bench -- analysis` (the lead combines these figures with the probe ones).
 *
 * Data: n scores with a 50/50 class split, rounded to 3 decimals (so there are ties), seeded.
 *
 * - `auroc_seconds_n100k`: `auroc` (sort once, Mann–Whitney with average ranks), median of 5 runs, n = 100 000.
 * - `bootstrap_1000_seconds_n100k`: `bootstrapCi` of AUROC, 1000 stratified resamples, one score, n = 100 000
 *   (each score sorted once; a resample is a vector of counts and a weighted O(n) pass).
 * - `pair_count_auroc_seconds_n100k`: the definition, counting all n₊·n₋ = 2.5e9 pairs, ONE AUROC at n = 100 000,
 *   measured directly (several seconds). `pair_count_ns_per_pair` is that time over n₊·n₋ (its per-unit cost).
 *   `auroc_speedup_ratio` = pair-count seconds / `auroc` seconds, both at n = 100 000 (higher is better).
 * - `naive_bootstrap_1000_seconds_n10k`: the naive bootstrap (build resample b's arrays, run the plain `auroc`
 *   with its full sort), 1000 resamples at n = 10 000, the same resamples as the fast one
 *   (`stratifiedResample`). `naive_bootstrap_ms_per_resample_n10k` is its per-unit cost.
 *   `bootstrap_speedup_ratio` = naive seconds / fast `bootstrapCi` seconds, both at n = 10 000 with 1000
 *   resamples, so the comparison is at equal n and equal work (higher is better). Only the fast one is run at
 *   n = 100 000: the naive one would be about (10·log 100 000 / log 10 000) ≈ 12.5 times its n = 10 000 time.
 */
import { auroc, bootstrapCi, splitByClass, stratifiedResample } from '../../src/lib/core/metrics/index';
import { keyedRandom } from '../../src/lib/core/random';
import { median } from './_machine';

function data(n: number, seed: number): { scores: Float64Array; labels: Uint8Array } {
  const r = keyedRandom(seed, 'bench-metrics', n);
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    scores[i] = Math.round((r.normal() + 0.8 * labels[i]) * 1000) / 1000;
  }
  return { scores, labels };
}

function seconds(f: () => unknown): number {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
}

/** AUROC by counting every (hallucinated, factual) pair, ties one half. */
function aurocPairCount(scores: Float64Array, labels: Uint8Array): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < scores.length; i++) (labels[i] === 1 ? pos : neg).push(scores[i]);
  const P = Float64Array.from(pos);
  const N = Float64Array.from(neg);
  let wins = 0;
  for (let i = 0; i < P.length; i++) {
    const p = P[i];
    for (let j = 0; j < N.length; j++) wins += p > N[j] ? 1 : p === N[j] ? 0.5 : 0;
  }
  return wins / (P.length * N.length);
}

/** The naive bootstrap: resample, copy, full AUROC (with its sort) each time. */
function naiveBootstrap(scores: Float64Array, labels: Uint8Array, nResamples: number, seed: number): Float64Array {
  const { positives, negatives } = splitByClass(labels);
  const n = labels.length;
  const draw = new Uint32Array(n);
  const out = new Float64Array(nResamples);
  for (let b = 0; b < nResamples; b++) {
    stratifiedResample(draw, positives, negatives, seed, b);
    const s = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = scores[draw[i]];
      y[i] = labels[draw[i]];
    }
    out[b] = auroc(s, y);
  }
  return out;
}

export async function metricsFigures(): Promise<Record<string, number>> {
  const big = data(100_000, 1);
  const small = data(10_000, 2);
  const log = (s: string) => process.stderr.write(`metrics: ${s}\n`);

  auroc(big.scores, big.labels); // warm up the JIT
  const aurocSec = median(Array.from({ length: 5 }, () => seconds(() => auroc(big.scores, big.labels))));
  log(`auroc n=100000: ${aurocSec.toFixed(4)} s`);

  const bootBig = seconds(() => bootstrapCi({ s: big.scores }, big.labels, { nResamples: 1000, seed: 1 }));
  log(`bootstrapCi 1000 resamples n=100000: ${bootBig.toFixed(3)} s`);

  let pairValue = NaN;
  const pairSec = seconds(() => (pairValue = aurocPairCount(big.scores, big.labels)));
  const nPairs = 50_000 * 50_000;
  log(`pair count n=100000: ${pairSec.toFixed(2)} s (AUROC ${pairValue}, fast ${auroc(big.scores, big.labels)})`);

  bootstrapCi({ s: small.scores }, small.labels, { nResamples: 50, seed: 1 }); // warm up
  const bootSmall = seconds(() => bootstrapCi({ s: small.scores }, small.labels, { nResamples: 1000, seed: 1 }));
  const naiveSmall = seconds(() => naiveBootstrap(small.scores, small.labels, 1000, 1));
  log(`bootstrap 1000 resamples n=10000: fast ${bootSmall.toFixed(3)} s, naive ${naiveSmall.toFixed(3)} s`);

  return {
    auroc_seconds_n100k: aurocSec,
    bootstrap_1000_seconds_n100k: bootBig,
    pair_count_auroc_seconds_n100k: pairSec,
    pair_count_ns_per_pair: (pairSec * 1e9) / nPairs,
    auroc_speedup_ratio: pairSec / aurocSec,
    bootstrap_1000_seconds_n10k: bootSmall,
    naive_bootstrap_1000_seconds_n10k: naiveSmall,
    naive_bootstrap_ms_per_resample_n10k: (naiveSmall * 1000) / 1000, // ms over 1000 resamples
    bootstrap_speedup_ratio: naiveSmall / bootSmall
  };
}
