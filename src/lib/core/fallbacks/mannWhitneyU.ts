/**
 * The two-sided Mann–Whitney U test as SciPy's `mannwhitneyu(x, y)` computes it with its defaults
 * (`alternative='two-sided'`, `method='auto'`, `use_continuity=True`), which is what the reference calls.
 */
import { normalSf } from './normalTail';

export interface MannWhitneyResult {
  /** U of the first sample: R₁ − n₁(n₁+1)/2, with average ranks for ties (SciPy's `statistic`). */
  readonly u1: number;
  /** Two-sided p-value in [0, 1]. */
  readonly p: number;
  /** z of the normal approximation (NaN for the exact method). */
  readonly z: number;
  /** What SciPy's `method='auto'` picks: exact when a sample has at most 8 values and there are no ties. */
  readonly method: 'exact' | 'asymptotic';
}

/** Average ranks (1-based) of the values, and the sizes of the tie groups. */
function rankWithTies(values: readonly number[]): { ranks: Float64Array; ties: number[] } {
  const idx = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  const ties: number[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]] === values[idx[i]]) j++;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[idx[k]] = r;
    ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** P(U ≥ k) under H₀ for samples of sizes m and n without ties, by counting arrangements. */
function exactSf(k: number, m: number, n: number): number {
  // counts[i][j][u]: arrangements of i x-values and j y-values with U = u (x beats y u times).
  let prev: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(m * n + 1));
  for (let j = 0; j <= n; j++) prev[j][0] = 1;
  for (let i = 1; i <= m; i++) {
    const curr: Float64Array[] = Array.from({ length: n + 1 }, () => new Float64Array(m * n + 1));
    curr[0][0] = 1;
    for (let j = 1; j <= n; j++) {
      for (let u = 0; u <= i * j; u++) {
        // the largest value is an x (beats all j y-values) or a y
        curr[j][u] = (u >= j ? prev[j][u - j] : 0) + curr[j - 1][u];
      }
    }
    prev = curr;
  }
  const dist = prev[n];
  let total = 0;
  let tail = 0;
  for (let u = 0; u <= m * n; u++) {
    total += dist[u];
    if (u >= k) tail += dist[u];
  }
  return tail / total;
}

/**
 * Tests whether x and y come from the same distribution (two-sided). With U = max(U₁, n₁n₂ − U₁):
 *
 * - asymptotic (both samples larger than 8, or any ties): z = (U − n₁n₂/2 − 0.5) / σ with the tie-corrected
 *   σ = √(n₁n₂/12 · ((n+1) − Σ(t³ − t)/(n(n−1)))), t the tie-group sizes and n = n₁ + n₂; p = 2·P(Z > z),
 *   computed in the far tail without cancellation (`normalSf`), clipped to 1;
 * - exact (a sample of at most 8 values and no ties): p = 2·P(U' ≥ U) under the null, clipped to 1.
 *
 * Degenerate input: with every value tied σ = 0 and the continuity correction makes z = −∞, so p = 1, as SciPy
 * gives (no evidence of a difference). Misuse (an empty sample, a non-finite value) throws.
 *
 * @example mannWhitneyU([1.1, 2.5, 3.7, 8.2, 9.9], [0.3, 0.4, 2.2, 5.1, 6, 7.5, 7.7]) // { u1: 22, p: 0.5303…, method: 'exact' }
 */
export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  for (const [name, s] of [['x', x], ['y', y]] as const) {
    if (!Array.isArray(s) || s.length === 0) throw new RangeError(`mannWhitneyU(x, y): ${name} must be a non-empty array of numbers, got ${Array.isArray(s) ? 'an empty array' : typeof s}`);
    const bad = s.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`mannWhitneyU(x, y): ${name}[${bad}] must be a finite number, got ${String(s[bad])}`);
  }
  const n1 = x.length;
  const n2 = y.length;
  const { ranks, ties } = rankWithTies([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u = Math.max(u1, n1 * n2 - u1);
  const hasTies = ties.some((t) => t > 1);
  if ((n1 <= 8 || n2 <= 8) && !hasTies) {
    return { u1, p: Math.min(1, 2 * exactSf(u, n1, n2)), z: NaN, method: 'exact' };
  }
  const n = n1 + n2;
  const tieTerm = ties.reduce((s, t) => s + (t * t * t - t), 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - (n1 * n2) / 2 - 0.5) / sigma;
  const p = Math.min(1, Math.max(0, 2 * normalSf(z)));
  return { u1, p, z, method: 'asymptotic' };
}
