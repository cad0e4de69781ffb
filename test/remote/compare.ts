/**
 * Compares two runs' results item by item: ids, token ids, texts and stop reasons exactly; floats (logprobs,
 * top-k logprobs, hidden states) within the design's WASM tolerance, 1e-5·max(1, max|ref|), since a node's KV cache
 * may hold a different history than the reference node's. Returns the largest difference seen.
 */
import { expect } from 'vitest';

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function compare(got: unknown, ref: unknown, path: string, worst: { diff: number; path: string }): void {
  if (ArrayBuffer.isView(ref) && !(ref instanceof DataView)) {
    const r = ref as unknown as Float32Array;
    const g = got as Float32Array;
    expect(ArrayBuffer.isView(got), `${path} is a typed array`).toBe(true);
    expect(g.length, `${path} length`).toBe(r.length);
    if (r instanceof Int32Array) {
      expect(Array.from(g), path).toEqual(Array.from(r));
      return;
    }
    const tol = 1e-5 * Math.max(1, maxAbs(r));
    for (let i = 0; i < r.length; i++) {
      if (Number.isNaN(r[i])) {
        expect(Number.isNaN(g[i]), `${path}[${i}] is NaN`).toBe(true);
        continue;
      }
      const d = Math.abs(g[i] - r[i]);
      if (d > worst.diff) Object.assign(worst, { diff: d, path: `${path}[${i}]` });
      expect(d, `${path}[${i}]: ${g[i]} vs ${r[i]}`).toBeLessThanOrEqual(tol);
    }
    return;
  }
  if (Array.isArray(ref)) {
    expect(Array.isArray(got), `${path} is a list`).toBe(true);
    expect((got as unknown[]).length, `${path} length`).toBe(ref.length);
    ref.forEach((v, i) => compare((got as unknown[])[i], v, `${path}[${i}]`, worst));
    return;
  }
  if (ref && typeof ref === 'object') {
    expect(Object.keys(got as object).sort(), `${path} keys`).toEqual(Object.keys(ref).sort());
    for (const [k, v] of Object.entries(ref)) compare((got as Record<string, unknown>)[k], v, `${path}.${k}`, worst);
    return;
  }
  if (typeof ref === 'number' && typeof got === 'number' && !Number.isInteger(ref)) {
    const d = Math.abs(got - ref);
    if (d > worst.diff) Object.assign(worst, { diff: d, path });
    expect(d, `${path}: ${got} vs ${ref}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref)));
    return;
  }
  expect(got, path).toEqual(ref);
}

export function expectSameResults(got: ReadonlyMap<string, unknown>, ref: ReadonlyMap<string, unknown>): { diff: number; path: string } {
  expect([...got.keys()].sort()).toEqual([...ref.keys()].sort());
  const worst = { diff: 0, path: '' };
  for (const [id, r] of ref) compare(got.get(id), r, id, worst);
  return worst;
}
