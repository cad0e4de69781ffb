/**
 * `npm run bench -- analysis [--epochs=2]`: the analysis side's costs in one result: the metrics
 * (`_analysis_metrics.ts`: AUROC and its bootstrap against the pair-counting definition and the naive bootstrap)
 * and the probes (`_analysis_probes.ts`: logistic SEP training, SEP-MLP seconds per epoch, the logit-lens RS of one
 * turn), with the sizes each figure was measured at and the machine (design.md, "Benchmarks").
 *
 * Ratios: `auroc_speedup_ratio` and `bootstrap_speedup_ratio` (higher is better; see `_analysis_metrics.ts`).
 */
import { metricsFigures } from './_analysis_metrics';
import { probeFigures } from './_analysis_probes';
import { machine } from './_machine';
import { probeSettings, type MlpSettings } from '../../src/lib/core/probes/presets';

export async function bench(args: Record<string, string> = {}) {
  const epochs = Number(args.epochs ?? 2);
  const log = (s: string) => process.stderr.write(s + '\n');
  log('metrics…');
  const metrics = await metricsFigures();
  log('probes…');
  const probes = await probeFigures({ epochs });
  const mlp = probeSettings('sep-mlp') as MlpSettings;
  return {
    bench: 'analysis',
    figures: { ...metrics, ...probes },
    sizes: {
      metrics: {
        auroc_n: 100_000,
        auroc_runs: 5,
        statistic: 'median of 5 (auroc); one run (the others)',
        bootstrap_resamples: 1000,
        bootstrap_n: [10_000, 100_000],
        pair_count_n: 100_000,
        naive_bootstrap_n: 10_000,
        classes: '50/50, scores rounded to 3 decimals (ties)'
      },
      probes: {
        rows: 2000,
        features: 4608,
        features_are: '8 layers × 576 (SmolLM2-135M width), synthetic Gaussian with 3 massive columns',
        logistic: 'scikit-learn LogisticRegression() settings (C = 1, tol 1e-4, ≤ 1000 iterations), to convergence',
        sep_mlp_hidden: [...mlp.hidden],
        sep_mlp_batch: mlp.batchSize,
        sep_mlp_epochs_timed: epochs,
        logit_lens: { vocab: 49152, hidden: 576, layers: 9, repeats: 3 }
      }
    },
    runtime: { engine: 'Node (no WASM here: plain TypeScript on float32/float64 arrays)', threads: 1 },
    machine: machine()
  };
}
