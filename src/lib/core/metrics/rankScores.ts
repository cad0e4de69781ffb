/**
 * Sort once, evaluate many times. `rankScores` sorts the items by score (ascending, stable: ties keep their input
 * order) and records where each group of tied scores ends. Every metric in this folder has a `*Ranked` form that
 * walks this order with per-item weights, so a bootstrap resample (integer counts per item) costs one O(n) pass
 * instead of a fresh O(n log n) sort.
 */
import { checkScoreArray } from './checkBinary';

export interface RankedScores {
  readonly n: number;
  /** Item indices in ascending score order (stable). */
  readonly order: Uint32Array;
  /** For each group of tied scores, in ascending order, the exclusive end of the group in `order`. */
  readonly groupEnds: Uint32Array;
  /** The score of each group (ascending). */
  readonly groupScores: Float64Array;
}

export function rankScores(scores: ArrayLike<number>, fn = 'rankScores'): RankedScores {
  checkScoreArray(scores, fn);
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b] || a - b);
  const ends: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i === n - 1 || scores[order[i + 1]] !== scores[order[i]]) {
      ends.push(i + 1);
      values.push(scores[order[i]]);
    }
  }
  return { n, order, groupEnds: Uint32Array.from(ends), groupScores: Float64Array.from(values) };
}

/**
 * Optional per-item weights for the `*Ranked` functions: one non-negative count per item (how many times a
 * bootstrap resample drew it; 0 leaves it out), or undefined for a weight of 1 each. They are trusted, not checked,
 * because the `*Ranked` functions run inside bootstrap loops; `bootstrapCi` builds them itself.
 */
export type Weights = ArrayLike<number> | undefined;

/**
 * The weighted number of hallucinated (label 1) and factual (any other label) items: Σ weights over each class,
 * summed in ranked order (a weight of 1 each when `weights` is undefined).
 */
export function classTotals(ranked: RankedScores, labels: ArrayLike<number>, weights: Weights): { readonly pos: number; readonly neg: number } {
  const { order } = ranked;
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < order.length; i++) {
    const item = order[i];
    const w = weights === undefined ? 1 : weights[item];
    if (labels[item] === 1) pos += w;
    else neg += w;
  }
  return { pos, neg };
}
