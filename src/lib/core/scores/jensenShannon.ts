/**
 * jsDivergenceBits(p, q): the Jensen–Shannon divergence of two discrete distributions in bits,
 *
 *   JSD₂(p, q) = ½ Σ_i p_i log₂(p_i / m_i) + ½ Σ_i q_i log₂(q_i / m_i),   m = ½ (p + q),
 *
 * terms with p_i = 0 (or q_i = 0) counting 0. It equals scipy's `jensenshannon(p, q, base=2) ** 2` (scipy returns
 * the distance, the square root), including scipy's first step of dividing p and q by their sums. Symmetric, in
 * [0, 1]; 0 exactly when p = q.
 *
 * Degenerate input: unequal lengths, a negative or non-finite entry, or a zero sum is a `TypeError`.
 *
 * @example jsDivergenceBits([1, 0], [0, 1]) === 1
 */
import { typeName } from '../issues';

function total(x: ArrayLike<number>, name: string): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= 0) || v === Infinity) throw new TypeError(`${name}[${i}] must be a finite probability ≥ 0, got ${String(v)}`);
    s += v;
  }
  if (!(s > 0)) throw new TypeError(`${name} must have a positive sum, got ${s}`);
  return s;
}

export function jsDivergenceBits(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p === null || typeof p !== 'object' || typeof p.length !== 'number') throw new TypeError(`p must be an array of probabilities, got ${typeName(p)}`);
  if (q === null || typeof q !== 'object' || typeof q.length !== 'number') throw new TypeError(`q must be an array of probabilities, got ${typeName(q)}`);
  if (p.length !== q.length) throw new TypeError(`p and q must have equal lengths, got ${p.length} and ${q.length}`);
  const sp = total(p, 'p');
  const sq = total(q, 'q');
  return jsdNormalised(p, 1 / sp, q, 1 / sq);
}

/** JSD₂ of p·a and q·b, which must each sum to 1 (no checks: the inner loop of the logit lens). */
export function jsdNormalised(p: ArrayLike<number>, a: number, q: ArrayLike<number>, b: number): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i] * a;
    const qi = q[i] * b;
    const m = 0.5 * (pi + qi);
    if (pi > 0) s += pi * Math.log(pi / m);
    if (qi > 0) s += qi * Math.log(qi / m);
  }
  // Round-off can leave a tiny negative sum for p ≈ q; the divergence is ≥ 0.
  return Math.max(0, s) / (2 * Math.LN2);
}
