/**
 * trainProbe: one entry point for the three probe kinds, from a feature matrix and targets to a `Probe` whose
 * header carries everything needed to apply it again (position, layers, normalisation) and a training summary.
 *
 * Targets, by kind (the caller builds them; `core/semantic` makes SEP's binarised labels):
 * - `sep`: 0/1, 1 = high semantic entropy (above the best split); the probe scores P(high SE).
 * - `sep-mlp`: raw semantic entropy (nats); the probe scores the predicted SE.
 * - `saplma`: 0/1 truth labels, 1 = the answer is correct; the probe scores 1 − P(true).
 *
 * Every kind holds out the same seeded validation split (`trainValSplit(n, 0.1, seed)`), fits on the rest and
 * reports validation metrics. The optional input normalisation standardises each column with the training rows'
 * mean and population standard deviation (a zero deviation counts as 1, as scikit-learn's StandardScaler).
 */
import type { KeyPart } from '../random';
import { InputError } from '../issues';
import { fitLogisticRegression, sigmoid } from './logisticRegression';
import { createMlp, forwardMlp } from './mlp';
import { probeSettings, type MlpSettings, type ProbePresetName, type ProbeSettings } from './presets';
import { logisticProbe, mlpProbe, NORMALIZATION_TENSORS, PROBE_FORMAT_VERSION, PROBE_OUTPUT, type Normalization, type Probe, type ProbeHeader, type ProbeKind } from './probe';
import type { TokenPosition } from './tokenPosition';
import { trainMlp, trainValSplit, type EpochRecord } from './trainMlp';
import { checkBinaryLabels, checkMatrix, checkTargets } from './validate';
import { classificationMetrics, regressionMetrics } from './validationMetrics';
import { keyedRandom } from '../random';

export interface ProbeTrainInput {
  readonly kind: ProbeKind;
  /** Row-major `[n × d]`: each row one item's selected layers at one position, concatenated layer-major. */
  readonly X: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly y: ArrayLike<number>;
  readonly seed: number | string;
  readonly preset?: ProbePresetName;
  /** Standardise the inputs (default false: the seed code and scikit-learn's default do not). */
  readonly normalize?: boolean;
  /** Where x comes from; stored in the header and enforced when the probe is applied. */
  readonly modelId: string | null;
  readonly hiddenSize: number;
  readonly tokenPosition: TokenPosition;
  readonly layerRange: readonly [number, number];
  /** Replaces preset values (tests use tiny networks). */
  readonly overrides?: Partial<Omit<MlpSettings, 'model'>>;
  /** Stored in the summary: how targets were made, and the data folders. */
  readonly labels?: Readonly<Record<string, unknown>>;
  readonly data?: readonly string[];
  /** After each epoch (MLPs) or iteration (logistic): (index from 1, training loss, validation loss). */
  readonly onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
  readonly signal?: AbortSignal;
}

function gather(X: Float32Array, d: number, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(X.subarray(rows[i] * d, rows[i] * d + d), i * d);
  return out;
}

/** Column means and population standard deviations of `[n × d]`, a zero deviation replaced by 1. */
export function columnStats(X: Float32Array, n: number, d: number): Normalization {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] += X[o + j];
  }
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const c = X[o + j] - mean[j];
      sq[j] += c * c;
    }
  }
  const std = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(sq[j] / n);
    std[j] = s > 0 ? s : 1;
  }
  return { mean: Float32Array.from(mean), std };
}

function applyNorm(X: Float32Array, n: number, d: number, norm: Normalization): void {
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) X[o + j] = (X[o + j] - norm.mean[j]) / norm.std[j];
  }
}

export async function trainProbe(input: ProbeTrainInput): Promise<Probe> {
  const { kind, X, n, d, y } = input;
  checkMatrix(X, n, d);
  if (kind === 'sep-mlp') checkTargets(y, n);
  else checkBinaryLabels(y, n);
  const [a, b] = input.layerRange;
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a < b)) throw new TypeError(`layerRange must be [a, b) with integers 0 ≤ a < b, got [${a}, ${b})`);
  if ((b - a) * input.hiddenSize !== d) {
    throw new TypeError(`d must be (b − a) · hiddenSize = ${b - a} · ${input.hiddenSize} = ${(b - a) * input.hiddenSize}, got ${d}`);
  }
  const base = probeSettings(kind, input.preset ?? 'default');
  const settings: ProbeSettings = base.model === 'mlp' ? { ...base, ...input.overrides, model: 'mlp' } : base;
  const { train, val } = trainValSplit(n, settings.valFraction, input.seed as KeyPart);
  const Xtr = gather(X, d, train);
  const Xva = gather(X, d, val);
  const ytr = Float64Array.from(train, (i) => y[i]);
  const yva = Float64Array.from(val, (i) => y[i]);
  let norm: Normalization | null = null;
  if (input.normalize) {
    norm = columnStats(Xtr, train.length, d);
    applyNorm(Xtr, train.length, d, norm);
    applyNorm(Xva, val.length, d, norm);
  }
  const headerBase = {
    format_version: PROBE_FORMAT_VERSION,
    kind,
    model_id: input.modelId,
    hidden_size: input.hiddenSize,
    token_position: input.tokenPosition,
    layer_range: [a, b] as const,
    input_dim: d,
    output: PROBE_OUTPUT[kind],
    normalization: norm ? { ...NORMALIZATION_TENSORS } : null,
    source: 'spikescore' as const
  };
  const common = { n, n_train: train.length, n_val: val.length, seed: input.seed, preset: input.preset ?? 'default', labels: input.labels, data: input.data };

  if (settings.model === 'logistic') {
    let positives = 0;
    for (let i = 0; i < ytr.length; i++) positives += ytr[i];
    if (positives === 0 || positives === ytr.length) {
      throw new InputError([{ code: 'invalid_value', path: ['y'], message: `the training rows hold only class ${positives === 0 ? 0 : 1} (${ytr.length} rows); a sep probe needs high- and low-SE samples` }]);
    }
    const curve: EpochRecord[] = [];
    const pva = new Float64Array(val.length);
    const valLoss = (w: Float64Array, c: number): number => {
      for (let i = 0; i < val.length; i++) {
        let z = c;
        const o = i * d;
        for (let j = 0; j < d; j++) z += w[j] * Xva[o + j];
        pva[i] = sigmoid(z);
      }
      return classificationMetrics(pva, yva).log_loss ?? NaN;
    };
    const fit = await fitLogisticRegression(Xtr, train.length, d, ytr, {
      C: settings.C,
      tol: settings.tol,
      maxIter: settings.maxIter,
      signal: input.signal,
      onIteration: (iter, objective, _g, w, c) => {
        const vl = valLoss(w, c);
        curve.push({ epoch: iter, train_loss: objective / train.length, val_loss: vl, lr: null });
        input.onEpoch?.(iter, objective / train.length, vl);
      }
    });
    valLoss(fit.coef, fit.intercept);
    const header: ProbeHeader = {
      ...headerBase,
      architecture: null,
      training: {
        ...common,
        loss: 'logistic (L2, C = 1, unpenalised intercept); loss_curve.train_loss is F/n_train',
        loss_curve: curve,
        best_epoch: null,
        stopped_early: false,
        converged: fit.converged,
        n_iter: fit.nIter,
        validation: classificationMetrics(pva, yva),
        hyperparameters: { C: settings.C, tol: settings.tol, max_iter: settings.maxIter, solver: fit.solver, val_fraction: settings.valFraction }
      }
    };
    return logisticProbe(header, fit.coef, fit.intercept, norm);
  }

  const mlp = createMlp(
    { inputs: d, hidden: settings.hidden, activation: settings.activation, layerNormEps: settings.layerNormEps, dropout: settings.dropout, stride: settings.stride },
    keyedRandom(input.seed as KeyPart, 'init')
  );
  // trainMlp splits again with the same seed; hand it the already split rows as one matrix instead.
  const Xall = new Float32Array((train.length + val.length) * d);
  Xall.set(Xtr, 0);
  Xall.set(Xva, train.length * d);
  const yall = new Float64Array(train.length + val.length);
  yall.set(ytr, 0);
  yall.set(yva, train.length);
  const result = await trainMlp(mlp, Xall, train.length + val.length, d, yall, {
    loss: settings.loss,
    huberDelta: settings.huberDelta,
    lr: settings.lr,
    weightDecay: settings.weightDecay,
    batchSize: settings.batchSize,
    maxEpochs: settings.maxEpochs,
    plateau: settings.plateau,
    earlyStoppingPatience: settings.earlyStoppingPatience,
    split: { train: Uint32Array.from({ length: train.length }, (_, i) => i), val: Uint32Array.from({ length: val.length }, (_, i) => train.length + i) },
    seed: input.seed as KeyPart,
    signal: input.signal,
    onEpoch: input.onEpoch
  });
  const { z } = forwardMlp(mlp, Xva, val.length);
  const validation =
    kind === 'saplma'
      ? { ...classificationMetrics(Float64Array.from(z, (v) => sigmoid(v)), yva), val_loss: result.bestValLoss }
      : { ...regressionMetrics(z, yva, settings.huberDelta), val_loss: result.bestValLoss };
  const header: ProbeHeader = {
    ...headerBase,
    architecture: { hidden: [...settings.hidden], activation: settings.activation, layer_norm_eps: settings.layerNormEps, dropout: [...settings.dropout], stride: settings.stride },
    training: {
      ...common,
      loss: settings.loss === 'huber' ? `huber (delta ${settings.huberDelta})` : 'binary cross-entropy',
      loss_curve: result.history,
      best_epoch: result.bestEpoch,
      stopped_early: result.stoppedEarly,
      diverged: result.diverged,
      validation,
      hyperparameters: {
        hidden: settings.hidden,
        dropout: settings.dropout,
        optimizer: settings.weightDecay > 0 ? 'adamw' : 'adam',
        lr: settings.lr,
        weight_decay: settings.weightDecay,
        batch_size: settings.batchSize,
        max_epochs: settings.maxEpochs,
        plateau: settings.plateau,
        early_stopping_patience: settings.earlyStoppingPatience,
        val_fraction: settings.valFraction,
        slow: settings.slow
      }
    }
  };
  return mlpProbe(header, mlp, norm);
}
