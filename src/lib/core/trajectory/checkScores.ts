/**
 * The one input check every trajectory function shares: a trajectory is an array (or typed array) of finite
 * numbers, one per scored turn, in turn order. Misuse throws an `InputError` naming the function, the parameter,
 * what was expected and what was received.
 */
import { InputError, typeName } from '../issues';

/** Throws unless `scores` is an array-like of finite numbers. `fn` names the caller in the message. */
export function checkScores(scores: unknown, fn: string): asserts scores is ArrayLike<number> {
  const isArrayLike =
    Array.isArray(scores) || (ArrayBuffer.isView(scores) && !(scores instanceof DataView));
  if (!isArrayLike) {
    throw new InputError([
      { code: 'invalid_type', path: ['scores'], message: `${fn}: scores must be an array of finite numbers (one per scored turn), got ${typeName(scores)}` }
    ]);
  }
  const s = scores as ArrayLike<unknown>;
  for (let k = 0; k < s.length; k++) {
    const v = s[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError([
        {
          code: 'invalid_value',
          path: ['scores', k],
          message: `${fn}: scores[${k}] must be a finite number, got ${typeof v === 'number' ? String(v) : typeName(v)} (drop turns without a score before aggregating; see itemTrajectory)`
        }
      ]);
    }
  }
}
