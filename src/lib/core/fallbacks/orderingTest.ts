/**
 * The within-generation ordering test (method-fallbacks.md §7, `add_shift_score` of the reference): do answers
 * go correct → hallucinated → repeated within one generation more often than chance?
 */
import { keyedRandom, type KeyPart } from '../random';
import { CORRECT, HALLUCINATED, REPEATED } from './labels';
import { mannWhitneyU } from './mannWhitneyU';

/** Keeps the C, H and R labels (1, 2, 3) of an order, in generation order. */
export function answerLabels(order: readonly number[]): number[] {
  return order.filter((l) => l === CORRECT || l === HALLUCINATED || l === REPEATED);
}

/**
 * The share of adjacent pairs that do not go backwards in C < H < R: #{t : o[t+1] ≥ o[t]} / (m − 1) over the m
 * C/H/R labels of one order (the inequality is ≥, so a run of equal labels counts as ordered). 1 for a perfectly
 * ordered generation. NaN when fewer than 2 such labels (undefined).
 *
 * @example shiftScore([1, 1, 2, 3, 2, 3]) // 4/5 = 0.8
 */
export function shiftScore(order: readonly number[]): number {
  const o = answerLabels(order);
  if (o.length < 2) return NaN;
  let ok = 0;
  for (let t = 0; t + 1 < o.length; t++) if (o[t + 1] >= o[t]) ok++;
  return ok / (o.length - 1);
}

/**
 * The expected `shiftScore` of a uniformly random permutation of the same labels, in closed form: every adjacent
 * pair of a random permutation is a random ordered pair of two different elements, so the expectation is
 * 1 − (c₁c₂ + c₁c₃ + c₂c₃) / (m(m − 1)) for label counts c₁, c₂, c₃ and m = c₁ + c₂ + c₃. NaN when m < 2.
 * The reference estimates this by averaging 1000 random permutations; `orderingTest` does the same by default.
 *
 * @example expectedShuffledScore([1, 2, 3]) // 1 − 3/6 = 0.5
 */
export function expectedShuffledScore(order: readonly number[]): number {
  const o = answerLabels(order);
  const m = o.length;
  if (m < 2) return NaN;
  const c = [0, 0, 0];
  for (const l of o) c[l - 1]++;
  return 1 - (c[0] * c[1] + c[0] * c[2] + c[1] * c[2]) / (m * (m - 1));
}

/** The mean `shiftScore` over `n` seeded random permutations of the labels (Fisher–Yates). */
export function permutedShiftScore(order: readonly number[], n: number, random: () => number): number {
  const o = Uint8Array.from(answerLabels(order));
  const m = o.length;
  if (m < 2) return NaN;
  let total = 0;
  for (let k = 0; k < n; k++) {
    for (let i = m - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = o[i];
      o[i] = o[j];
      o[j] = t;
    }
    let ok = 0;
    for (let t = 0; t + 1 < m; t++) if (o[t + 1] >= o[t]) ok++;
    total += ok / (m - 1);
  }
  return total / n;
}

export interface OrderingTestOptions {
  /** Random permutations per question for the null (default 1000, as the reference). */
  readonly permutations?: number;
  /** Use the closed-form expectation (`expectedShuffledScore`) instead of permutations. */
  readonly exactNull?: boolean;
  /** Run seed (default 0). Question q draws from `keyedRandom(seed, 'fallbacks-order-null', key, q)`. */
  readonly seed?: KeyPart;
  /** What is being tested, e.g. the model or matrix name: part of the random key. Default "". */
  readonly key?: string;
  /** A question needs MORE than this many C/H/R labels (default 5). */
  readonly minLabels?: number;
  /** The test runs when at least this many questions qualify (default 30). */
  readonly minQuestions?: number;
}

export interface OrderingTestResult {
  /** Two-sided Mann–Whitney p-value of real vs null scores; null when the test was not run (see `reason`). */
  readonly p: number | null;
  readonly reason?: string;
  /** Mann–Whitney U of the real scores (null when not run). */
  readonly u: number | null;
  /** Questions with more than `minLabels` C/H/R labels. */
  readonly nQuestions: number;
  /** Means of the real and null scores over those questions (NaN when none qualify). */
  readonly meanReal: number;
  readonly meanNull: number;
  /** Per qualifying question, in input order: its index, real score and null score. */
  readonly questions: { readonly index: number; readonly real: number; readonly null: number }[];
}

/**
 * Tests, over the questions of one model, whether the per-question `shiftScore` is higher than for shuffled
 * labels. Questions with `minLabels` (5) or fewer C/H/R labels are skipped. The null score of a question is the
 * mean `shiftScore` of `permutations` (1000) random permutations of its labels, drawn from a generator keyed by
 * (seed, key, question index): same inputs and seed, same result. With at least `minQuestions` (30) questions,
 * the real and null scores are compared by a two-sided Mann–Whitney U test (SciPy's default: normal
 * approximation with tie correction and continuity correction 0.5); with fewer, `p` is null with the reason.
 *
 * A small p means the labels are more ordered than chance (C before H before R). The reference reports p for
 * base models at their final checkpoint: e.g. Pythia-1.4B on TriviaFacts 1.1e-25.
 */
export function orderingTest(orders: ReadonlyArray<readonly number[]>, options: OrderingTestOptions = {}): OrderingTestResult {
  if (!Array.isArray(orders)) throw new TypeError(`orderingTest(orders): orders must be an array of label arrays, got ${typeof orders}`);
  const permutations = options.permutations ?? 1000;
  if (!Number.isInteger(permutations) || permutations < 1) throw new RangeError(`orderingTest: permutations must be a positive integer, got ${permutations}`);
  const minLabels = options.minLabels ?? 5;
  const minQuestions = options.minQuestions ?? 30;
  const seed = options.seed ?? 0;
  const key = options.key ?? '';
  orders.forEach((o, q) => {
    if (!Array.isArray(o)) throw new TypeError(`orderingTest: orders[${q}] must be an array of labels, got ${typeof o}`);
    const bad = o.findIndex((l) => !Number.isInteger(l) || l < 0 || l > 6);
    if (bad >= 0) throw new RangeError(`orderingTest: orders[${q}][${bad}] must be a label code 0–6, got ${String(o[bad])}`);
  });

  const questions: { index: number; real: number; null: number }[] = [];
  orders.forEach((o, q) => {
    if (answerLabels(o).length <= minLabels) return;
    const nullScore = options.exactNull
      ? expectedShuffledScore(o)
      : permutedShiftScore(o, permutations, keyedRandom(seed, 'fallbacks-order-null', key, q));
    questions.push({ index: q, real: shiftScore(o), null: nullScore });
  });
  const n = questions.length;
  const meanReal = n ? questions.reduce((s, x) => s + x.real, 0) / n : NaN;
  const meanNull = n ? questions.reduce((s, x) => s + x.null, 0) / n : NaN;
  if (n < minQuestions) {
    return { p: null, u: null, reason: `only ${n} question(s) have more than ${minLabels} C/H/R labels; the test needs at least ${minQuestions}`, nQuestions: n, meanReal, meanNull, questions };
  }
  const mw = mannWhitneyU(questions.map((x) => x.real), questions.map((x) => x.null));
  return { p: mw.p, u: mw.u1, nQuestions: n, meanReal, meanNull, questions };
}
