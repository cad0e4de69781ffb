/**
 * Training settings per probe kind and preset, in one place (nanoGPT keeps its defaults at the top of train.py).
 *
 * - `sep`: scikit-learn's `LogisticRegression()` (C = 1, tol 1e-4), run to convergence (≤ 1000 iterations).
 * - `sep-mlp` `default`: the seed trainer's dataclass defaults (hidden [256, 128]) with early stopping: at most
 *   50 epochs, stop after 10 without a better validation loss.
 * - `sep-mlp` `seed-slow`: the seed's example run (hidden [1024, 512, 128], 200 epochs, no early stopping; the best
 *   epoch by validation loss is kept). Slow: minutes per epoch on a laptop at 4 096+ inputs.
 * - `saplma` `default`: Azaria & Mitchell's classifier (256/128/64 ReLU, sigmoid), BCE, Adam at Keras's defaults
 *   (lr 1e-3, batch 32), 5 epochs as the original; the best epoch by validation loss is kept.
 *
 * Shared: the SEP-MLP block is Linear → LayerNorm(1e-5) → Mish → Dropout(0.2·(1 + 0.1·i)); Huber δ = 0.5; AdamW
 * lr 1e-4, weight decay 1e-3, batch 16; ReduceLROnPlateau(patience 5, factor 0.5); 10 % validation split.
 */
import { InputError } from '../issues';
import type { Activation } from './mlp';
import type { LossKind } from './losses';
import type { ProbeKind } from './probe';

export type ProbePresetName = 'default' | 'seed-slow';
export const PROBE_PRESETS: readonly ProbePresetName[] = ['default', 'seed-slow'];

export interface LogisticSettings {
  readonly model: 'logistic';
  readonly C: number;
  readonly tol: number;
  readonly maxIter: number;
  readonly valFraction: number;
  readonly slow: false;
}

export interface MlpSettings {
  readonly model: 'mlp';
  readonly hidden: readonly number[];
  readonly activation: Activation;
  readonly layerNormEps: number | null;
  readonly dropout: readonly number[];
  /** Modules per block in the PyTorch Sequential: 4 for ProbeModel, 2 for SAPLMA. */
  readonly stride: number;
  readonly loss: LossKind;
  readonly huberDelta: number;
  readonly lr: number;
  readonly weightDecay: number;
  readonly batchSize: number;
  readonly maxEpochs: number;
  readonly plateau: { readonly patience: number; readonly factor: number } | null;
  readonly earlyStoppingPatience: number | null;
  readonly valFraction: number;
  /** Marked slow: the page warns before starting it. */
  readonly slow: boolean;
}

export type ProbeSettings = LogisticSettings | MlpSettings;

/** SEP-MLP dropout of block i: 0.2·(1 + 0.1·i). */
export function sepMlpDropout(blocks: number): number[] {
  return Array.from({ length: blocks }, (_, i) => 0.2 * (1 + 0.1 * i));
}

function sepMlp(hidden: number[], maxEpochs: number, earlyStoppingPatience: number | null, slow: boolean): MlpSettings {
  return {
    model: 'mlp',
    hidden,
    activation: 'mish',
    layerNormEps: 1e-5,
    dropout: sepMlpDropout(hidden.length),
    stride: 4,
    loss: 'huber',
    huberDelta: 0.5,
    lr: 1e-4,
    weightDecay: 1e-3,
    batchSize: 16,
    maxEpochs,
    plateau: { patience: 5, factor: 0.5 },
    earlyStoppingPatience,
    valFraction: 0.1,
    slow
  };
}

/** The settings of `kind` under `preset`; a preset a kind does not define is an `InputError`. */
export function probeSettings(kind: ProbeKind, preset: ProbePresetName = 'default'): ProbeSettings {
  if (!PROBE_PRESETS.includes(preset)) throw new InputError(`preset must be one of ${PROBE_PRESETS.join(', ')}, got ${JSON.stringify(preset)}`);
  if (kind === 'sep-mlp') return preset === 'seed-slow' ? sepMlp([1024, 512, 128], 200, null, true) : sepMlp([256, 128], 50, 10, false);
  if (preset !== 'default') throw new InputError(`preset ${preset} is defined for sep-mlp only; ${kind} has just the default`);
  if (kind === 'sep') return { model: 'logistic', C: 1, tol: 1e-4, maxIter: 1000, valFraction: 0.1, slow: false };
  if (kind === 'saplma') {
    return {
      model: 'mlp',
      hidden: [256, 128, 64],
      activation: 'relu',
      layerNormEps: null,
      dropout: [0, 0, 0],
      stride: 2,
      loss: 'bce',
      huberDelta: 0.5,
      lr: 1e-3,
      weightDecay: 0,
      batchSize: 32,
      maxEpochs: 5,
      plateau: null,
      earlyStoppingPatience: null,
      valFraction: 0.1,
      slow: false
    };
  }
  throw new InputError(`kind must be one of sep, sep-mlp, saplma, got ${JSON.stringify(kind)}`);
}
