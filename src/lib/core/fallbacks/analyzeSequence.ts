/**
 * Token-level degeneration and loop detection (method-fallbacks.md §6; `utils/degeneration_detector.py` of the
 * reference, reimplemented from its behaviour). Runs over the token ids of prompt + completion, uncleaned.
 */

export type Token = number | string;

/** A threshold on the unique-token share: a constant, or `min(0.8, a · L^−b)` for a span of length L. */
export type DegenerationThreshold = number | { readonly a: number; readonly b: number };

export interface DegenerateSpan {
  /** First token position, over prompt + completion. */
  readonly start: number;
  /** Last token position, INCLUSIVE. */
  readonly endInclusive: number;
  /** |unique tokens| / length of the span: 1 is no repetition, near 0 is one token over and over. */
  readonly coef: number;
  /** `Convergence`: the span reaches the last token; `Escaped`: text that is not degenerate follows. */
  readonly eosType: 'Convergence' | 'Escaped';
}

export interface Loop {
  /** Length of the repeated block, in tokens. */
  readonly length: number;
  /** (n − first block start) / length; always 2 with the reference's condition (see `detectLoop`). */
  readonly repetitions: number;
  /** Start of each repetition: the first block and the tail block. */
  readonly startingPositions: number[];
}

export interface SequenceAnalysis {
  /** |unique tokens| / |tokens| over the whole sequence; NaN for an empty sequence (undefined). */
  readonly degCoef: number;
  readonly spans: DegenerateSpan[];
  /** Some span ends at the last token: what the reference saves as `degenerated_tail`. */
  readonly degeneratedTail: boolean;
  readonly loop: Loop | null;
}

export interface AnalyzeOptions {
  /** Shortest span considered (default 15). */
  readonly minLength?: number;
  /** Default `{ a: 1.7, b: 0.25 }` (the reference's `"dynamic(1.7,0.25)"`). */
  readonly threshold?: DegenerationThreshold;
  /** Shortest repeated tail block for `detectLoop` (default 5). */
  readonly minLoopTail?: number;
}

/** The threshold at span length L: L=15 → 0.8, L=100 → 0.538, L=512 → 0.357 with the default. */
export function degenerationThreshold(length: number, threshold: DegenerationThreshold = { a: 1.7, b: 0.25 }): number {
  return typeof threshold === 'number' ? threshold : Math.min(0.8, threshold.a * Math.pow(length, -threshold.b));
}

/**
 * Finds degenerate spans greedily, as the reference does. From `start = 0`, scan every end position with a running
 * set of the tokens since `start`; the span [start, end] qualifies when its length L ≥ `minLength` and
 * |unique| / L ≤ threshold(L) (the inequality is ≤). Keep the LAST qualifying end. If there is one, record the span
 * and continue from end + 1; otherwise continue from start + 1. Starts stop at n − minLength.
 *
 * `degCoef` is |unique| / n over the whole sequence (NaN when empty), `degeneratedTail` is whether a span ends at
 * the last token, and `loop` is `detectLoop(tokens, minLoopTail)`. Cost O(n²) for n tokens.
 *
 * @example analyzeSequence([0, 1, ...Array(30).fill(2)]).degeneratedTail // true
 */
export function analyzeSequence(tokens: readonly Token[], options: AnalyzeOptions = {}): SequenceAnalysis {
  if (!Array.isArray(tokens)) throw new TypeError(`analyzeSequence(tokens): tokens must be an array of token ids, got ${typeof tokens}`);
  const minLength = options.minLength ?? 15;
  if (!Number.isInteger(minLength) || minLength < 1) throw new RangeError(`analyzeSequence: minLength must be a positive integer, got ${minLength}`);
  const threshold = options.threshold ?? { a: 1.7, b: 0.25 };
  const n = tokens.length;
  const spans: DegenerateSpan[] = [];
  let start = 0;
  while (start <= n - minLength) {
    let end = start;
    let coef = 1;
    const seen = new Set<Token>();
    for (let i = start; i < n; i++) {
      seen.add(tokens[i]);
      const len = i - start + 1;
      const c = seen.size / len;
      if (len >= minLength && c <= degenerationThreshold(len, threshold)) {
        end = i;
        coef = c;
      }
    }
    if (end > start) {
      spans.push({ start, endInclusive: end, coef, eosType: end === n - 1 ? 'Convergence' : 'Escaped' });
      start = end + 1;
    } else {
      start += 1;
    }
  }
  return {
    degCoef: n === 0 ? NaN : new Set(tokens).size / n,
    spans,
    degeneratedTail: spans.some((s) => s.endInclusive === n - 1),
    loop: detectLoop(tokens, options.minLoopTail ?? 5)
  };
}

/**
 * The reference's loop detector, as it actually behaves. It was meant to find a tail that repeats "ad infinitum",
 * but its check is inverted (`if loop_len < tail_len: continue` skips exactly the short loops it then tries to
 * verify), and comparing a block with a tail slice of a different length always fails. What remains finds only a
 * sequence that ENDS WITH TWO IDENTICAL ADJACENT BLOCKS: `tokens[j:i] == tokens[i:n]` with i − j = n − i ≥
 * `minTail`. It scans i forward over positions whose token occurred before, returns the first (smallest) i that
 * works, and gives up as soon as such a position leaves a tail shorter than `minTail`. Numbered lists rarely fire
 * ("\n3." and "\n4." differ). We keep this behaviour so results compare with the reference; the paper uses none of
 * it.
 *
 * Returns null when there is no such ending.
 *
 * @example detectLoop([9, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5]) // { length: 5, repetitions: 2, startingPositions: [1, 6] }
 */
export function detectLoop(tokens: readonly Token[], minTail = 5): Loop | null {
  const n = tokens.length;
  const seen = new Set<Token>();
  for (let i = 0; i < n; i++) {
    if (seen.has(tokens[i])) {
      const tail = n - i;
      if (tail < minTail) return null;
      const j = 2 * i - n; // the only earlier start whose block has the tail's length
      if (j >= 0 && tokens[j] === tokens[i]) {
        let same = true;
        for (let k = 0; k < tail && same; k++) same = tokens[j + k] === tokens[i + k];
        if (same) return { length: tail, repetitions: (n - j) / tail, startingPositions: [j, i] };
      }
    }
    seen.add(tokens[i]);
  }
  return null;
}
