/**
 * The p-quantile of values sorted ascending, by linear interpolation between order statistics (Hyndman–Fan type 7,
 * numpy's default `method="linear"`): h = (n − 1)·p, q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]), computed the way
 * numpy's `_lerp` does (from the upper end when the fraction is ≥ ½) so values agree to the last bit.
 *
 * Degenerate input: empty → NaN. `p` outside [0, 1] throws `InputError`. The caller sorts (NaN-free input).
 */
import { InputError } from '../issues';

export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) {
    throw new InputError([{ code: 'invalid_value', path: ['p'], message: `quantileSorted: p must be a number in [0, 1], got ${String(p)}` }]);
  }
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const i = Math.floor(h);
  if (i >= n - 1) return sorted[n - 1];
  const t = h - i;
  const a = sorted[i];
  const b = sorted[i + 1];
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}
