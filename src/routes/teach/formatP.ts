/** A p-value as the paper prints it ("1.1e-25"); very small values keep their exponent. */
export function formatP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '–';
  if (p === 0) return '< 1e-300';
  return p >= 0.001 ? p.toPrecision(2) : p.toExponential(1);
}
