/**
 * The input policy every metric shares, one rule per kind of problem (scikit-learn's habit of one behaviour per
 * function, with the messages of `issues.ts`):
 *
 * | problem                                   | policy                                                   |
 * | ----------------------------------------- | -------------------------------------------------------- |
 * | `scores` or `labels` not an array         | throws `InputError` naming the parameter                 |
 * | empty input                               | throws `InputError` (nothing to rank)                    |
 * | unequal lengths                           | throws `InputError` with both lengths                    |
 * | a label other than the numbers 0 and 1    | throws `InputError` naming `labels[i]` and the value     |
 * | a NaN or ±Infinity score                  | throws `InputError` naming `scores[i]`; map them yourself |
 * | one class only (no 1s, or no 0s)          | the metric is NaN, and `undefinedReason` names why       |
 *
 * Labels: 1 = hallucinated, the positive class; 0 = factual. (Item files store `nli_label`, 1 = correct; convert
 * with `hallucinationLabel`.) Scores: higher means more likely hallucinated.
 */
import { InputError, typeName } from '../issues';

export interface CheckedBinary {
  /** The labels as 0/1 bytes. */
  readonly labels: Uint8Array;
  /** Number of hallucinated items (label 1). */
  readonly nPos: number;
  /** Number of factual items (label 0). */
  readonly nNeg: number;
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

function describe(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v === 'string' ? JSON.stringify(v) : typeName(v);
}

/** Checks one score array; `name` is how the caller calls it (`scores`, `scores.spikescore`). */
export function checkScoreArray(scores: unknown, fn: string, name = 'scores'): asserts scores is ArrayLike<number> {
  if (!isArrayLike(scores)) {
    throw new InputError([{ code: 'invalid_type', path: [name], message: `${fn}: ${name} must be an array of finite numbers, got ${typeName(scores)}` }]);
  }
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError([
        { code: 'invalid_value', path: [name, i], message: `${fn}: ${name}[${i}] must be a finite number, got ${describe(v)}` }
      ]);
    }
  }
}

/** Checks labels alone and returns them as bytes with the class counts. */
export function checkLabels(labels: unknown, fn: string): CheckedBinary {
  if (!isArrayLike(labels)) {
    throw new InputError([
      { code: 'invalid_type', path: ['labels'], message: `${fn}: labels must be an array of 0/1 (1 = hallucinated, the positive class), got ${typeName(labels)}` }
    ]);
  }
  if (labels.length === 0) {
    throw new InputError([{ code: 'empty', path: ['labels'], message: `${fn}: labels is empty; need at least one labelled item` }]);
  }
  const out = new Uint8Array(labels.length);
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0 && v !== 1) {
      throw new InputError([
        { code: 'invalid_value', path: ['labels', i], message: `${fn}: labels[${i}] must be 0 or 1 (1 = hallucinated, the positive class), got ${describe(v)}` }
      ]);
    }
    out[i] = v;
    nPos += v;
  }
  return { labels: out, nPos, nNeg: labels.length - nPos };
}

/** Checks a score array against labels: both array-like, non-empty, equal length, finite scores, 0/1 labels. */
export function checkBinary(scores: unknown, labels: unknown, fn: string, name = 'scores'): CheckedBinary {
  if (!isArrayLike(scores)) {
    throw new InputError([{ code: 'invalid_type', path: [name], message: `${fn}: ${name} must be an array of finite numbers, got ${typeName(scores)}` }]);
  }
  if (isArrayLike(labels) && scores.length !== labels.length) {
    throw new InputError([
      { code: 'mismatch', path: ['labels'], message: `${fn}: labels must have one entry per score: ${name} has ${scores.length}, labels has ${labels.length}` }
    ]);
  }
  if (scores.length === 0 && isArrayLike(labels)) {
    throw new InputError([{ code: 'empty', path: [name], message: `${fn}: ${name} and labels are empty; need at least one labelled item` }]);
  }
  const checked = checkLabels(labels, fn);
  checkScoreArray(scores, fn, name);
  return checked;
}

/**
 * Why a two-class metric is undefined for these class counts, or null when it is defined. The metrics return NaN
 * exactly when this returns a reason.
 */
export function undefinedReason(nPos: number, nNeg: number): string | null {
  if (nPos > 0 && nNeg > 0) return null;
  return `one class only: ${nPos} hallucinated (label 1) and ${nNeg} factual (label 0) items; the metric needs both`;
}
