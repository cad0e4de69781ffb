/**
 * Picks the items of a run, as the seed's `_apply_sampling` does:
 *
 * - `all` (or no n): every item, in file order;
 * - `sequential`: the first n;
 * - `random`: a seeded shuffle, then the first n (in shuffled order).
 *
 * As in the seed, n ≥ the number of items (or n ≤ 0) keeps every item in file order, even for `random`.
 *
 * The shuffle is a Fisher–Yates permutation drawn from `keyedRandom(seed, 'dataset-sampling')`. It is NOT the same
 * selection as the seed's Hugging Face `Dataset.shuffle(seed=42)` (a NumPy PCG64 permutation over Arrow indices),
 * which cannot be reproduced in TypeScript without porting NumPy's generator: runs here draw a different, but
 * equally seeded and reproducible, sample of the same size.
 */
import { keyedRandom, permutation } from '../random';

export interface SamplingSpec {
  readonly strategy: 'random' | 'sequential' | 'all';
  readonly n: number | null;
  readonly seed: number;
}

export function sampleItems<T>(items: readonly T[], sampling: SamplingSpec): T[] {
  const n = sampling.n;
  if (sampling.strategy === 'all' || n === null || n <= 0 || n >= items.length) return [...items];
  if (sampling.strategy === 'sequential') return items.slice(0, n);
  const order = permutation(items.length, keyedRandom(sampling.seed, 'dataset-sampling'));
  return Array.from(order.subarray(0, n), (i) => items[i]);
}
