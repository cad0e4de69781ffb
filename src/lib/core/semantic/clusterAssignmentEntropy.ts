/**
 * Discrete semantic entropy from cluster frequencies (`cluster_assignment_entropy` in jlko/semantic_uncertainty):
 *
 *   SE = −Σ_c p_c ln p_c,   p_c = |{i : ids[i] = c}| / N
 *
 * in nats, over the N high-temperature samples only (the low-temperature "most likely" answer is not included).
 * It lies in [0, ln N]: 0 when every sample falls in one cluster, ln N when all N differ. This is the SEP
 * regression target and, binarised by `bestSplit`, the SEP label; higher means more uncertain (more likely
 * hallucinated).
 *
 * Ids may be any non-negative integers (they need not be contiguous); only the cluster sizes matter.
 * An empty list has no entropy: the result is NaN (reason: no samples), not 0.
 */
import { typeName } from '../issues';

export function clusterAssignmentEntropy(ids: ArrayLike<number>): number {
  if (ids === null || typeof ids !== 'object' || typeof ids.length !== 'number') {
    throw new TypeError(`ids must be an array of cluster ids, got ${typeName(ids)}`);
  }
  const n = ids.length;
  if (n === 0) return NaN;
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0) {
      throw new TypeError(`ids[${i}] must be a non-negative integer cluster id, got ${typeName(id)} ${JSON.stringify(id)}`);
    }
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  // Sum in increasing id order, as numpy's bincount does, so the golden values match to the last bit or two.
  let h = 0;
  for (const id of [...counts.keys()].sort((a, b) => a - b)) {
    const p = counts.get(id)! / n;
    h -= p * Math.log(p);
  }
  // A single cluster gives −(1·ln 1) = −0; report +0.
  return h === 0 ? 0 : h;
}
