/**
 * The SEP label from semantic entropy and a threshold (`binarize_entropy` in the SEP notebook):
 *
 *   b = 1 (high SE, the positive class: more likely hallucinated) if SE > t,
 *   b = 0 (low SE) if SE < t,
 *   b = null if SE = t exactly.
 *
 * Equality: the notebook leaves such a sample at −1, in neither class; we return null so that the caller drops it
 * (and can count it) rather than silently joining a class. With `bestSplit`'s threshold this happens only when a
 * sample equals a candidate exactly, typically the largest SE when the last candidate (= max SE) wins.
 */
import { typeName } from '../issues';

export function binarise(se: number, threshold: number): 0 | 1 | null {
  if (typeof se !== 'number' || Number.isNaN(se)) throw new TypeError(`se must be a number, got ${typeName(se)} ${String(se)}`);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new TypeError(`threshold must be a finite number, got ${typeName(threshold)} ${String(threshold)}`);
  }
  if (se > threshold) return 1;
  if (se < threshold) return 0;
  return null;
}
