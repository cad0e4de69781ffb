/**
 * Deterministic test data shared with `test/tools/hash_data.py`: a 32-bit integer hash mapped to float32 in
 * [-1, 1). A golden script and a test see identical inputs without committing them.
 */
export function hashU32(seed: number, i: number): number {
  let h = (Math.imul(seed, 0x9e3779b1) + Math.imul(i, 0x85ebca77)) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h;
}

/** float32 values in [-1, 1): element i is hashU32(seed, i) / 2^32 · 2 − 1, rounded to float32. */
export function hashUniform(seed: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (hashU32(seed, i) / 2 ** 32) * 2 - 1;
  return out;
}
