/**
 * Probe-training figures for `npm run bench -- analysis` (the lead's runner combines them): logistic SEP training
 * on 2 000 × 4 608 features (8 layers × 576, SmolLM2-135M's width) and SEP-MLP seconds per epoch (default preset,
 * same data). The data are synthetic, built in code: Gaussian features with a few "massive" columns, as residual
 * streams have, and a semantic-entropy target that depends linearly on a random direction plus noise.
 */
import { keyedRandom } from '../../src/lib/core/random';
import { fitLogisticRegression } from '../../src/lib/core/probes/logisticRegression';
import { createMlp } from '../../src/lib/core/probes/mlp';
import { probeSettings, type MlpSettings } from '../../src/lib/core/probes/presets';
import { trainMlp } from '../../src/lib/core/probes/trainMlp';
import { reasoningScore } from '../../src/lib/core/scores/reasoningScore';

export interface ProbeBenchData {
  readonly X: Float32Array;
  readonly n: number;
  readonly d: number;
  /** Semantic entropy in [0, ln 10]. */
  readonly se: Float64Array;
  /** SE above its median: SEP's binary label. */
  readonly high: Uint8Array;
}

export function probeBenchData(n = 2000, d = 4608, seed = 7): ProbeBenchData {
  const r = keyedRandom(seed, 'features');
  const X = new Float32Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = r.normal();
  for (let i = 0; i < n; i++) for (const j of [17, 600, 2311]) X[i * d + j] *= 40; // massive activations
  const dir = keyedRandom(seed, 'direction');
  const w = Float64Array.from({ length: d }, () => dir.normal() / Math.sqrt(d));
  const noise = keyedRandom(seed, 'noise');
  const se = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) if (j !== 17 && j !== 600 && j !== 2311) z += w[j] * X[i * d + j];
    se[i] = Math.min(Math.log(10), Math.max(0, 1.1 + 0.5 * z + 0.3 * noise.normal()));
  }
  const sorted = Float64Array.from(se).sort();
  const median = sorted[n >> 1];
  const high = Uint8Array.from(se, (v) => (v > median ? 1 : 0));
  return { X, n, d, se, high };
}

export async function probeFigures(options: { epochs?: number } = {}): Promise<Record<string, number>> {
  const data = probeBenchData();
  const figures: Record<string, number> = {};

  let t = performance.now();
  const fit = await fitLogisticRegression(data.X, data.n, data.d, data.high);
  figures.logistic_train_s = (performance.now() - t) / 1000;
  figures.logistic_iterations = fit.nIter;
  figures.logistic_converged = fit.converged ? 1 : 0;

  const s = probeSettings('sep-mlp') as MlpSettings;
  const mlp = createMlp({ inputs: data.d, hidden: s.hidden, activation: s.activation, layerNormEps: s.layerNormEps, dropout: s.dropout, stride: s.stride }, keyedRandom(1, 'init'));
  const epochs = options.epochs ?? 2;
  t = performance.now();
  await trainMlp(mlp, data.X, data.n, data.d, data.se, { ...s, maxEpochs: epochs, seed: 1 });
  figures.sep_mlp_epoch_s = (performance.now() - t) / 1000 / epochs;

  // The logit lens on SmolLM2-135M's shape: vocab 49 152 × hidden 576, 9 layers.
  const V = 49152;
  const H = 576;
  const ru = keyedRandom(3, 'unembedding');
  const matrix = Float32Array.from({ length: V * H }, () => ru.normal() * 0.05);
  const rh = keyedRandom(3, 'hidden');
  const hidden = Float32Array.from({ length: 9 * H }, () => rh.normal());
  reasoningScore(hidden, { matrix, vocab: V, hidden: H }); // warm-up
  t = performance.now();
  const reps = 3;
  for (let i = 0; i < reps; i++) reasoningScore(hidden, { matrix, vocab: V, hidden: H });
  figures.reasoning_score_ms = (performance.now() - t) / reps;
  return figures;
}
