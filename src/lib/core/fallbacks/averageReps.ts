/**
 * Averages the labels of R sampled completions of one prompt (method-fallbacks.md §4.4, "Reps"), as the reference
 * does for `--reps R` with temperature sampling.
 */
import type { ListCounts } from './labelListCompletion';
import type { SlotLabel } from './labels';
import { countMeans } from './meanCounts';

export interface RepSample extends ListCounts {
  readonly order: readonly SlotLabel[];
  /** Token-level degeneration at the end of the sample (`analyzeSequence(...).degeneratedTail`), when computed. */
  readonly degenerated_tail?: boolean;
}

export interface AveragedRow extends ListCounts {
  /** The order of the FIRST sample (the reference keeps the first and ignores the others). */
  readonly order: SlotLabel[];
  /** True when more than half of the samples had a degenerated tail (Python's `round(mean) == 1`, ties to even). */
  readonly degenerated_tail?: boolean;
  readonly reps: number;
}

/**
 * Sums every count over the samples and divides by R, so the values are fractions (multiples of 1/R); the
 * averaged counts still sum to 25 for list tasks. One sample is returned unchanged (no division), as in the
 * reference. `degenerated_tail` is set only when every sample has it.
 *
 * @example averageReps([a, b]).correct // (a.correct + b.correct) / 2
 */
export function averageReps(samples: readonly RepSample[]): AveragedRow {
  if (!Array.isArray(samples) || samples.length === 0) {
    throw new TypeError(`averageReps(samples): samples must be a non-empty array, got ${Array.isArray(samples) ? 'an empty array' : typeof samples}`);
  }
  const r = samples.length;
  const tails = samples.map((s) => s.degenerated_tail);
  const hasTail = tails.every((t) => typeof t === 'boolean');
  // round(m) == 1 for m in [0, 1] with ties to even: exactly m > 0.5.
  const tail = hasTail ? tails.filter(Boolean).length / r > 0.5 : undefined;
  return {
    ...countMeans(samples),
    order: [...samples[0].order],
    ...(hasTail ? { degenerated_tail: tail } : {}),
    reps: r
  };
}
