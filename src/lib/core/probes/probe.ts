/**
 * A probe maps one turn's hidden states (the selected layers at one token position, concatenated layer-major) to
 * a per-turn score. Direction, for every kind: **a higher score means more likely hallucinated**.
 *
 * | kind      | model                                   | score (`header.output`)                         |
 * | --------- | --------------------------------------- | ----------------------------------------------- |
 * | `sep`     | logistic regression on binarised SE     | `p_high_se`: P(high SE) = σ(w·x + b)           |
 * | `sep-mlp` | MLP regressor of raw SE (seed's probe)  | `se`: the predicted semantic entropy (nats)     |
 * | `saplma`  | MLP classifier of truth (Azaria & Mitchell) | `p_false`: 1 − P(true) = σ(−z)             |
 *
 * When the header holds an input normalisation, x is first standardised: x'_j = (x_j − mean_j) / std_j.
 */
import { InputError, typeName, type Issue } from '../issues';
import { sigmoid } from './logisticRegression';
import { forwardMlp, mlpParameters, mlpZeros, type Mlp, type NamedParameter } from './mlp';
import type { TokenPosition } from './tokenPosition';
import type { EpochRecord } from './trainMlp';

export type ProbeKind = 'sep' | 'sep-mlp' | 'saplma';
export const PROBE_KINDS: readonly ProbeKind[] = ['sep', 'sep-mlp', 'saplma'];

export const PROBE_FORMAT_VERSION = 1;

/** What `predict` returns, per kind (see the table above). */
export const PROBE_OUTPUT: Readonly<Record<ProbeKind, 'p_high_se' | 'se' | 'p_false'>> = { sep: 'p_high_se', 'sep-mlp': 'se', saplma: 'p_false' };

export interface MlpArchitecture {
  readonly hidden: readonly number[];
  readonly activation: 'mish' | 'relu';
  readonly layer_norm_eps: number | null;
  /** Dropout per block in training (inactive when predicting). */
  readonly dropout: readonly number[];
  /** Modules per block in the PyTorch Sequential (state-dict names `model.{i·stride}`). */
  readonly stride: number;
}

/** What training did, stored in the probe file. Loss curves are per epoch (MLPs) or per iteration (logistic). */
export interface TrainingSummary {
  readonly n: number;
  readonly n_train: number;
  readonly n_val: number;
  readonly seed: number | string;
  readonly preset: string | null;
  readonly loss: string;
  readonly loss_curve: readonly EpochRecord[];
  readonly best_epoch: number | null;
  readonly stopped_early: boolean;
  /** Logistic only: whether ‖∇F‖∞ ≤ tol was reached, and in how many iterations. */
  readonly converged?: boolean;
  readonly n_iter?: number;
  /** Metrics on the validation rows (null where undefined, e.g. a correlation of constant predictions). */
  readonly validation: Readonly<Record<string, number | null>>;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  /** How the targets were made (e.g. the SE threshold of SEP's best split) and where the data came from. */
  readonly labels?: Readonly<Record<string, unknown>>;
  readonly data?: readonly string[];
  readonly [key: string]: unknown;
}

export interface ProbeHeader {
  readonly format_version: number;
  readonly kind: ProbeKind;
  readonly model_id: string | null;
  /** Width of one layer's hidden state; null when unknown (a scikit-learn export without a layer range). */
  readonly hidden_size: number | null;
  /** The position and layers the probe was trained on; null when unknown (scikit-learn export): then the caller says. */
  readonly token_position: TokenPosition | null;
  /** Half-open [a, b) over hidden-state indices. */
  readonly layer_range: readonly [number, number] | null;
  /** Length of x: (b − a) · hidden_size. */
  readonly input_dim: number;
  readonly output: 'p_high_se' | 'se' | 'p_false';
  readonly normalization: { readonly mean: string; readonly std: string } | null;
  readonly architecture: MlpArchitecture | null;
  readonly training: TrainingSummary | null;
  /** Where the probe came from: trained here, or a scikit-learn JSON export. */
  readonly source: 'spikescore' | 'sklearn-json';
}

export interface Probe {
  readonly kind: ProbeKind;
  readonly header: ProbeHeader;
  /** The per-turn score of one feature vector x (length `header.input_dim`): higher = more hallucinated. */
  predict(x: Float32Array): number;
  /** The tensors that define the probe, named as in its file (F32). */
  parameters(): NamedParameter[];
}

export interface Normalization {
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

export const NORMALIZATION_TENSORS = { mean: 'input_mean', std: 'input_std' } as const;

function checkInput(x: unknown, dim: number, kind: ProbeKind): asserts x is Float32Array {
  if (!(x instanceof Float32Array)) throw new TypeError(`a ${kind} probe needs x as a Float32Array of ${dim} values, got ${typeName(x)}`);
  if (x.length !== dim) throw new TypeError(`a ${kind} probe takes ${dim} values (its input_dim) but x has ${x.length}`);
}

function normalised(x: Float32Array, norm: Normalization | null): Float32Array {
  if (!norm) return x;
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = (x[j] - norm.mean[j]) / norm.std[j];
  return out;
}

function normParameters(norm: Normalization | null): NamedParameter[] {
  if (!norm) return [];
  return [
    { name: NORMALIZATION_TENSORS.mean, shape: [norm.mean.length], value: norm.mean },
    { name: NORMALIZATION_TENSORS.std, shape: [norm.std.length], value: norm.std }
  ];
}

/** A logistic probe: P(class 1) = σ(coef·x' + intercept). */
export function logisticProbe(header: ProbeHeader, coef: Float32Array | Float64Array, intercept: number, norm: Normalization | null = null): Probe {
  if (coef.length !== header.input_dim) throw new TypeError(`coef has ${coef.length} values but input_dim is ${header.input_dim}`);
  const w = Float64Array.from(coef);
  return {
    kind: header.kind,
    header,
    predict(x: Float32Array): number {
      checkInput(x, w.length, header.kind);
      const v = normalised(x, norm);
      let z = intercept;
      for (let j = 0; j < w.length; j++) z += w[j] * v[j];
      return sigmoid(z);
    },
    parameters: () => [
      { name: 'coef', shape: [w.length], value: Float32Array.from(w) },
      { name: 'intercept', shape: [1], value: Float32Array.of(intercept) },
      ...normParameters(norm)
    ]
  };
}

/** An MLP probe: `sep-mlp` returns z (predicted SE); `saplma` returns 1 − σ(z) = σ(−z), z being the logit of "true". */
export function mlpProbe(header: ProbeHeader, mlp: Mlp, norm: Normalization | null = null): Probe {
  if (mlp.inputs !== header.input_dim) throw new TypeError(`the MLP takes ${mlp.inputs} inputs but input_dim is ${header.input_dim}`);
  const truth = header.kind === 'saplma';
  return {
    kind: header.kind,
    header,
    predict(x: Float32Array): number {
      checkInput(x, mlp.inputs, header.kind);
      const z = forwardMlp(mlp, normalised(x, norm), 1).z[0];
      return truth ? sigmoid(-z) : z;
    },
    parameters: () => [...mlpParameters(mlp), ...normParameters(norm)]
  };
}

/**
 * probeFromParameters(header, tensors, where) rebuilds a probe from its header and named F32 tensors (as
 * `parameters()` gives them). A missing tensor or one of the wrong size is an `InputError` naming `where` (a
 * file) and the tensor.
 */
export function probeFromParameters(header: ProbeHeader, tensors: ReadonlyMap<string, { shape: readonly number[]; value: Float32Array }>, where: string): Probe {
  const issues: Issue[] = [];
  const get = (name: string, shape: readonly number[]): Float32Array | null => {
    const t = tensors.get(name);
    if (!t) {
      issues.push({ code: 'missing_field', path: [name], message: `${where}: a ${header.kind} probe needs tensor "${name}" [${shape.join(', ')}], which is missing`, where });
      return null;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (t.value.length !== size || t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      issues.push({ code: 'mismatch', path: [name], message: `${where}: tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`, where });
      return null;
    }
    return t.value;
  };
  const D = header.input_dim;
  let norm: Normalization | null = null;
  if (header.normalization) {
    const mean = get(header.normalization.mean, [D]);
    const std = get(header.normalization.std, [D]);
    if (mean && std) norm = { mean, std };
  }
  if (header.kind === 'sep') {
    const coef = get('coef', [D]);
    const intercept = get('intercept', [1]);
    if (issues.length || !coef || !intercept) throw new InputError(issues);
    return logisticProbe(header, coef, intercept[0], norm);
  }
  const arch = header.architecture;
  if (!arch) throw new InputError([{ code: 'missing_field', path: ['architecture'], message: `${where}: a ${header.kind} probe needs "architecture" in its header`, where }]);
  const mlp = mlpZeros({ inputs: D, hidden: arch.hidden, activation: arch.activation, layerNormEps: arch.layer_norm_eps, dropout: arch.dropout, stride: arch.stride });
  for (const p of mlpParameters(mlp)) {
    const v = get(p.name, p.shape);
    if (v) p.value.set(v);
  }
  if (issues.length) throw new InputError(issues);
  return mlpProbe(header, mlp, norm);
}
