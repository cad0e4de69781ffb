/**
 * The SEP paper's "best split" of semantic entropy into low and high (Kossen et al. 2024, §4; `best_split` in the
 * OATML/semantic-entropy-probes notebook; method-spikescore.md §3.3).
 *
 * Candidates are 100 thresholds t_k = linspace(1e-10, max SE, 100), built as numpy does (t_k = 1e-10 + k·step with
 * step = (max − 1e-10)/99, the last one set to max exactly). For each, the samples split into a low group
 * (SE < t_k, strictly) and a high group (SE ≥ t_k), and the error is the summed within-group squared error
 *
 *   E(t) = Σ_{low} (SE_i − mean_low)² + Σ_{high} (SE_i − mean_high)²
 *
 * (an empty group contributes 0). The threshold is the candidate with the smallest error; on ties the first
 * (smallest k), as `np.argmin`. Pool every dataset's SE before calling it for the paper's "universal" split.
 *
 * Arithmetic is float64. The reference held SE in float32 (a torch tensor), so a sample lying within float32
 * rounding of a candidate may fall on the other side there; nothing else differs.
 *
 * Degenerate input: an empty list has no split (threshold NaN, reason 'empty'). When every SE is the same the
 * errors are all 0 and the first candidate (1e-10) is returned: every sample then binarises to one class.
 */
import { typeName } from '../issues';

export const BEST_SPLIT_CANDIDATES = 100;
export const BEST_SPLIT_START = 1e-10;

export interface BestSplit {
  /** The chosen threshold t (NaN for empty input). Binarise with `binarise(se, t)`. */
  readonly threshold: number;
  /** Index of t among the candidates (−1 for empty input). */
  readonly index: number;
  /** E(t), the smallest summed within-group squared error. */
  readonly error: number;
  /** All candidates and their errors, e.g. to plot the curve as the notebook does. */
  readonly candidates: Float64Array;
  readonly errors: Float64Array;
  readonly reason: 'empty' | null;
}

/** numpy.linspace(start, stop, num) with endpoint=True, element for element. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 0) return out;
  const div = num - 1;
  const delta = stop - start;
  const step = div > 0 ? delta / div : NaN;
  for (let i = 0; i < num; i++) {
    // numpy falls back to (i / div) · delta when the step underflows to 0.
    out[i] = (step === 0 ? (i / div) * delta : i * step) + start;
  }
  if (num > 1) out[num - 1] = stop;
  return out;
}

function sumSquaredError(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let s = 0;
  for (const v of values) s += v;
  const mean = s / values.length;
  let e = 0;
  for (const v of values) e += (v - mean) * (v - mean);
  return e;
}

/**
 * bestSplit(se) returns the SEP binarisation threshold of the semantic entropies `se` (length n, each finite and
 * ≥ 0).
 *
 * @example bestSplit([0, 0, 0, 1.0986, 1.0986]) picks a threshold in (0, 1.0986]: the two groups {0,0,0} and
 *   {1.0986, 1.0986} have error 0.
 */
export function bestSplit(se: ArrayLike<number>): BestSplit {
  if (se === null || typeof se !== 'object' || typeof se.length !== 'number') {
    throw new TypeError(`se must be an array of semantic entropies, got ${typeName(se)}`);
  }
  const values: number[] = [];
  for (let i = 0; i < se.length; i++) {
    const v = se[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new TypeError(`se[${i}] must be a finite number ≥ 0, got ${typeName(v)} ${String(v)}`);
    }
    values.push(v);
  }
  if (values.length === 0) {
    return { threshold: NaN, index: -1, error: NaN, candidates: new Float64Array(0), errors: new Float64Array(0), reason: 'empty' };
  }
  let max = values[0];
  for (const v of values) if (v > max) max = v;
  const candidates = linspace(BEST_SPLIT_START, max, BEST_SPLIT_CANDIDATES);
  const errors = new Float64Array(candidates.length);
  let best = 0;
  for (let k = 0; k < candidates.length; k++) {
    const t = candidates[k];
    const low: number[] = [];
    const high: number[] = [];
    for (const v of values) (v < t ? low : high).push(v);
    errors[k] = sumSquaredError(low) + sumSquaredError(high);
    if (errors[k] < errors[best]) best = k;
  }
  return { threshold: candidates[best], index: best, error: errors[best], candidates, errors, reason: null };
}
