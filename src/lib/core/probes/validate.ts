/** Argument checks shared by the probe trainers: messages name the parameter, what was expected and what came. */
import { typeName } from '../issues';

/** Checks a design matrix `X` of n rows × d columns, row-major, all finite. */
export function checkMatrix(X: unknown, n: number, d: number, name = 'X'): asserts X is Float32Array {
  if (!(X instanceof Float32Array)) throw new TypeError(`${name} must be a Float32Array (row-major, n × d), got ${typeName(X)}`);
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`n must be a positive integer (the number of rows of ${name}), got ${String(n)}`);
  if (!Number.isInteger(d) || d < 1) throw new TypeError(`d must be a positive integer (the number of columns of ${name}), got ${String(d)}`);
  if (X.length !== n * d) throw new TypeError(`${name} must hold n × d = ${n} × ${d} = ${n * d} values, got ${X.length}`);
  for (let i = 0; i < X.length; i++) {
    const v = X[i];
    if (!(v - v === 0)) throw new TypeError(`${name} must be finite; ${name}[${Math.floor(i / d)}, ${i % d}] is ${String(v)}`);
  }
}

/** Checks n binary labels (0 or 1). */
export function checkBinaryLabels(y: ArrayLike<number>, n: number, name = 'y'): void {
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number') throw new TypeError(`${name} must be an array of 0/1 labels, got ${typeName(y)}`);
  if (y.length !== n) throw new TypeError(`${name} must hold one label per row (${n}), got ${y.length}`);
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new TypeError(`${name}[${i}] must be 0 or 1, got ${String(y[i])}`);
  }
}

/** Checks n finite regression targets. */
export function checkTargets(y: ArrayLike<number>, n: number, name = 'y'): void {
  if (y === null || typeof y !== 'object' || typeof y.length !== 'number') throw new TypeError(`${name} must be an array of numbers, got ${typeName(y)}`);
  if (y.length !== n) throw new TypeError(`${name} must hold one target per row (${n}), got ${y.length}`);
  for (let i = 0; i < n; i++) {
    if (typeof y[i] !== 'number' || !Number.isFinite(y[i])) throw new TypeError(`${name}[${i}] must be a finite number, got ${String(y[i])}`);
  }
}

export function checkPositive(value: unknown, name: string, integer = false): void {
  const okType = typeof value === 'number' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!okType) throw new TypeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
}
